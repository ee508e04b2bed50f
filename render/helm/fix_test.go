package helm

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// fixChart renders and lints a chart, applies the fixes to the origin
// files the findings point into, and returns the files it changed (paths
// relative to the chart) with their new bytes.
func fixChart(t *testing.T, e *lint.Engine, dir string, opt Options) map[string][]byte {
	t.Helper()
	_, findings, lines := judge(t, e, dir, opt)
	byFile := map[*source.File][]lint.Finding{}
	for _, f := range findings {
		if f.Fixable && f.Doc != nil {
			byFile[f.Doc.File] = append(byFile[f.Doc.File], f)
		}
	}
	out := map[string][]byte{}
	for file, fs := range byFile {
		res, err := fix.File(file, fs)
		if err != nil {
			t.Fatalf("%s: %v\n%s", file.Path, err, strings.Join(lines, "\n"))
		}
		if string(res.Src) == string(file.Src) {
			continue
		}
		if err := os.WriteFile(file.Path, res.Src, 0o644); err != nil {
			t.Fatal(err)
		}
		r, _ := filepath.Rel(dir, file.Path)
		out[filepath.ToSlash(r)] = res.Src
	}
	return out
}

// copyChart copies a testdata chart to a temporary folder.
func copyChart(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.CopyFS(dst, os.DirFS(chartDir(name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// --fix writes into values.yaml where the chart takes the field from a
// value, into the template for a plain securityContext block, nowhere else;
// the result matches testdata/fixed/CHART/FILE. Rendering the fixed chart
// again with the same values finds nothing fixable, and a second --fix
// changes nothing.
func TestFixCharts(t *testing.T) {
	e := restricted(t)
	for _, name := range chartNames {
		t.Run(name, func(t *testing.T) {
			dir := copyChart(t, name)
			changed := fixChart(t, e, dir, Options{})
			goldenDir := filepath.Join("testdata", "fixed", name)
			if *update {
				_ = os.RemoveAll(goldenDir)
				for p, src := range changed {
					g := filepath.Join(goldenDir, filepath.FromSlash(p))
					_ = os.MkdirAll(filepath.Dir(g), 0o755)
					if err := os.WriteFile(g, src, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var want []string
			_ = filepath.WalkDir(goldenDir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					r, _ := filepath.Rel(goldenDir, p)
					want = append(want, filepath.ToSlash(r))
				}
				return nil
			})
			var got []string
			for p := range changed {
				got = append(got, p)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("changed files %v, want %v", got, want)
			}
			for _, p := range want {
				g, _ := os.ReadFile(filepath.Join(goldenDir, filepath.FromSlash(p)))
				if string(changed[p]) != string(g) {
					t.Errorf("%s:\n%s\nwant:\n%s", p, changed[p], g)
				}
			}
			_, findings, lines := judge(t, e, dir, Options{})
			for i, f := range findings {
				if f.Fixable {
					t.Errorf("after --fix still fixable: %s", lines[i])
				}
			}
			if again := fixChart(t, e, dir, Options{}); len(again) > 0 {
				t.Errorf("a second --fix changed %v", again)
			}
			// --diff renders the chart in place with the fixed text laid
			// over it: the same verdict.
			overlay := Overlay{}
			for p, src := range changed {
				abs, _ := filepath.Abs(filepath.Join(chartDir(name), filepath.FromSlash(p)))
				overlay[abs] = src
			}
			_, findings, lines = judge(t, e, chartDir(name), Options{Overlay: overlay})
			for i, f := range findings {
				if f.Fixable {
					t.Errorf("rendered over the fixed text, still fixable: %s", lines[i])
				}
			}
		})
	}
}
