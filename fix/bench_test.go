package fix

import (
	"os"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

func loadCorpus(b *testing.B) ([][]byte, int64) {
	var srcs [][]byte
	var total int64
	for _, p := range corpusFiles(b) {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		total += int64(len(src))
	}
	return srcs, total
}

// benchCorpus parses and lints every corpus file per iteration, then
// hands the findings to then (nil: lint only).
func benchCorpus(b *testing.B, then func(f *source.File, fs []lint.Finding)) {
	srcs, total := loadCorpus(b)
	eng := engine(b)
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range srcs {
			f, _ := source.Parse("x.yaml", src, source.DefaultLimits)
			fs, _ := eng.File(f)
			if then != nil {
				then(f, fs)
			}
		}
	}
}

// BenchmarkLint is parse + lint of the whole corpus, for comparison.
func BenchmarkLint(b *testing.B) { benchCorpus(b, nil) }

// BenchmarkFix is parse + lint + plan + splice of the whole corpus (what
// --fix does per file before writing, without the re-lint).
func BenchmarkFix(b *testing.B) {
	benchCorpus(b, func(f *source.File, fs []lint.Finding) {
		if _, err := File(f, fs); err != nil && !f.Broken {
			b.Fatal(err)
		}
	})
}
