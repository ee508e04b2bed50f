package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Position is a place in a file for reviewdog: 1-based line and 1-based
// column counted in UTF-8 bytes. Column 0 is left out (a line-wise range).
type Position struct {
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Range is a span; End is exclusive. With no columns on either side the
// range covers the lines Start.Line..End.Line whole.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Suggestion replaces Range with Text (insert: an empty range; delete: "").
// For GitHub PR suggestions make them line-wise: GitHub replaces whole lines
// and wants the suggestion to span the lines of the comment (LineSuggestion
// builds such a suggestion from byte edits).
type Suggestion struct {
	Range Range  `json:"range"`
	Text  string `json:"text"`
}

// rdjsonl: the Reviewdog Diagnostic Format, one Diagnostic per line.
type rdDiagnostic struct {
	Message     string       `json:"message"`
	Location    rdLocation   `json:"location"`
	Severity    string       `json:"severity"`
	Source      rdSource     `json:"source"`
	Code        rdCode       `json:"code"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

type rdLocation struct {
	Path  string `json:"path"`
	Range *Range `json:"range,omitempty"`
}

type rdSource struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type rdCode struct {
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

// RDJSONL writes one reviewdog diagnostic per finding and per input error,
// with the batches' suggestions (Run.Suggest's for a run in memory).
// Positions are converted to the UTF-8 byte columns reviewdog counts. The
// errors come first, so the findings' lines are spooled until End.
type rdjsonlStream struct {
	w        io.Writer
	findings spool
	bw       *bufio.Writer // over findings
}

var rdSrc = rdSource{Name: "secctx-lint", URL: InformationURI}

func newRDJSONLStream(w io.Writer, _ *Run) Stream {
	s := &rdjsonlStream{w: w}
	s.bw = bufio.NewWriterSize(&s.findings, 32<<10)
	return s
}

func putRD(bw *bufio.Writer, d rdDiagnostic) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	bw.Write(jsonSafe(b))
	return bw.WriteByte('\n')
}

func (s *rdjsonlStream) Add(b *Batch) error {
	for i := range b.Findings {
		f := &b.Findings[i]
		li := b.lines(f.File)
		d := rdDiagnostic{
			Message:  annotationMessage(f),
			Location: rdLocation{Path: f.File},
			Severity: map[lint.Level]string{lint.LevelError: "ERROR", lint.LevelWarning: "WARNING"}[f.Level],
			Source:   rdSrc,
			Code:     rdCode{Value: f.Rule},
		}
		if d.Severity == "" {
			d.Severity = "INFO"
		}
		if f.PolicyID != "" {
			d.Code.URL = policyURL(f.PolicyID)
		}
		if f.Line > 0 {
			end := max(f.EndLine, f.Line)
			endCol := f.EndColumn
			if end == f.Line && endCol <= f.Column {
				endCol = f.Column + 1
			}
			d.Location.Range = &Range{
				Start: Position{Line: f.Line, Column: byteColumn(li, f.Line, f.Column)},
				End:   Position{Line: end, Column: byteColumn(li, end, endCol)},
			}
		}
		if i < len(b.Suggestions) {
			d.Suggestions = b.Suggestions[i]
		}
		if err := putRD(s.bw, d); err != nil {
			return err
		}
	}
	return nil
}

func (s *rdjsonlStream) End(r *Run) error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	bw := bufio.NewWriter(s.w)
	for _, e := range r.Errors {
		d := rdDiagnostic{Message: e.Msg, Location: rdLocation{Path: e.Path}, Severity: "ERROR", Source: rdSrc, Code: rdCode{Value: "input"}}
		if e.Line > 0 {
			d.Location.Range = &Range{Start: Position{Line: e.Line}}
		}
		if err := putRD(bw, d); err != nil {
			return err
		}
	}
	if err := s.findings.copyTo(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// byteColumn converts a 1-based rune column into a 1-based byte column.
// Without the file's lines the rune column is kept (right for ASCII).
func byteColumn(li *source.LineIndex, line, col int) int {
	if col < 1 {
		return 0
	}
	if li == nil || line < 1 || line > li.Lines() {
		return col
	}
	return li.Offset(line, col) - li.LineStart(line) + 1
}

// TextEdit replaces the bytes [Start, End) of a file with Text (the shape
// of the fixer's edits).
type TextEdit struct {
	Start, End int
	Text       string
}

// LineSuggestion turns byte edits of src into one line-wise suggestion, as
// GitHub wants: the lines the edits touch, whole, and their new text
// (without the final line break). ok is false when there are no edits or
// they overlap or fall outside src.
func LineSuggestion(src []byte, edits []TextEdit) (s Suggestion, ok bool) {
	if len(edits) == 0 {
		return Suggestion{}, false
	}
	edits = append([]TextEdit(nil), edits...)
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	for i, e := range edits {
		if e.Start < 0 || e.End < e.Start || e.End > len(src) || (i > 0 && e.Start < edits[i-1].End) {
			return Suggestion{}, false
		}
	}
	li := source.NewLineIndex(src)
	first, _ := li.Position(edits[0].Start)
	lastOff := edits[len(edits)-1].End
	if lastOff > edits[len(edits)-1].Start {
		lastOff-- // an edit ending at a line start ends on the line before
	}
	last, _ := li.Position(lastOff)
	// An insertion at the end of a file that ends with a line break sits on
	// the empty "line" after it, which reviewdog and GitHub do not know:
	// take in the last real line instead.
	if li.LineStart(first) == len(src) && first > 1 {
		first--
	}
	if li.LineStart(last) == len(src) && last > 1 {
		last--
	}
	last = max(last, first)
	lineEnd := li.LineEnd(last)
	from, to := li.LineStart(first), lineEnd
	// Take in the edits' own bytes past the end of the last line (its break).
	to = max(to, edits[len(edits)-1].End)
	var b bytes.Buffer
	pos := from
	for _, e := range edits {
		b.Write(src[pos:e.Start])
		b.WriteString(e.Text)
		pos = e.End
	}
	b.Write(src[pos:to])
	text := b.String()
	if to > lineEnd {
		// The edits ate the last line's break and wrote their own; the
		// suggestion keeps the line's, so theirs goes. Otherwise the text
		// ends with the line's own content, even when that is empty (an
		// insertion above a blank line ends with the inserted break).
		text = strings.TrimSuffix(text, "\n")
		text = strings.TrimSuffix(text, "\r")
	}
	return Suggestion{Range: Range{Start: Position{Line: first}, End: Position{Line: last}}, Text: text}, true
}

// Suggester plans the rdjsonl suggestions of a batch of findings (a
// document's): one slice per finding, same index.
type Suggester func(findings []lint.Finding) [][]Suggestion

// SuggestWith builds a Suggester from a fixer that plans byte edits for
// the findings given. Each pod template (workload) gets one suggestion,
// on its first fixable finding, holding every field the fixer writes for
// it: suggestions on the same lines would conflict when a reviewer
// accepts them together, and one per workload applied together equals
// --fix. Workloads the planner gives no edits for, or whose edits
// LineSuggestion refuses, get none. It reads the findings' Doc and
// Changes, so a stream calls it while the document is judged (before
// lint.Detach). The CLI passes a wrapper of fix.Plan (cmd/secctx-lint
// suggestEdits).
func SuggestWith(plan func(f *source.File, findings []lint.Finding) ([]TextEdit, error)) Suggester {
	type workload struct {
		doc            *source.Document
		kind, ns, name string
	}
	return func(fs []lint.Finding) [][]Suggestion {
		out := make([][]Suggestion, len(fs))
		groups := map[workload][]int{}
		var order []workload
		for i := range fs {
			f := &fs[i]
			if f.Doc == nil || f.Doc.File == nil || f.Doc.File.Broken || !f.Fixable {
				continue
			}
			k := workload{f.Doc, f.Kind, f.Namespace, f.Name}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], i)
		}
		for _, k := range order {
			idx := groups[k]
			members := make([]lint.Finding, len(idx))
			for j, i := range idx {
				members[j] = fs[i]
			}
			edits, err := plan(k.doc.File, members)
			if err != nil || len(edits) == 0 {
				continue
			}
			if s, ok := LineSuggestion(k.doc.File.Src, edits); ok {
				out[idx[0]] = []Suggestion{s}
			}
		}
		return out
	}
}
