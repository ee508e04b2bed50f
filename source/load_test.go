package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a/pod.yaml":     "kind: Pod\n",
		"a/notes.txt":    "not a manifest",
		"a/.git/x.yaml":  "kind: Pod\n",
		"a/b/svc.JSON":   "{}",
		"empty/read.txt": "nothing here",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A link to a file of the same walk is one input, not two.
	if err := os.Symlink("pod.yaml", filepath.Join(dir, "a", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "a")
	inputs, errs := Expand([]string{a, filepath.Join(a, "pod.yaml"), "-"})
	var got []string
	for _, in := range inputs {
		got = append(got, strings.TrimPrefix(in.Path, dir+string(filepath.Separator)))
	}
	if strings.Join(got, " ") != "a/b/svc.JSON a/link.yaml -" || len(errs) != 0 {
		t.Errorf("inputs %q, errors %v", got, errs)
	}
	// A folder without manifests, and a path that does not exist, are
	// input errors: a CI gate pointed at the wrong place must not pass.
	_, errs = Expand([]string{filepath.Join(dir, "empty"), filepath.Join(dir, "nope")})
	if len(errs) != 2 || !strings.Contains(errs[0].Msg, "no .yaml, .yml, .json file") || !strings.Contains(errs[1].Msg, "no such file") {
		t.Errorf("errors %v", errs)
	}
}
