package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/internal/testshared"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// rejudge keeps the findings of documents no edit touches and judges
// the others again; what it returns must be what judging the whole fixed
// text returns, finding for finding, on every file the tests know.
func TestRejudgeMatchesWhole(t *testing.T) {
	roots := []string{filepath.Join("..", "..", "testdata"), filepath.Join("..", "..", "examples"), testshared.Path(t, "corpus")}
	var inputs []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && source.HasManifestExt(p) && !strings.Contains(p, "golden") {
				inputs = append(inputs, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var engines []*lint.Engine
	for _, name := range []string{"restricted", "aks-safeguards"} {
		for _, strict := range []bool{false, true} {
			engines = append(engines, linttest.Preset(t, name, nil, lint.Options{Strict: strict}))
		}
	}
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *policy.Constraint) bool { return a == b }),
		cmp.Comparer(func(a, b *source.File) bool {
			return a == b || a != nil && b != nil && string(a.Src) == string(b.Src) && a.Broken == b.Broken
		}),
		cmp.AllowUnexported(fixed{}), cmpopts.IgnoreFields(fixed{}, "file", "judged")}
	multi := 0
	for _, p := range inputs {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(src), "\n---") > 0 {
			multi++
		}
	}
	t.Run("files", func(t *testing.T) {
		for _, p := range inputs {
			t.Run(p, func(t *testing.T) {
				t.Parallel()
				for i, e := range engines {
					in := source.Input{Path: p, Walked: true}
					want := fixOne(e, source.DefaultLimits, in, nil, nil, judgeWhole)
					got := fixOne(e, source.DefaultLimits, in, nil, nil, editedDocuments)
					if d := cmp.Diff(want, got, opts...); d != "" {
						t.Errorf("engine %d: (-whole +partial)\n%s", i, d)
					}
					if string(got.judged.Src) != string(want.judged.Src) {
						t.Errorf("engine %d: the judged text differs", i)
					}
				}
			})
		}
	})
	t.Logf("%d files (%d with more than one document), %d engines", len(inputs), multi, len(engines))
}

// FuzzRejudge holds rejudge to judging the whole fixed text on generated
// input (go test ./cmd/secctx-lint -run '^$' -fuzz FuzzRejudge).
func FuzzRejudge(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "fix", "*.yaml"))
	for _, p := range seeds {
		if src, err := os.ReadFile(p); err == nil && !strings.Contains(p, "golden") {
			f.Add(src)
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nautomountServiceAccountToken: false\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: a\n  containers:\n  - name: c\n    image: x\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {runAsUser: 0}\n"))
	e := linttest.Preset(f, "restricted", nil, lint.Options{Strict: true})
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b *policy.Constraint) bool { return a == b }),
		cmp.AllowUnexported(fixed{}), cmpopts.IgnoreFields(fixed{}, "file", "judged")}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 8192 {
			return
		}
		in := source.Input{Path: "-"}
		want := fixOne(e, source.DefaultLimits, in, bytes.NewReader(src), nil, judgeWhole)
		got := fixOne(e, source.DefaultLimits, in, bytes.NewReader(src), nil, editedDocuments)
		if d := cmp.Diff(want, got, opts...); d != "" {
			t.Fatalf("(-whole +partial)\n%s", d)
		}
	})
}
