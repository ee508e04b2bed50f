// Package filetest writes trees of files for tests of the packages that
// walk and build folders (walk, render/kustomize).
package filetest

import (
	"os"
	"path/filepath"
	"testing"
)

// Write writes files (slash-separated name -> content) below dir, making
// the folders on the way.
func Write(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// Tree writes files below a new temporary folder and returns it.
func Tree(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	Write(tb, dir, files)
	return dir
}
