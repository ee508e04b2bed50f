package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/secctx-lint/secctx-lint/lint"
)

// jsonError is an input problem in the JSON output.
type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// JSON writes the stable machine format (version 1, documented in the
// README) as findings come: the head, each finding, then the errors and
// the summary. The bytes are those encoding/json's indented encoder
// writes for the whole run (json_test.go holds the two together); the
// findings are written without reflection, which was most of the cost of
// a run.
type jsonStream struct {
	w   *bufio.Writer
	buf []byte
	n   int
}

func newJSONStream(w io.Writer, _ *Run) Stream {
	s := &jsonStream{w: bufio.NewWriterSize(w, 64<<10)}
	s.w.WriteString("{\n  \"version\": 1,\n  \"findings\": [")
	return s
}

func (s *jsonStream) Add(b *Batch) error {
	for i := range b.Findings {
		s.buf = s.buf[:0]
		if s.n > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = appendFindingJSON(s.buf, &b.Findings[i])
		s.n++
		if _, err := s.w.Write(s.buf); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonStream) End(r *Run) error {
	if s.n > 0 {
		s.w.WriteString("\n  ]")
	} else {
		s.w.WriteString("]")
	}
	errs := make([]jsonError, 0, len(r.Errors))
	for _, e := range r.Errors {
		errs = append(errs, jsonError{File: e.Path, Line: e.Line, Column: e.Column, Message: e.Msg})
	}
	for _, part := range []struct {
		key string
		v   any
	}{{"errors", errs}, {"summary", r.Summary}} {
		b, err := json.MarshalIndent(part.v, "  ", "  ")
		if err != nil {
			return err
		}
		s.w.WriteString(",\n  \"" + part.key + "\": ")
		s.w.Write(jsonSafe(b))
	}
	s.w.WriteString("\n}\n")
	return s.w.Flush()
}

// appendFindingJSON appends a finding as the element of the findings
// array (a line break, then the object indented by four spaces), with the
// fields, names and omitempty rules of lint.Finding's json tags.
func appendFindingJSON(b []byte, f *lint.Finding) []byte {
	const in = "\n      \""
	b = append(b, "\n    {"...)
	str := func(name, v string) {
		b = append(b, in...)
		b = append(b, name...)
		b = append(b, "\": "...)
		b = appendJSONString(b, v)
		b = append(b, ',')
	}
	num := func(name string, v int) {
		b = append(b, in...)
		b = append(b, name...)
		b = append(b, "\": "...)
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, ',')
	}
	str("rule", f.Rule)
	str("policy", f.Policy)
	str("policyId", f.PolicyID)
	str("policyVersion", f.PolicyVersion)
	str("effect", string(f.Effect))
	str("level", string(f.Level))
	str("certainty", string(f.Certainty))
	str("file", f.File)
	num("line", f.Line)
	num("column", f.Column)
	num("endLine", f.EndLine)
	num("endColumn", f.EndColumn)
	str("kind", f.Kind)
	str("namespace", f.Namespace)
	str("name", f.Name)
	if f.Container != "" {
		str("container", f.Container)
	}
	str("field", f.Field)
	str("message", f.Message)
	b = append(b, in...)
	b = append(b, "fixable\": "...)
	b = strconv.AppendBool(b, f.Fixable)
	if f.FixNote != "" {
		b = append(b, ',')
		b = append(b, in...)
		b = append(b, "fixNote\": "...)
		b = appendJSONString(b, f.FixNote)
	}
	if f.RenderedFrom != nil {
		// Rare (rendered objects only) and nested: encoding/json does it.
		if rf, err := json.MarshalIndent(f.RenderedFrom, "      ", "  "); err == nil {
			b = append(b, ',')
			b = append(b, in...)
			b = append(b, "renderedFrom\": "...)
			b = append(b, jsonSafe(rf)...)
		}
	}
	return append(b, "\n    }"...)
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the ASCII bytes encoding/json writes as they are (not
// control characters, quote, backslash, or the HTML-escaped <, >, &).
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as encoding/json encodes a string with its
// default HTML escaping (<, >, & as \u003c, \u003e, \u0026; invalid UTF-8
// as \ufffd; U+2028 and U+2029 escaped), then makes "##[" inert as
// jsonSafe does. It follows encoding/json's appendString (Go 1.26).
func appendJSONString(b []byte, s string) []byte {
	start := len(b)
	b = append(b, '"')
	from := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[from:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			from = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[from:i]...)
			b = append(b, `\ufffd`...)
			i += size
			from = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[from:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			from = i
			continue
		}
		i += size
	}
	b = append(b, s[from:]...)
	b = append(b, '"')
	// "##[" can only come from the string's own text (escapes never make #
	// or [), so making it inert here is jsonSafe on the whole output.
	if bytes.Contains(b[start:], []byte("##[")) {
		safe := jsonSafe(b[start:])
		b = append(b[:start], safe...)
	}
	return b
}
