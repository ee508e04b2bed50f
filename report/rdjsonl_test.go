package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

const webYAML = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: café\nspec:\n  containers:\n    - name: app\n      image: nginx\n      securityContext:\n        privileged: true\n"

// TestRDJSONL checks reviewdog's shape, byte columns and suggestions from
// a fake Suggest (the lead wires the real fixer).
func TestRDJSONL(t *testing.T) {
	src := []byte(webYAML)
	f := finding(0, lint.LevelError, "pod.yaml", "café", "app", "m")
	f.Line, f.Column, f.EndLine, f.EndColumn = 4, 9, 4, 13 // "café" in runes
	g := finding(0, lint.LevelNotice, "pod.yaml", "café", "app", "n")
	g.Line, g.Column, g.EndLine, g.EndColumn = 9, 7, 9, 22
	r := &Run{
		Findings: []lint.Finding{f, g},
		Errors:   []*source.Error{{Path: "bad.yaml", Line: 2, Msg: "bad"}},
		Sources:  map[string]*source.LineIndex{"pod.yaml": source.NewLineIndex(src)},
	}
	var asked []string
	r.Suggest = func(f *lint.Finding) []Suggestion {
		asked = append(asked, f.Message)
		if f.Level != lint.LevelNotice {
			return nil
		}
		// Add allowPrivilegeEscalation under securityContext (line 9).
		at := strings.Index(webYAML, "        privileged")
		s, ok := LineSuggestion(src, []TextEdit{{Start: at, End: at, Text: "        allowPrivilegeEscalation: false\n"}})
		if !ok {
			t.Fatal("no suggestion")
		}
		return []Suggestion{s}
	}
	var buf bytes.Buffer
	if err := RDJSONL(&buf, r); err != nil {
		t.Fatal(err)
	}
	type pos struct{ Line, Column int }
	type rng struct{ Start, End pos }
	type diag struct {
		Message  string
		Location struct {
			Path  string
			Range *rng
		}
		Severity    string
		Source      struct{ Name string }
		Code        struct{ Value, URL string }
		Suggestions []struct {
			Range rng
			Text  string
		}
	}
	var ds []diag
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var d diag
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ds = append(ds, d)
	}
	if len(ds) != 3 {
		t.Fatalf("%d diagnostics, want 3", len(ds))
	}
	if ds[0].Severity != "ERROR" || ds[0].Code.Value != "input" || ds[0].Location.Path != "bad.yaml" {
		t.Errorf("input error: %+v", ds[0])
	}
	e := ds[1]
	if e.Severity != "ERROR" || e.Source.Name != "secctx-lint" || e.Code.Value != "privileged-containers" || e.Code.URL == "" || e.Message == "" {
		t.Errorf("diagnostic: %+v", e)
	}
	// "café" starts at byte column 9 and ends (exclusive) at byte 14: é is 2 bytes.
	if got := *e.Location.Range; got != (rng{pos{4, 9}, pos{4, 14}}) {
		t.Errorf("range = %+v, want 4:9-4:14 in bytes", got)
	}
	if len(e.Suggestions) != 0 {
		t.Errorf("suggestions where Suggest gave none: %+v", e.Suggestions)
	}
	n := ds[2]
	if n.Severity != "INFO" || len(n.Suggestions) != 1 {
		t.Fatalf("notice: %+v", n)
	}
	s := n.Suggestions[0]
	if s.Range != (rng{pos{10, 0}, pos{10, 0}}) || s.Text != "        allowPrivilegeEscalation: false\n        privileged: true" {
		t.Errorf("suggestion = %+v", s)
	}
	if len(asked) != 2 {
		t.Errorf("Suggest called %d times", len(asked))
	}

	// Without Suggest: no suggestions key.
	r.Suggest = nil
	buf.Reset()
	RDJSONL(&buf, r)
	if strings.Contains(buf.String(), "suggestions") {
		t.Errorf("suggestions without Suggest:\n%s", buf.String())
	}
}

