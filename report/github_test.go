package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secctx-lint/secctx-lint/internal/actionstest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// hostile strings: each tries to end a line, start a command, or break out
// of a property, a table or a code span.
var hostile = []string{
	"a,line=1,title=x:y%0A.yaml",
	"b\n::error file=x::pwned",
	"c##[error]legacy",
	"d\r::warning::cr",
	"e%0A::error::encoded",
	"f`|<script>x</script>|`` [l](http://e) @team",
	"::error::start",
	"  ::notice::indented",
	"_GitHubActionsFileCommandDelimeter_",
	"g\u2028::error::ls",
	"50%d %s %!",
}

func finding(i int, level lint.Level, file, name, container, msg string) lint.Finding {
	return lint.Finding{
		Rule: "privileged-containers", Policy: "Kubernetes cluster should not allow privileged containers",
		PolicyID: "95edb821-ddaf-4404-9732-666045e056b4", PolicyVersion: "9.2.0",
		Level: level, Certainty: lint.Certain, File: file,
		Line: i + 1, Column: 3, EndLine: i + 1, EndColumn: 10,
		Kind: "Deployment", Namespace: "default", Name: name, Container: container,
		Field: "spec.template.spec.containers[0].securityContext.privileged", Message: msg,
	}
}

func TestGitHubCapsAndOrder(t *testing.T) {
	r := &Run{}
	for i := 0; i < 15; i++ {
		r.Findings = append(r.Findings, finding(i, lint.LevelNotice, "n.yaml", "n", "c", "notice"))
	}
	for i := 0; i < 12; i++ {
		r.Findings = append(r.Findings, finding(i, lint.LevelWarning, "w.yaml", "w", "c", "warning"))
	}
	for i := 0; i < 14; i++ {
		r.Findings = append(r.Findings, finding(i, lint.LevelError, "e.yaml", "e", "c", "error"))
	}
	r.SarifFile = "out/x.sarif"
	var buf bytes.Buffer
	if err := GitHub(&buf, r); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	var order []string
	var more string
	for _, l := range actionstest.Lines(buf.String()) {
		c, ok := actionstest.Parse(l)
		if !ok {
			t.Fatalf("not a command: %q", l)
		}
		count[c.Name]++
		if len(order) == 0 || order[len(order)-1] != c.Name {
			order = append(order, c.Name)
		}
		if strings.Contains(c.Data, "more finding") {
			more = c.Data
		}
	}
	if count["error"] != 10 || count["warning"] != 10 || count["notice"] != 10 {
		t.Errorf("counts = %v, want 10 of each", count)
	}
	if strings.Join(order, ",") != "error,warning,notice" {
		t.Errorf("order = %v, want errors, warnings, notices", order)
	}
	// 41 findings, 10+10+9 shown.
	if !strings.Contains(more, "12 more findings") || !strings.Contains(more, "job summary") || !strings.Contains(more, "out/x.sarif") {
		t.Errorf("more notice = %q", more)
	}
}

// Input errors take at most half the error annotations while findings of
// level error wait: a tree with many unreadable files hid every Deny
// finding. With few such findings the errors take the rest.
func TestGitHubInputErrorsLeaveRoomForErrors(t *testing.T) {
	for _, tt := range []struct{ inputErrs, errFindings, wantErrs, wantFindings int }{
		{30, 5, 5, 5}, {30, 2, 8, 2}, {3, 30, 3, 7}, {30, 0, 10, 0}, {0, 30, 0, 10},
	} {
		r := &Run{}
		for i := 0; i < tt.errFindings; i++ {
			r.Findings = append(r.Findings, finding(i, lint.LevelError, "e.yaml", "e", "c", "deny"))
		}
		for i := 0; i < tt.inputErrs; i++ {
			r.Errors = append(r.Errors, &source.Error{Path: fmt.Sprintf("bad%d.yaml", i), Line: 1, Msg: "unreadable"})
		}
		var buf bytes.Buffer
		if err := GitHub(&buf, r); err != nil {
			t.Fatal(err)
		}
		gotErrs, gotFindings := 0, 0
		var more string
		for _, l := range actionstest.Lines(buf.String()) {
			c, _ := actionstest.Parse(l)
			switch {
			case c.Name == "error" && c.Data == "unreadable":
				gotErrs++
			case c.Name == "error":
				gotFindings++
			case c.Name == "notice":
				more = c.Data
			}
		}
		if gotErrs != tt.wantErrs || gotFindings != tt.wantFindings {
			t.Errorf("%d input errors, %d findings: annotated %d and %d, want %d and %d", tt.inputErrs, tt.errFindings, gotErrs, gotFindings, tt.wantErrs, tt.wantFindings)
		}
		hiddenFindings, hiddenErrs := tt.errFindings-tt.wantFindings, tt.inputErrs-tt.wantErrs
		if hiddenFindings+hiddenErrs > 0 && (strings.Contains(more, fmt.Sprintf("%d more finding", hiddenFindings)) != (hiddenFindings > 0) || strings.Contains(more, fmt.Sprintf("%d more input error", hiddenErrs)) != (hiddenErrs > 0)) {
			t.Errorf("%d input errors, %d findings: the notice says %q", tt.inputErrs, tt.errFindings, more)
		}
	}
}

