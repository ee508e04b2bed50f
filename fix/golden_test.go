package fix

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/fix golden files (review them by eye)")

const goldenDir = "../testdata/fix"

// TestGolden fixes every testdata/fix/NAME.{yaml,json} and compares the
// result with NAME.golden.{yaml,json}.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if strings.Contains(name, ".golden.") || (ext != ".yaml" && ext != ".json") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(goldenDir, name))
			if err != nil {
				t.Fatal(err)
			}
			_, _, res, err := fixBytes(t, name, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, nt := range res.Notes {
				t.Logf("note %d:%d: %s", nt.Line, nt.Column, nt.Msg)
			}
			golden := filepath.Join(goldenDir, strings.TrimSuffix(name, ext)+".golden"+ext)
			if *update {
				if err := os.WriteFile(golden, res.Src, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./fix -run TestGolden -update and review the result)", err)
			}
			if !bytes.Equal(res.Src, want) {
				t.Errorf("fixed %s differs from %s:\n%s", name, golden, UnifiedDiff(name, want, res.Src))
			}
			checkFix(t, name, src)
		})
	}
	if n == 0 {
		t.Fatal("no golden cases")
	}
}
