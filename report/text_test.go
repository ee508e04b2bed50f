package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// The text format writes file:line:col, leaving out what is not known: a
// finding in a chart archive has no line ("x.tgz: warning ...", not
// "x.tgz:0:0:"), nor has an input error of a whole file.
func TestTextPositions(t *testing.T) {
	f := finding(0, lint.LevelWarning, "charts/db-1.0.0.tgz", "web", "app", "in the archive")
	f.Line, f.Column = 0, 0
	g := finding(4, lint.LevelWarning, "d.yaml", "web", "app", "at a line")
	r := &Run{Findings: []lint.Finding{f, g}, Errors: []*source.Error{{Path: "bad.yaml", Msg: "unreadable"}, {Path: "worse.yaml", Line: 3, Msg: "no column"}}}
	var buf bytes.Buffer
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"charts/db-1.0.0.tgz: warning privileged-containers: in the archive", "d.yaml:5:3: warning", "bad.yaml: error: unreadable", "worse.yaml:3: error: no column"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, ":0") {
		t.Errorf("a position of 0:\n%s", out)
	}
}
