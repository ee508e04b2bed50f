package main

// Benchmarks of the whole pipeline as the CLI runs it (read, parse, judge,
// report or fix) over the shared corpus, one per format and for --diff and
// --fix. They report MB/s of input and allocations per MB of input, the
// figures the streaming pipeline is held to:
//
//	go test ./cmd/secctx-lint -run '^$' -bench . -benchtime 20x

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
)

// corpusBytes is the size of the manifests run reads under dir.
func corpusBytes(b *testing.B, dir string) int64 {
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); ext == ".yaml" || ext == ".yml" || ext == ".json" {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// benchCLI runs the CLI with args b.N times; dir is the input folder
// (sized for MB/s). before, when set, runs untimed ahead of each iteration.
func benchCLI(b *testing.B, dir string, before func(), args ...string) {
	size := corpusBytes(b, dir)
	getenv := func(string) string { return "" }
	b.SetBytes(size)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if before != nil {
			b.StopTimer()
			before()
			b.StartTimer()
		}
		if code := run(args, strings.NewReader(""), io.Discard, io.Discard, getenv); code == exitUsage {
			b.Fatalf("exit %d", code)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	mb := float64(size) / 1e6
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N)/mb, "allocs/MB")
}

func BenchmarkCLI(b *testing.B) {
	corpus := testshared.Path(b, "corpus")
	for _, format := range []string{"json", "sarif", "text", "rdjsonl", "github"} {
		b.Run(format, func(b *testing.B) { benchCLI(b, corpus, nil, "--strict", "--format", format, corpus) })
	}
	b.Run("diff", func(b *testing.B) { benchCLI(b, corpus, nil, "--diff", "--format", "json", corpus) })
	b.Run("lint", func(b *testing.B) { benchCLI(b, corpus, nil, "--format", "json", corpus) })
	b.Run("fix", func(b *testing.B) {
		// --fix rewrites its input: each iteration gets a fresh copy.
		dir := filepath.Join(b.TempDir(), "corpus")
		benchCLI(b, corpus, func() { copyInputs(b, corpus, dir) }, "--fix", "--format", "json", dir)
	})
}

// copyInputs makes dst a copy of the manifests under src.
func copyInputs(b *testing.B, src, dst string) {
	if err := os.RemoveAll(dst); err != nil {
		b.Fatal(err)
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
}
