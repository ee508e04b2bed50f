package helm

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

var update = flag.Bool("update", false, "rewrite the golden files (and testdata/charts/web from Helm's create)")

// testdata/charts/web is exactly what `helm create web` writes with the
// Helm library we build with: the chart most teams start from.
func TestWebIsHelmCreate(t *testing.T) {
	tmp := t.TempDir()
	if _, err := chartutil.Create("web", tmp); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(tmp, "web")
	committed := filepath.Join("testdata", "charts", "web")
	if *update {
		if err := os.RemoveAll(committed); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(committed, os.DirFS(created)); err != nil {
			t.Fatal(err)
		}
	}
	count := 0
	err := filepath.WalkDir(created, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(created, p)
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(committed, rel))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s differs from what helm create writes (go test -run TestWebIsHelmCreate -update)", rel)
		}
		count++
		return nil
	})
	if err != nil || count < 5 {
		t.Fatalf("created %d files: %v", count, err)
	}
}
