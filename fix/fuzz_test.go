package fix

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/secctx-lint/secctx-lint/source"
)

// FuzzFix reads, fixes and reads again: it must never panic and never
// produce text that does not parse, or that parses to something the
// original was not (a file that parsed cleanly must still parse cleanly).
func FuzzFix(f *testing.F) {
	for _, pattern := range []string{"*.yaml", "*.json"} {
		matches, _ := filepath.Glob(filepath.Join(goldenDir, pattern))
		for _, m := range matches {
			if src, err := os.ReadFile(m); err == nil {
				f.Add(src)
			}
		}
	}
	eng := engine(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		file, errs := source.Parse("fuzz.yaml", src, source.DefaultLimits)
		fs, _ := eng.File(file)
		res, err := File(file, fs)
		if err != nil || file.Broken || len(errs) > 0 {
			return
		}
		if bytes.Equal(res.Src, src) {
			return
		}
		f2, errs2 := source.Parse("fuzz.yaml", res.Src, source.DefaultLimits)
		if f2.Broken || len(errs2) > 0 {
			t.Fatalf("the fixed text does not parse: %v\n--- input\n%q\n--- output\n%q", errs2, src, res.Src)
		}
		if _, err := decodeStream(src); err != nil {
			return // yaml.v3 cannot decode the original either (e.g. `<<: null`)
		}
		if _, err := decodeStream(res.Src); err != nil {
			t.Fatalf("the fixed text does not decode: %v\n%q", err, res.Src)
		}
	})
}