func TestGitHubNoOverflowNotice(t *testing.T) {
	r := &Run{}
	for i := 0; i < 10; i++ {
		r.Findings = append(r.Findings, finding(i, lint.LevelNotice, "n.yaml", "n", "c", "notice"))
	}
	var buf bytes.Buffer
	GitHub(&buf, r)
	if n := len(actionstest.Lines(buf.String())); n != 10 || strings.Contains(buf.String(), "more finding") {
		t.Errorf("%d lines:\n%s", n, buf.String())
	}
}

// TestGitHubHostile feeds hostile file names, object names, container
// names and messages through annotations: every line must be exactly one
// of our commands, and every value must come back unchanged.
func TestGitHubHostile(t *testing.T) {
	r := &Run{}
	for i, h := range hostile {
		r.Findings = append(r.Findings, finding(i, []lint.Level{lint.LevelError, lint.LevelWarning, lint.LevelNotice}[i%3], "dir/"+h+".yaml", h, h, "msg "+h))
	}
	r.Errors = append(r.Errors, &source.Error{Path: hostile[1], Line: 2, Column: 1, Msg: hostile[2]})
	var buf bytes.Buffer
	if err := GitHub(&buf, r); err != nil {
		t.Fatal(err)
	}
	lines := actionstest.Lines(buf.String())
	if len(lines) != len(hostile)+1 {
		t.Fatalf("%d lines for %d annotations:\n%s", len(lines), len(hostile)+1, buf.String())
	}
	files := map[string]bool{}
	for _, l := range lines {
		c, ok := actionstest.Parse(l)
		if !ok || (c.Name != "error" && c.Name != "warning" && c.Name != "notice") {
			t.Fatalf("line is not an annotation: %q", l)
		}
		// "##[" may only stay in the file property: the runner reads a
		// line that parses as a V2 command only as that command.
		rest := strings.Replace(l, "file="+escapeProperty(c.Properties["file"]), "", 1)
		if strings.Contains(rest, "##[") {
			t.Errorf("legacy command marker in %q", l)
		}
		files[c.Properties["file"]] = true
		for k := range c.Properties {
			switch k {
			case "file", "line", "col", "endline", "endcolumn", "title":
			default:
				t.Errorf("unexpected property %q in %q", k, l)
			}
		}
	}
	for _, h := range hostile {
		if !files["dir/"+h+".yaml"] {
			t.Errorf("file %q did not round-trip; got %v", h, files)
		}
	}
	if !files[hostile[1]] {
		t.Errorf("input error file did not round-trip")
	}
	// The message is never a format string.
	if strings.Contains(buf.String(), "MISSING") || strings.Contains(buf.String(), "%!") && !strings.Contains(buf.String(), "%25!") {
		t.Errorf("message used as a format string:\n%s", buf.String())
	}
}

