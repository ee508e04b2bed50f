package filter

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/gittest"
	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/render/helm"
	"github.com/secctx-lint/secctx-lint/render/kustomize"
	"github.com/secctx-lint/secctx-lint/source"
)

// A pod with a written offence (privileged: true) and missing fields.
const oldPod = `apiVersion: v1
kind: Pod
metadata:
  name: old
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: true
`

const otherPod = `apiVersion: v1
kind: Pod
metadata:
  name: other
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: true
`

// engine is the restricted initiative as the CLI assigns it by default.
func engine(t *testing.T) *lint.Engine { return linttest.Restricted(t) }

// lintAll lints the .yaml files of dir.
func lintAll(t *testing.T, dir string) []lint.Finding {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	sort.Strings(paths)
	var out []lint.Finding
	e := engine(t)
	for _, p := range paths {
		f, errs := source.ReadFile(source.Input{Path: p}, nil, source.DefaultLimits)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", p, errs[0])
		}
		fs, _ := e.File(f)
		out = append(out, fs...)
	}
	return out
}

// repo makes a git repository in a temporary folder with files committed,
// and returns it with the commit's hash.
func repo(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	run := gittest.In(t, dir)
	run("init", "-q")
	for name, content := range files {
		write(t, dir, name, content)
	}
	run("add", "-A")
	run("commit", "-q", "-m", "base")
	return dir, run("rev-parse", "HEAD")
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// keys lists findings as "name/container rule field" for comparisons.
func keys(fs []lint.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name+"/"+f.Container+" "+f.Rule+" "+f.Field)
	}
	sort.Strings(out)
	return out
}

