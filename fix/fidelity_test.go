package fix

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
)

// corpusFiles lists the manifest files of the shared corpus, or skips (fails
// under CI=true) when it is absent.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	corpusDir := testshared.Path(tb, "corpus")
	var files []string
	filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				files = append(files, p)
			}
		}
		return nil
	})
	if len(files) == 0 {
		tb.Fatalf("no manifest in %s", corpusDir)
	}
	return files
}

// TestCorpusFidelity fixes a copy of every corpus file in memory and
// checks the result (see checkFix).
func TestCorpusFidelity(t *testing.T) {
	files := corpusFiles(t)
	var total checkStats
	refused := 0
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, _, _, _ := fixBytes(t, p, src)
		if f.Broken {
			refused++
			continue
		}
		st := checkFix(t, p, src)
		total.fixed += st.fixed
		total.fields += st.fields
		total.removedToken += st.removedToken
		total.removedNoEOL += st.removedNoEOL
		total.removedComma += st.removedComma
	}
	t.Logf("corpus: %d files, %d changed, %d not written (broken or duplicate keys), %d fields written", len(files), total.fixed, refused, total.fields)
	t.Logf("original lines removed: %d null/{}/flow token lines, %d last lines without a final newline, %d lines that gained a JSON/flow comma; any other removed line fails the test",
		total.removedToken, total.removedNoEOL, total.removedComma)
}
