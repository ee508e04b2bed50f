package main

// The output golden test pins what the CLI prints today, byte for byte, in
// every format, with its exit status, on the shared corpus and on the
// repository's testdata. It is the yardstick for refactors of the pipeline
// (streaming, rendering): a change that alters output on purpose
// regenerates the files with
//
//	go test ./cmd/secctx-lint -run TestOutputGolden -update
//
// and says so in its commit message; any other difference is a bug.

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
)

var update = flag.Bool("update", false, "rewrite the testdata/golden output files (review the diff)")

// goldenDir holds one file per case and stream; large outputs are stored
// gzipped so that the corpus's megabytes of JSON and SARIF stay small in
// the repository (the comparison is on the decompressed bytes).
const goldenDir = "testdata/golden"

// gzipOver is the size from which a golden file is stored gzipped.
const gzipOver = 64 << 10

type goldenCase struct {
	name  string
	args  []string
	stdin string // a file whose bytes are the stdin, when set
	// actions runs as a GitHub Actions step would (summary, outputs).
	actions bool
}

func goldenCases(corpus string) []goldenCase {
	var cases []goldenCase
	// The render stage's fixtures (kustomize trees, a mixed repository with
	// a broken manifest) have tests of their own and would make every
	// testdata case an input error; the golden cases pin plain files.
	var renderFixtures []string
	for _, d := range []string{"kustomize", "repo-mixed"} {
		renderFixtures = append(renderFixtures, "--exclude", filepath.Join("..", "..", "testdata", d))
	}
	for _, in := range []struct {
		name, path string
		extra      []string
	}{{"corpus", corpus, nil}, {"testdata", filepath.Join("..", "..", "testdata"), renderFixtures}} {
		args := func(a ...string) []string { return append(append(a[:len(a):len(a)], in.extra...), in.path) }
		for _, format := range []string{"json", "sarif", "text", "rdjsonl"} {
			cases = append(cases, goldenCase{name: in.name + "-" + format, args: args("--format", format)})
		}
		cases = append(cases,
			goldenCase{name: in.name + "-strict-json", args: args("--strict", "--format", "json")},
			goldenCase{name: in.name + "-github", args: args("--format", "github"), actions: true},
			goldenCase{name: in.name + "-diff", args: args("--diff")},
			goldenCase{name: in.name + "-diff-json", args: args("--diff", "--format", "json")},
		)
	}
	cases = append(cases, goldenCase{name: "stdin-fix", args: []string{"--fix", "-"}, stdin: filepath.Join("..", "..", "testdata", "fix", "multi-doc.yaml")})
	return cases
}

// runGolden runs one case in-process and returns its streams by name.
func runGolden(t *testing.T, c goldenCase) map[string][]byte {
	t.Helper()
	var stdin []byte
	if c.stdin != "" {
		var err error
		if stdin, err = os.ReadFile(c.stdin); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{}
	dir := t.TempDir()
	if c.actions {
		env["GITHUB_ACTIONS"] = "true"
		env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary.md")
		env["GITHUB_OUTPUT"] = filepath.Join(dir, "output")
	}
	var out, errb bytes.Buffer
	code := run(c.args, bytes.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	streams := map[string][]byte{
		"stdout": out.Bytes(),
		"stderr": errb.Bytes(),
		"exit":   []byte(fmt.Sprintf("%d\n", code)),
	}
	if c.actions {
		for _, name := range []string{"summary.md", "output"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			streams[name] = b
		}
	}
	return streams
}

func TestOutputGolden(t *testing.T) {
	corpus := testshared.Path(t, "corpus")
	for _, c := range goldenCases(corpus) {
		t.Run(c.name, func(t *testing.T) {
			for stream, got := range runGolden(t, c) {
				checkGolden(t, c.name+"."+stream, got)
			}
		})
	}
}

// TestOutputOrderOneCore: the output is the input order whatever the
// number of cores; one core runs the sequential path of source.Stream, the
// default the parallel one, and both must match the same golden file.
func TestOutputOrderOneCore(t *testing.T) {
	corpus := testshared.Path(t, "corpus")
	if *update {
		t.Skip("nothing to update")
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for _, c := range goldenCases(corpus) {
		if c.name != "corpus-json" && c.name != "corpus-diff" {
			continue
		}
		for stream, got := range runGolden(t, c) {
			checkGolden(t, c.name+"."+stream, got)
		}
	}
}

// checkGolden compares got with the golden file name (plain or .gz), or
// rewrites it under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	plain := filepath.Join(goldenDir, name)
	gz := plain + ".gz"
	if *update {
		os.Remove(plain)
		os.Remove(gz)
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if len(got) < gzipOver {
			if err := os.WriteFile(plain, got, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(got)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(gz, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readGolden(plain, gz)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/secctx-lint -run TestOutputGolden -update and review the result)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s\n(if the change is meant, run go test ./cmd/secctx-lint -run TestOutputGolden -update and say so in the commit)", name, firstDifference(want, got))
	}
}

func readGolden(plain, gz string) ([]byte, error) {
	if b, err := os.ReadFile(plain); err == nil {
		return b, nil
	}
	f, err := os.Open(gz)
	if err != nil {
		return nil, fmt.Errorf("no golden file %s or %s", plain, gz)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gz, err)
	}
	return io.ReadAll(zr)
}

// firstDifference shows the first line where want and got part, with the
// lines around it, so that a failure says what changed without a 3 MB dump.
func firstDifference(want, got []byte) string {
	wl := strings.SplitAfter(string(want), "\n")
	gl := strings.SplitAfter(string(got), "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first difference at line %d (want %d lines, got %d):\n", i+1, len(wl), len(gl))
	for j := max(0, i-2); j < i+3; j++ {
		if j < len(wl) {
			fmt.Fprintf(&b, "  want %d: %q\n", j+1, wl[j])
		}
		if j < len(gl) {
			fmt.Fprintf(&b, "  got  %d: %q\n", j+1, gl[j])
		}
	}
	return b.String()
}
