package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
	"github.com/secctx-lint/secctx-lint/report"
)

// treeCheck is a format that fails the test when a finding reaches the
// output still pointing into a YAML tree: what waits to be written must
// be positions and strings only, or memory grows with the input.
type treeCheck struct {
	t *testing.T
	n *int
}

func (c treeCheck) Add(b *report.Batch) error {
	for i := range b.Findings {
		if f := &b.Findings[i]; f.Doc != nil || f.Changes != nil {
			c.t.Errorf("%s:%d %s reached the output with its tree (Doc %v, %d changes)", f.File, f.Line, f.Rule, f.Doc != nil, len(f.Changes))
		}
	}
	*c.n += len(b.Findings)
	return nil
}

func (c treeCheck) End(*report.Run) error { return nil }

func TestFindingsReachOutputDetached(t *testing.T) {
	corpus := testshared.Path(t, "corpus")
	n := 0
	report.Streams["treecheck"] = func(io.Writer, *report.Run) report.Stream { return treeCheck{t, &n} }
	report.Formats["treecheck"] = report.JSON // for the flag check
	defer delete(report.Streams, "treecheck")
	defer delete(report.Formats, "treecheck")
	for _, args := range [][]string{
		{corpus}, {filepath.Join("..", "..", "testdata", "lint")}, {"--diff", corpus},
		{filepath.Join("..", "..", "testdata", "kustomize", "overlays", "prod")}, // rendered findings
	} {
		run(append([]string{"--format", "treecheck"}, args...), nil, io.Discard, io.Discard, func(string) string { return "" })
	}
	if n == 0 {
		t.Fatal("no finding was checked")
	}
}