func TestNewFromRev(t *testing.T) {
	dir, base := repo(t, map[string]string{"old.yaml": oldPod, "untouched.yaml": otherPod})
	all := lintAll(t, dir)
	if len(all) == 0 {
		t.Fatal("no findings to filter")
	}

	// Nothing changed: nothing is new.
	c, err := GitChanges(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	flt := &Filter{Changes: c}
	if got := flt.Apply(lintAll(t, dir)); len(got) != 0 || flt.Unchanged != len(all) {
		t.Errorf("unchanged tree: kept %v, dropped %d of %d", keys(got), flt.Unchanged, len(all))
	}

	// A second container in old.yaml (uncommitted: the working tree
	// counts) and a new, untracked file.
	write(t, dir, "old.yaml", oldPod+`  - name: sidecar
    image: busybox
`)
	write(t, dir, "new.yaml", strings.ReplaceAll(otherPod, "other", "brand-new"))
	c, err = GitChanges(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	flt = &Filter{Changes: c}
	got := flt.Apply(lintAll(t, dir))
	has := map[string]bool{}
	for _, k := range keys(got) {
		has[k] = true
	}
	for _, want := range []string{
		"brand-new/app privileged-containers spec.containers[0].securityContext.privileged",            // a new file: everything
		"old/sidecar privilege-escalation spec.containers[1].securityContext.allowPrivilegeEscalation", // the new container's missing field
		"old/ users-groups spec.securityContext.fsGroup",                                               // a missing field of a workload that changed
		"old/app privilege-escalation spec.containers[0].securityContext.allowPrivilegeEscalation",     // likewise, in an old container
	} {
		if !has[want] {
			t.Errorf("not reported: %s\nkept: %v", want, keys(got))
		}
	}
	for _, k := range keys(got) {
		// The old written offence is on a line that did not change; the
		// untouched file changed nowhere.
		if k == "old/app privileged-containers spec.containers[0].securityContext.privileged" || strings.HasPrefix(k, "other/") {
			t.Errorf("old finding reported: %s", k)
		}
	}
	if flt.Unchanged == 0 {
		t.Errorf("nothing dropped")
	}
}

// A changed file whose name holds a blank: git ends its "+++ b/..." line
// with a tab then (for patch's sake), which is not part of the name.
// Every new finding in such a file was taken for an old one.
func TestNewFromRevNameWithBlanks(t *testing.T) {
	for _, name := range []string{"my app.yaml", "two  blanks.yaml", "tab\tin.yaml", `quote".yaml`} {
		dir, base := repo(t, map[string]string{name: oldPod})
		write(t, dir, name, oldPod+"  - name: sidecar\n    image: busybox\n")
		c, err := GitChanges(dir, base)
		if err != nil {
			t.Fatal(err)
		}
		flt := &Filter{Changes: c}
		got := keys(flt.Apply(lintAll(t, dir)))
		if !slices.Contains(got, "old/sidecar privilege-escalation spec.containers[1].securityContext.allowPrivilegeEscalation") {
			t.Errorf("%q: the new container's finding is not reported; kept %v", name, got)
		}
	}
}

func TestNewFromRevErrors(t *testing.T) {
	dir, _ := repo(t, map[string]string{"a.yaml": oldPod})
	if _, err := GitChanges(dir, "no-such-rev"); err == nil || !strings.Contains(err.Error(), "no such commit") {
		t.Errorf("bad rev: %v", err)
	}
	if _, err := GitChanges(t.TempDir(), "HEAD"); err == nil || !strings.Contains(err.Error(), "git repository") {
		t.Errorf("not a repository: %v", err)
	}
}

// TestBaseline: accepted findings are not reported wherever the workload
// moves (other lines, another file); a new workload's are; a second copy
// of an accepted workload is new.
func TestBaseline(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", oldPod)
	accepted := lintAll(t, dir)
	bl := filepath.Join(dir, "baseline.json")
	if err := WriteBaseline(bl, accepted); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(bl)
	if !strings.Contains(string(b), `"rule": "privileged-containers"`) || !strings.Contains(string(b), `"fingerprint": "`) {
		t.Errorf("baseline file:\n%s", b)
	}

	// The pod moves to another file, lower down; a new pod appears.
	os.Remove(filepath.Join(dir, "a.yaml"))
	write(t, dir, "moved.yaml", "# moved here\n\n---\n"+oldPod+"---\n"+strings.ReplaceAll(otherPod, "other", "fresh"))
	base, err := ReadBaseline(bl)
	if err != nil {
		t.Fatal(err)
	}
	flt := &Filter{Baseline: base}
	now := lintAll(t, dir)
	got := flt.Apply(now)
	if flt.Baselined != len(accepted) {
		t.Errorf("baselined %d, want %d", flt.Baselined, len(accepted))
	}
	for _, f := range got {
		if f.Name != "fresh" {
			t.Errorf("accepted finding reported: %s %s %s", f.Name, f.Rule, f.Field)
		}
	}
	if len(got) != len(now)-len(accepted) || len(got) == 0 {
		t.Errorf("kept %d of %d", len(got), len(now))
	}

	// Two copies of the accepted pod: one is accepted, the other is new.
	write(t, dir, "moved.yaml", oldPod+"---\n"+oldPod)
	base, _ = ReadBaseline(bl)
	flt = &Filter{Baseline: base}
	if got := flt.Apply(lintAll(t, dir)); len(got) != len(accepted) {
		t.Errorf("copy: kept %d, want %d", len(got), len(accepted))
	}
}

func TestBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json": "not json",
		"version.json": `{"version": 9, "findings": []}`,
		"unknown.json": `{"version": 1, "findings": [], "extra": 1}`,
		"nofp.json":    `{"version": 1, "findings": [{"rule": "x"}]}`,
	} {
		write(t, dir, name, content)
		if _, err := ReadBaseline(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s: read without an error", name)
		}
	}
	if _, err := ReadBaseline(filepath.Join(dir, "missing.json")); err == nil {
		t.Errorf("a missing baseline read without an error")
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
    spec:
      containers:
      - name: app
        image: nginx
`

// judged is what a filtered run keeps of some builds, with the count of
// all their findings. The builds are made afresh for each call, as a run
// makes them.
func judged(t *testing.T, dir, rev string, renders []*source.Render) (kept []lint.Finding, all int) {
	t.Helper()
	c, err := GitChanges(dir, rev)
	if err != nil {
		t.Fatal(err)
	}
	flt := &Filter{Changes: c}
	e := engine(t)
	for _, rd := range renders {
		if len(rd.Errors) > 0 || rd.File == nil {
			t.Fatalf("build: %v", rd.Errors)
		}
		flt.AddRender(rd, e.DefaultNamespace())
		fs, _ := e.File(rd.File)
		all += len(fs)
		kept = append(kept, flt.Apply(fs)...)
	}
	return kept, all
}

// names counts kept findings by workload name.
func names(fs []lint.Finding) map[string]int {
	out := map[string]int{}
	for _, f := range fs {
		out[f.Name]++
	}
	return out
}

// TestNewFromRevKustomize: a change to a file a build read, other than
// the resource file of another workload, makes the findings of what it
// builds new, wherever they point (review 1, item 3).
func TestNewFromRevKustomize(t *testing.T) {
	dir, base := repo(t, map[string]string{
		"base/kustomization.yaml":          "resources:\n- web.yaml\n- api.yaml\n",
		"base/web.yaml":                    strings.ReplaceAll(deployment, "NAME", "web"),
		"base/api.yaml":                    strings.ReplaceAll(deployment, "NAME", "api"),
		"overlays/sys/kustomization.yaml":  "namespace: kube-system\nresources:\n- ../../base\n",
		"overlays/prod/kustomization.yaml": "namespace: prod\nnamePrefix: p-\nresources:\n- ../../base\n",
	})
	build := func(overlays ...string) []*source.Render {
		var dirs []string
		for _, o := range overlays {
			dirs = append(dirs, filepath.Join(dir, "overlays", o))
		}
		return kustomize.New("", source.DefaultLimits).BuildAll(dirs)
	}

	if kept, all := judged(t, dir, base, build("sys", "prod")); len(kept) != 0 || all == 0 {
		t.Fatalf("unchanged tree: kept %v of %d", keys(kept), all)
	}

	// Unrelated changes: a new file no build reads, a line of api.yaml.
	// Web's old findings stay hidden; api's resource file changed, so all
	// of api's findings count.
	write(t, dir, "README.md", "notes\n")
	write(t, dir, "base/api.yaml", strings.Replace(strings.ReplaceAll(deployment, "NAME", "api"), "image: nginx", "image: nginx:2", 1))
	kept, _ := judged(t, dir, base, build("sys", "prod"))
	if got := names(kept); got["p-web"] != 0 || got["p-api"] == 0 || len(got) != 1 {
		t.Errorf("unrelated change: kept %v", keys(kept))
	}
	write(t, dir, "base/api.yaml", strings.ReplaceAll(deployment, "NAME", "api"))

	// The namespace of an overlay changed: out of kube-system, every
	// finding of what it builds is new; the other overlay's stay hidden.
	write(t, dir, "overlays/sys/kustomization.yaml", "namespace: staging\nresources:\n- ../../base\n")
	kept, all := judged(t, dir, base, build("sys"))
	if len(kept) != all || all == 0 || names(kept)["web"] == 0 {
		t.Errorf("namespace change: kept %d of %d: %v", len(kept), all, keys(kept))
	}
	if kept, _ := judged(t, dir, base, build("prod")); len(kept) != 0 {
		t.Errorf("the other overlay: kept %v", keys(kept))
	}

	// A line only taken out (no line added): namePrefix removed.
	write(t, dir, "overlays/prod/kustomization.yaml", "namespace: prod\nresources:\n- ../../base\n")
	if kept, all := judged(t, dir, base, build("prod")); len(kept) != all || all == 0 {
		t.Errorf("deleted line: kept %d of %d", len(kept), all)
	}

	// A new, untracked overlay over the unchanged base.
	write(t, dir, "overlays/new/kustomization.yaml", "namespace: team-b\nnamePrefix: b-\nresources:\n- ../../base\n")
	if kept, all := judged(t, dir, base, build("new")); len(kept) != all || all == 0 || names(kept)["b-web"] == 0 {
		t.Errorf("new overlay: kept %d of %d", len(kept), all)
	}
}

// TestNewFromRevHelm: any file of the chart, or a values file given, that
// changed makes every finding of the chart's objects new.
func TestNewFromRevHelm(t *testing.T) {
	tmpl := strings.Replace(strings.ReplaceAll(deployment, "NAME", "{{ .Release.Name }}-web"), "image: nginx", "image: {{ .Values.image }}", 1)
	dir, base := repo(t, map[string]string{
		"chart/Chart.yaml":                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"chart/values.yaml":               "image: nginx\n",
		"chart/templates/deployment.yaml": tmpl,
		"prod-values.yaml":                "image: nginx:1\n",
	})
	build := func() []*source.Render {
		return []*source.Render{helm.Render(filepath.Join(dir, "chart"), helm.Options{ValuesFiles: []string{filepath.Join(dir, "prod-values.yaml")}})}
	}
	if kept, all := judged(t, dir, base, build()); len(kept) != 0 || all == 0 {
		t.Fatalf("unchanged chart: kept %v of %d", keys(kept), all)
	}
	write(t, dir, "unrelated.yaml", "a: 1\n")
	if kept, _ := judged(t, dir, base, build()); len(kept) != 0 {
		t.Errorf("unrelated change: kept %v", keys(kept))
	}
	for _, values := range []string{"prod-values.yaml", "chart/values.yaml"} {
		write(t, dir, values, "image: nginx:3\n")
		if kept, all := judged(t, dir, base, build()); len(kept) != all {
			t.Errorf("%s changed: kept %d of %d", values, len(kept), all)
		}
		write(t, dir, values, map[string]string{"prod-values.yaml": "image: nginx:1\n", "chart/values.yaml": "image: nginx\n"}[values])
	}
}
