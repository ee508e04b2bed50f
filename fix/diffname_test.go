package fix

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A diff of a file whose name holds a blank, a tab, a quote or a
// backslash applies with git apply and with patch -p1 (each where
// installed), as git's own diffs of such names do.
func TestUnifiedDiffNamesApply(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("names with tabs and quotes")
	}
	old := []byte("a: 1\nb: 2\n")
	new := []byte("a: 1\nb: 2\nc: 3\n")
	for _, name := range []string{"plain.yaml", "my app.yaml", "two  blanks.yaml", "tab\tin.yaml", `quote".yaml`, `back\slash.yaml`, "dir with blank/x.yaml"} {
		for _, tool := range [][]string{{"git", "apply"}, {"patch", "-p1", "--batch", "--quiet"}} {
			if _, err := exec.LookPath(tool[0]); err != nil {
				continue
			}
			dir := t.TempDir()
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, old, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(tool[0], tool[1:]...)
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(UnifiedDiff(name, old, new))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s %q: %v\n%s\n%s", tool[0], name, err, out, UnifiedDiff(name, old, new))
				continue
			}
			if b, _ := os.ReadFile(p); string(b) != string(new) {
				t.Errorf("%s %q: the file holds %q", tool[0], name, b)
			}
		}
	}
}
