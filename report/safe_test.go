package report

import (
	"os"
	"path/filepath"
	"testing"
)

// relPath names a path relative to the root when it lies below it, else
// absolute, and as given without a root; stdin stays "-".
func TestRelPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "ws")
	for _, tt := range []struct{ root, p, want string }{
		{"", "-", "-"},
		{"", "", ""},
		{"", filepath.Join("a", "b.yaml"), "a/b.yaml"},
		{root, "-", "-"},
		{root, "", ""},
		{root, filepath.Join(root, "deploy", "x.yaml"), "deploy/x.yaml"},
		{"ws", filepath.Join("ws", "deploy", "x.yaml"), "deploy/x.yaml"},
		{root, filepath.Join("ws", "y.yaml"), "y.yaml"},
		{root, filepath.Join(wd, "other", "z.yaml"), filepath.ToSlash(filepath.Join(wd, "other", "z.yaml"))},
		{root, "..", filepath.ToSlash(filepath.Dir(wd))},
	} {
		if got := relPath(tt.root, tt.p); got != tt.want {
			t.Errorf("relPath(%q, %q) = %q, want %q", tt.root, tt.p, got, tt.want)
		}
	}
}
