package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readPath reads through the system calls themselves on unix: the same
// bytes and the same messages as through os.
func TestReadPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	want := []byte("a: 1\n")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readPath(p, 0); err != nil || string(got) != string(want) {
		t.Errorf("read %q, %v", got, err)
	}
	if _, err := readPath(dir, 0); err == nil || err.Error() != "not a regular file" {
		t.Errorf("a folder: %v", err)
	}
	if _, err := readPath(filepath.Join(dir, "none.yaml"), 0); err == nil || err.Error() != "no such file or directory" {
		t.Errorf("a missing file: %v", err)
	}
	if _, err := readPath(p, 3); err == nil || !strings.Contains(err.Error(), "over the 3-byte limit") {
		t.Errorf("over the limit: %v", err)
	}
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readPath(empty, 0); err != nil || len(got) != 0 {
		t.Errorf("empty: %q, %v", got, err)
	}
}