func TestLineSuggestion(t *testing.T) {
	src := []byte("a: 1\nb:\n  c: 2\nd: 3\n")
	off := func(s string) int { return strings.Index(string(src), s) }
	for _, tc := range []struct {
		name     string
		edits    []TextEdit
		from, to int
		text     string
	}{
		{"insert at line start", []TextEdit{{off("  c"), off("  c"), "  x: 0\n"}}, 3, 3, "  x: 0\n  c: 2"},
		{"replace in line", []TextEdit{{off("2"), off("2") + 1, "3"}}, 3, 3, "  c: 3"},
		{"append at end of line", []TextEdit{{off("b:") + 2, off("b:") + 2, "\n  y: 1"}}, 2, 2, "b:\n  y: 1"},
		{"two edits on two lines", []TextEdit{{off("1"), off("1") + 1, "9"}, {off("b"), off("b") + 1, "B"}}, 1, 2, "a: 9\nB:"},
		{"delete a whole line", []TextEdit{{off("d: 3"), len(src), ""}}, 4, 4, ""},
		// The file has 4 lines; the empty "line 5" after the final break
		// is no line to GitHub, so the last real line is taken in.
		{"append at end of file", []TextEdit{{len(src), len(src), "e: 4\n"}}, 4, 4, "d: 3\ne: 4"},
	} {
		s, ok := LineSuggestion(src, tc.edits)
		if !ok {
			t.Errorf("%s: not ok", tc.name)
			continue
		}
		if s.Range.Start.Line != tc.from || s.Range.End.Line != tc.to || s.Text != tc.text || s.Range.Start.Column != 0 {
			t.Errorf("%s: got %d-%d %q, want %d-%d %q", tc.name, s.Range.Start.Line, s.Range.End.Line, s.Text, tc.from, tc.to, tc.text)
		}
	}
	// An insertion above a blank line keeps the blank line: the text ends
	// with the inserted break, then the line's (empty) content.
	blank := []byte("a: 1\n\nb: 2\n")
	if s, ok := LineSuggestion(blank, []TextEdit{{5, 5, "x: 0\n"}}); !ok || s.Range.Start.Line != 2 || s.Range.End.Line != 2 || s.Text != "x: 0\n" {
		t.Errorf("insert above a blank line: %+v", s)
	}
	if _, ok := LineSuggestion(src, []TextEdit{{0, 3, "x"}, {2, 4, "y"}}); ok {
		t.Errorf("overlapping edits accepted")
	}
	if _, ok := LineSuggestion(src, nil); ok {
		t.Errorf("no edits accepted")
	}
}

func TestSuggestWith(t *testing.T) {
	file := &source.File{Path: "pod.yaml", Src: []byte(webYAML)}
	doc := &source.Document{File: file}
	f := finding(0, lint.LevelWarning, "pod.yaml", "café", "app", "m")
	f.Doc, f.Fixable = doc, true
	var got []lint.Finding
	suggest := SuggestWith(func(sf *source.File, fs []lint.Finding) ([]TextEdit, error) {
		if sf != file {
			t.Errorf("planned for another file")
		}
		got = fs
		at := strings.Index(webYAML, "        privileged")
		return []TextEdit{{Start: at, End: at, Text: "        runAsNonRoot: true\n"}}, nil
	})
	s := suggest([]lint.Finding{f})
	if len(got) != 1 || got[0].Message != "m" {
		t.Errorf("planner got %+v", got)
	}
	if len(s) != 1 || len(s[0]) != 1 || s[0][0].Range.Start.Line != 10 || s[0][0].Text != "        runAsNonRoot: true\n        privileged: true" {
		t.Errorf("suggestions = %+v", s)
	}
	// Two fixable findings of one workload, one of another, one unfixable:
	// one plan per workload, on the workload's first fixable finding.
	g := f
	g.Message = "m2"
	other := f
	other.Name, other.Message = "other", "m3"
	unfixable := f
	unfixable.Fixable = false
	var plans [][]string
	suggest = SuggestWith(func(sf *source.File, fs []lint.Finding) ([]TextEdit, error) {
		var msgs []string
		for _, x := range fs {
			msgs = append(msgs, x.Message)
		}
		plans = append(plans, msgs)
		return []TextEdit{{Start: 0, End: 0, Text: "# " + strings.Join(msgs, ",") + "\n"}}, nil
	})
	s = suggest([]lint.Finding{unfixable, f, other, g})
	if fmt.Sprint(plans) != "[[m m2] [m3]]" {
		t.Errorf("plans %v", plans)
	}
	if len(s) != 4 || s[0] != nil || len(s[1]) != 1 || len(s[2]) != 1 || s[3] != nil || !strings.HasPrefix(s[1][0].Text, "# m,m2\n") {
		t.Errorf("suggestions %+v", s)
	}
	f.Fixable = false
	if s := suggest([]lint.Finding{f}); s[0] != nil {
		t.Errorf("suggestion for an unfixable finding: %+v", s)
	}
	f.Fixable, f.Doc = true, nil
	if s := suggest([]lint.Finding{f}); s[0] != nil {
		t.Errorf("suggestion without a document: %+v", s)
	}
}
