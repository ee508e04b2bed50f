package walk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/filetest"
)

// tree writes files (name -> content) below a new temporary folder.
func tree(t *testing.T, files map[string]string) string { return filetest.Tree(t, files) }

func rel(dir string, res *Result) []string {
	var got []string
	for _, in := range res.Inputs {
		got = append(got, filepath.ToSlash(strings.TrimPrefix(in.Path, dir+string(filepath.Separator))))
	}
	return got
}

func TestWalk(t *testing.T) {
	dir := tree(t, map[string]string{
		"a/pod.yaml":     "kind: Pod\n",
		"a/notes.txt":    "not a manifest",
		"a/.git/x.yaml":  "kind: Pod\n",
		"a/b/svc.JSON":   "{}",
		"empty/read.txt": "nothing here",
	})
	// A link to a file of the same walk is one input, not two.
	if err := os.Symlink("pod.yaml", filepath.Join(dir, "a", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "a")
	res := Walk([]string{a, filepath.Join(a, "pod.yaml"), "-"}, Options{})
	if got := rel(dir, res); strings.Join(got, " ") != "a/b/svc.JSON a/link.yaml -" || len(res.Errors) != 0 {
		t.Errorf("inputs %q, errors %v", got, res.Errors)
	}
	// link.yaml is pod.yaml, which is also named: named wins.
	for _, in := range res.Inputs {
		if want := in.Path != "-" && !strings.HasSuffix(in.Path, "link.yaml"); in.Walked != want {
			t.Errorf("%s: walked %v", in.Path, in.Walked)
		}
	}
	// A folder without manifests, and a path that does not exist, are
	// input errors: a CI gate pointed at the wrong place must not pass.
	res = Walk([]string{filepath.Join(dir, "empty"), filepath.Join(dir, "nope")}, Options{})
	if errs := res.Errors; len(errs) != 2 || !strings.Contains(errs[0].Msg, "no .yaml, .yml, .json file") || !strings.Contains(errs[1].Msg, "no such file") {
		t.Errorf("errors %v", errs)
	}
}

// In a git work tree what git ignores is not walked: .gitignore at every
// level (anchored and unanchored patterns, folders only, negation, **) and
// .git/info/exclude; node_modules never; a path named explicitly always.
func TestWalkGitIgnore(t *testing.T) {
	dir := tree(t, map[string]string{
		".git/info/exclude":          "# local\nlocal.yaml\n",
		".gitignore":                 "build/\n*.tmp.yaml\n!keep.tmp.yaml\n/top-only.yaml\ndocs/**/gen\n",
		"app.yaml":                   "x",
		"local.yaml":                 "x",
		"top-only.yaml":              "x",
		"build/out.yaml":             "x",
		"x.tmp.yaml":                 "x",
		"keep.tmp.yaml":              "x",
		"sub/top-only.yaml":          "x",
		"sub/build":                  "a file named build is not a folder",
		"sub/.gitignore":             "secret.yaml\n!/again.yaml\n",
		"sub/secret.yaml":            "x",
		"sub/deeper/secret.yaml":     "x",
		"sub/again.yaml":             "x",
		"docs/a/b/gen/g.yaml":        "x",
		"docs/a/page.yaml":           "x",
		"node_modules/pkg/ex.yaml":   "x",
		"web/node_modules/x/ex.yaml": "x",
	})
	res := Walk([]string{dir}, Options{})
	got := strings.Join(rel(dir, res), " ")
	want := "app.yaml docs/a/page.yaml keep.tmp.yaml sub/again.yaml sub/top-only.yaml"
	if got != want {
		t.Errorf("walked %s\nwant   %s", got, want)
	}
	var reasons []string
	for _, s := range res.Skipped {
		reasons = append(reasons, filepath.ToSlash(strings.TrimPrefix(s.Path, dir+string(filepath.Separator)))+" "+s.Reason)
	}
	for _, w := range []string{"build/ ignored by git (.gitignore:1)", "local.yaml ignored by git (.git/info/exclude:2)", "sub/deeper/secret.yaml ignored by git (sub/.gitignore:1)"} {
		if !strings.Contains(strings.Join(reasons, "\n"), w) {
			t.Errorf("skipped list lacks %q:\n%s", w, strings.Join(reasons, "\n"))
		}
	}
	// Named explicitly: read anyway.
	res = Walk([]string{filepath.Join(dir, "build", "out.yaml")}, Options{})
	if len(res.Inputs) != 1 {
		t.Errorf("a named ignored file was not read: %+v", res)
	}
	// Without a work tree the rules do not apply (.gitignore of a folder
	// that is not in git is nobody's rule).
	os.RemoveAll(filepath.Join(dir, ".git"))
	res = Walk([]string{filepath.Join(dir, "build")}, Options{})
	if len(res.Inputs) != 1 {
		t.Errorf("outside git: %v", rel(dir, res))
	}
}

// A linked worktree's .git is a file; info/exclude lives in the common
// folder it names.
func TestWalkGitWorktreeFile(t *testing.T) {
	dir := tree(t, map[string]string{
		"main/.git/info/exclude":           "mine.yaml\n",
		"main/.git/worktrees/wt/HEAD":      "x",
		"main/.git/worktrees/wt/commondir": "../..\n",
		"wt/mine.yaml":                     "x",
		"wt/app.yaml":                      "x",
	})
	gitdir := filepath.Join(dir, "main", ".git", "worktrees", "wt")
	if err := os.WriteFile(filepath.Join(dir, "wt", ".git"), []byte("gitdir: "+gitdir+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := Walk([]string{filepath.Join(dir, "wt")}, Options{})
	if got := strings.Join(rel(dir, res), " "); got != "wt/app.yaml" {
		t.Errorf("walked %s", got)
	}
}

// --exclude globs are relative to the working folder; ** matches folders;
// a bare folder name leaves that folder out.
func TestWalkExclude(t *testing.T) {
	dir := tree(t, map[string]string{
		"deploy/app.yaml":       "x",
		"deploy/test/t.yaml":    "x",
		"vendor/v.yaml":         "x",
		"other/vendor/v.yaml":   "x",
		"charts/a/x.gen.yaml":   "x",
		"charts/a/b/y.gen.yaml": "x",
		"charts/a/b/keep.yaml":  "x",
	})
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	res := Walk([]string{"."}, Options{Exclude: Globs("", "vendor", "./deploy/test/", "**/*.gen.yaml")})
	got := strings.Join(rel(dir, res), " ")
	if want := "charts/a/b/keep.yaml deploy/app.yaml other/vendor/v.yaml"; got != want {
		t.Errorf("walked %s\nwant   %s", got, want)
	}
}

// Folders holding a kustomization are reported for the render stage, and
// their kustomization file is not an input of its own.
func TestWalkKustomizations(t *testing.T) {
	dir := tree(t, map[string]string{
		"base/kustomization.yaml":      "resources: [d.yaml]\n",
		"base/d.yaml":                  "x",
		"overlays/a/Kustomization":     "resources: [../../base]\n",
		"overlays/b/kustomization.yml": "resources: [../../base]\n",
	})
	res := Walk([]string{dir, filepath.Join(dir, "base")}, Options{})
	var got []string
	for _, k := range res.Kustomizations {
		got = append(got, filepath.ToSlash(strings.TrimPrefix(k.File, dir+"/"))+map[bool]string{true: " named", false: ""}[k.Named])
	}
	if strings.Join(got, ", ") != "base/kustomization.yaml named, overlays/a/Kustomization, overlays/b/kustomization.yml" {
		t.Errorf("kustomizations %q", got)
	}
	if r := rel(dir, res); strings.Join(r, " ") != "base/d.yaml" {
		t.Errorf("inputs %q", r)
	}
}
