package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// hostileStrings are strings that exercise every escape encoding/json makes.
var hostileStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "bad utf-8 \xff\xfe and \xc3", "line sep \u2028 para \u2029", "café ∑ 😀",
	"##[error]legacy command", "###[x ##[##[", "::error::x", "#\u0023[", strings.Repeat("é", 300),
}

// TestJSONStringEqualsEncodingJSON holds appendJSONString to what
// encoding/json (HTML escaping on) and jsonSafe make of every string.
func TestJSONStringEqualsEncodingJSON(t *testing.T) {
	for _, s := range hostileStrings {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want = jsonSafe(want)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// fillFinding sets every exported field that has a JSON name to a value
// derived from s, through reflection, so that a field added to
// lint.Finding later is covered without touching this test (and one of a
// kind it cannot fill fails it, so that the writer is taught the field).
func fillFinding(t *testing.T, s string, n int, flag bool) lint.Finding {
	var f lint.Finding
	fill(t, reflect.ValueOf(&f).Elem(), s, n, flag)
	return f
}

func fill(t *testing.T, v reflect.Value, s string, n int, flag bool) {
	for i := 0; i < v.NumField(); i++ {
		field := v.Type().Field(i)
		if tag := field.Tag.Get("json"); tag == "-" || !field.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch fv.Kind() {
		case reflect.String:
			fv.SetString(s + field.Name)
		case reflect.Int:
			fv.SetInt(int64(n + i))
		case reflect.Bool:
			fv.SetBool(flag)
		case reflect.Slice:
			if fv.Type().Elem().Kind() != reflect.String {
				t.Fatalf("field %s: fill cannot fill a %s", field.Name, fv.Type())
			}
			fv.Set(reflect.ValueOf([]string{s, field.Name}))
		case reflect.Pointer:
			if fv.Type().Elem().Kind() != reflect.Struct {
				t.Fatalf("field %s: fill cannot fill a %s", field.Name, fv.Type())
			}
			if flag { // and nil otherwise, for omitempty
				p := reflect.New(fv.Type().Elem())
				fill(t, p.Elem(), s, n, flag)
				fv.Set(p)
			}
		default:
			t.Fatalf("field %s: fill cannot fill a %s", field.Name, fv.Type())
		}
	}
}

// TestJSONStreamEqualsEncodingJSON: the streamed JSON report is byte for
// byte what the indented encoder makes of the whole run, for findings
// full of hostileStrings strings, with empty optional fields, and with none.
func TestJSONStreamEqualsEncodingJSON(t *testing.T) {
	var fs []lint.Finding
	for i, s := range hostileStrings {
		fs = append(fs, fillFinding(t, s, i, i%2 == 0))
	}
	fs = append(fs, lint.Finding{Rule: "empty"}) // omitempty fields left out
	errs := []*source.Error{{Path: "a\xffb.yaml", Line: 3, Column: 4, Msg: "<bad> ##[x"}}
	for _, tc := range []struct {
		name     string
		findings []lint.Finding
		errs     []*source.Error
	}{{"findings and errors", fs, errs}, {"nothing", nil, nil}} {
		r := &Run{Findings: tc.findings, Errors: tc.errs, Summary: Summary{Files: 2, Documents: 3, Findings: len(tc.findings), FixedFiles: 1}}
		var got bytes.Buffer
		if err := JSON(&got, r); err != nil {
			t.Fatal(err)
		}
		type jsonRun struct {
			Version  int            `json:"version"`
			Findings []lint.Finding `json:"findings"`
			Errors   []jsonError    `json:"errors"`
			Summary  Summary        `json:"summary"`
		}
		want := jsonRun{Version: 1, Findings: tc.findings, Errors: []jsonError{}, Summary: r.Summary}
		if want.Findings == nil {
			want.Findings = []lint.Finding{}
		}
		for _, e := range tc.errs {
			want.Errors = append(want.Errors, jsonError{File: e.Path, Line: e.Line, Column: e.Column, Message: e.Msg})
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(want); err != nil {
			t.Fatal(err)
		}
		if w := jsonSafe(buf.Bytes()); !bytes.Equal(got.Bytes(), w) {
			t.Errorf("%s: streamed JSON differs from encoding/json:\n got %s\nwant %s", tc.name, got.Bytes(), w)
		}
	}
}