func TestSummaryHostileAndCapped(t *testing.T) {
	r := &Run{}
	for i, h := range hostile {
		f := finding(i, lint.LevelError, "dir/"+h+".yaml", h, h, "msg "+h)
		f.FixNote = h
		r.Findings = append(r.Findings, f)
	}
	md := GitHubSummary(r, DefaultSummaryLimit)
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "| ") || strings.HasPrefix(l, "| Policy") || strings.HasPrefix(l, "| Line") {
			continue
		}
		if strings.Contains(l, "| [") { // policy table
			continue
		}
		// 7 cells: 8 unescaped pipes.
		if n := unescapedPipes(l); n != 8 {
			t.Errorf("row has %d cell separators, want 8: %q", n, l)
		}
	}
	if strings.Contains(stripCodeSpans(md), "<script>") {
		t.Errorf("raw HTML in summary:\n%s", md)
	}
	if strings.Contains(md, "\r") {
		t.Errorf("CR in summary")
	}

	// The cap: many findings, small limit.
	r = &Run{}
	for i := 0; i < 5000; i++ {
		r.Findings = append(r.Findings, finding(i, lint.LevelWarning, fmt.Sprintf("f%d.yaml", i/100), "web", "app", "m"))
	}
	md = GitHubSummary(r, 20000)
	if len(md) > 20000 {
		t.Errorf("summary is %d bytes, limit 20000", len(md))
	}
	if !regexp.MustCompile(`… [0-9]+ more findings not shown`).MatchString(md) {
		t.Errorf("no 'more' line")
	}
	md = GitHubSummary(r, DefaultSummaryLimit)
	if len(md) > DefaultSummaryLimit || len(md) >= 1<<20 {
		t.Errorf("summary is %d bytes", len(md))
	}
}

func unescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '|' {
			n++
		}
	}
	return n
}

func TestNeutralizeLine(t *testing.T) {
	for _, s := range append(hostile, "::error::x", "\t ::warning::y", "a ##[error] b", "\u00a0::error::nbsp", "\u2003::error::emsp") {
		var buf bytes.Buffer
		w := &CommandSafeWriter{W: &buf}
		w.Write([]byte(s))
		w.Write([]byte("\nnext ##[x]\n"))
		w.Flush()
		for _, l := range actionstest.Lines(buf.String()) {
			if actionstest.IsCommand(l) {
				t.Errorf("%q: line %q still a command", s, l)
			}
		}
	}
}

func TestJSONSafe(t *testing.T) {
	r := &Run{Findings: []lint.Finding{finding(0, lint.LevelError, "x##[error]y.yaml", "::error::n", "c", "##[warning]m")}}
	for _, name := range []string{"json", "sarif", "rdjsonl"} {
		var buf bytes.Buffer
		if err := Formats[name](&buf, r); err != nil {
			t.Fatal(err)
		}
		for _, l := range actionstest.Lines(buf.String()) {
			if actionstest.IsCommand(l) {
				t.Errorf("%s: line is a command: %q", name, l)
			}
		}
	}
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// stripCodeSpans drops Markdown code spans (a run of n backticks up to the
// next run of exactly n), whose content GitHub shows literally.
func stripCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		j := i + n
		closed := -1
		for k := j; k < len(s); {
			if s[k] != '`' {
				k++
				continue
			}
			m := 0
			for k+m < len(s) && s[k+m] == '`' {
				m++
			}
			if m == n {
				closed = k
				break
			}
			k += m
		}
		if closed < 0 {
			b.WriteString(s[i:j])
			i = j
			continue
		}
		i = closed + n
	}
	return b.String()
}

// FuzzGitHubAnnotation: whatever the file name and message, one finding is
// one annotation line, and its file and message come back unchanged.
// `go test` runs the seeds; `go test -fuzz FuzzGitHubAnnotation ./report` explores.
func FuzzGitHubAnnotation(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, h)
	}
	f.Fuzz(func(t *testing.T, file, msg string) {
		if file == "" || file == "-" || strings.ContainsRune(file, 0) || !utf8.ValidString(file) || !utf8.ValidString(msg) {
			return
		}
		fd := finding(0, lint.LevelWarning, file, "n", "c", msg)
		r := &Run{Findings: []lint.Finding{fd}}
		var buf bytes.Buffer
		if err := GitHub(&buf, r); err != nil {
			t.Fatal(err)
		}
		lines := actionstest.Lines(buf.String())
		if len(lines) != 1 {
			t.Fatalf("%d lines: %q", len(lines), buf.String())
		}
		c, ok := actionstest.Parse(lines[0])
		if !ok || c.Name != "warning" {
			t.Fatalf("not a warning: %q", lines[0])
		}
		want := relPath("", file)
		// The runner trims the property list: a file name ending in
		// white space loses it when it is the last property (it is not).
		if c.Properties["file"] != want {
			t.Errorf("file %q came back as %q", want, c.Properties["file"])
		}
		if c.Properties["line"] != "1" {
			t.Errorf("line overridden: %q", c.Properties["line"])
		}
		if !strings.HasPrefix(c.Data, noLegacy(truncate(msg, maxAnnotationMessage))) {
			t.Errorf("message %q came back as %q", msg, c.Data)
		}
	})
}
