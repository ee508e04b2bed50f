package main

import (
	"encoding/json"
	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// copyTree copies the folder src to a new temporary folder, renaming files
// named _gitignore to .gitignore (in the repository they would hide the
// fixture's own folders from git).
func copyTree(t *testing.T, src string, skip ...string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		if d.Name() == "_gitignore" {
			rel = filepath.Join(filepath.Dir(rel), ".gitignore")
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// jsonRun is the part of the JSON output these tests read.
type jsonRun struct {
	Findings []struct {
		Rule, File, Field, Kind, FixNote string
		Line                             int
		Fixable                          bool
		RenderedFrom                     *struct{ Kind, Folder, ValueSet string }
	}
	Errors []struct {
		File    string
		Line    int
		Message string
	}
	Summary struct{ Files, Skipped int }
}

func decodeRun(t *testing.T, out string) jsonRun {
	t.Helper()
	var r jsonRun
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

// A repository as people keep one: only its manifests are judged, only the
// broken manifest is an error; workflows, compose, mkdocs (!!python tags),
// an Ansible playbook ({{ }}), JSON with comments and a YAML file that does
// not parse are skipped and counted; node_modules and what git ignores are
// not walked.
func TestMixedRepository(t *testing.T) {
	dir := copyTree(t, filepath.Join("..", "..", "testdata", "repo-mixed"))
	if err := os.MkdirAll(filepath.Join(dir, ".git", "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "", "--config", "none", "--format", "json", "--verbose", dir)
	if code != exitInput {
		t.Errorf("exit %d, want %d (one broken manifest)\n%s", code, exitInput, stderr)
	}
	r := decodeRun(t, out)
	files := map[string]bool{}
	for _, f := range r.Findings {
		rel, _ := filepath.Rel(dir, f.File)
		files[filepath.ToSlash(rel)] = true
	}
	if len(files) != 1 || !files["deploy/app.yaml"] {
		t.Errorf("findings in %v, want deploy/app.yaml only", files)
	}
	if len(r.Errors) != 1 || !strings.HasSuffix(r.Errors[0].File, filepath.Join("deploy", "broken.yaml")) || r.Errors[0].Line == 0 {
		t.Errorf("errors %+v, want deploy/broken.yaml with a line", r.Errors)
	}
	if r.Summary.Skipped != 7 || r.Summary.Files != 2 {
		t.Errorf("summary %+v, want 2 files judged and 7 skipped", r.Summary)
	}
	var listed []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "secctx-lint: skipped ") {
			rel := strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(l, "secctx-lint: skipped "), ": ", 2)[0], dir+string(filepath.Separator))
			listed = append(listed, filepath.ToSlash(rel))
		}
	}
	sort.Strings(listed)
	want := ".github/workflows/ci.yml .vscode/settings.json ansible/playbook.yml build/ docker-compose.yml docs/notes.yaml mkdocs.yml tsconfig.json"
	if strings.Join(listed, " ") != want {
		t.Errorf("--verbose listed %q\nwant %q", strings.Join(listed, " "), want)
	}
	// The text summary says it in a word.
	_, text, _ := runCLI(t, "", "--config", "none", dir)
	if !strings.Contains(text, "7 skipped") {
		t.Errorf("text summary lacks the skipped count:\n%s", text)
	}
	// Named on the command line, a non-manifest is read and reported.
	if code, _, _ := runCLI(t, "", "--config", "none", filepath.Join(dir, "docs", "notes.yaml")); code != exitInput {
		t.Errorf("a named file that does not parse: exit %d, want %d", code, exitInput)
	}
}

// --fix on a kustomize tree writes into the files a person edits: the base
// (once, though two overlays build it), the strategic-merge patch that adds
// a sidecar, the component that adds another; the fields a JSON 6902 patch
// supplies are left with a note. Building again finds nothing fixable, and a
// second --fix changes nothing.
func TestKustomizeFix(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "kustomize")
	dir := copyTree(t, src, "remote", "expected", "fixed")
	code, _, stderr := runCLI(t, "", "--config", "none", "--fix", dir)
	if code != exitFindings {
		t.Errorf("--fix: exit %d, want %d (the JSON 6902 patch's fields stay)\n%s", code, exitFindings, stderr)
	}
	for _, f := range []string{"base/deployment.yaml", "overlays/prod/sidecar.yaml", "components/metrics/exporter.yaml", "overlays/prod/replicas.yaml"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join(src, "fixed", strings.ReplaceAll(f, "/", "-")+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s after --fix:\n%s\nwant (%s):\n%s", f, got, golden, want)
		}
	}
	_, out, _ := runCLI(t, "", "--config", "none", "--format", "json", dir)
	r := decodeRun(t, out)
	if len(r.Findings) == 0 {
		t.Fatal("no findings left; the JSON 6902 patch's should be")
	}
	for _, f := range r.Findings {
		if f.Fixable {
			t.Errorf("fixable after --fix: %+v", f)
		}
		if f.RenderedFrom == nil || f.RenderedFrom.Kind != "kustomize" {
			t.Errorf("renderedFrom %+v", f.RenderedFrom)
		}
	}
	before := snapshot(t, dir)
	runCLI(t, "", "--config", "none", "--fix", dir)
	if after := snapshot(t, dir); after != before {
		t.Errorf("a second --fix changed the tree")
	}
}

func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			c, _ := os.ReadFile(p)
			b.WriteString(p + "\n" + string(c))
		}
		return nil
	})
	return b.String()
}

// The real kustomize trees (render/kustomize/testdata/real: Online Boutique
// and podinfo) build without an error, --fix writes their origin files, and
// building again finds nothing fixable.
func TestRealKustomizeTreesFix(t *testing.T) {
	dir := copyTree(t, filepath.Join("..", "..", "render", "kustomize", "testdata", "real"), "expected")
	_, out, _ := runCLI(t, "", "--config", "none", "--format", "json", dir)
	before := decodeRun(t, out)
	if len(before.Errors) > 0 || len(before.Findings) == 0 {
		t.Fatalf("before --fix: %d findings, errors %+v", len(before.Findings), before.Errors)
	}
	runCLI(t, "", "--config", "none", "--fix", dir)
	_, out, _ = runCLI(t, "", "--config", "none", "--format", "json", dir)
	after := decodeRun(t, out)
	if len(after.Errors) > 0 {
		t.Errorf("after --fix: errors %+v", after.Errors)
	}
	for _, f := range after.Findings {
		if f.Fixable {
			t.Errorf("fixable after --fix: %+v", f)
		}
	}
	t.Logf("%d findings before --fix, %d after", len(before.Findings), len(after.Findings))
}

// A base shared by two overlays, one of which adds a container that runs
// as root on purpose: --fix writes runAsUser into the base (enough for the
// policy in both) but not runAsNonRoot: true, which that overlay's pod
// would inherit and not start with.
func TestKustomizeFixKeepsRootPodsStarting(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"base/kustomization.yaml":  "resources: [deploy.yaml]\n",
		"base/deploy.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n",
		"plain/kustomization.yaml": "namespace: plain\nresources: [../base]\n",
		"root/kustomization.yaml":  "namespace: root\nresources: [../base]\npatches:\n- path: agent.yaml\n",
		"root/agent.yaml":          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: y\n        securityContext:\n          runAsUser: 0\n",
	} {
		write(t, dir, name, content)
	}
	runCLI(t, "", "--config", "none", "--fix", dir)
	base, err := os.ReadFile(filepath.Join(dir, "base", "deploy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(base), "runAsUser: 1000") || strings.Contains(string(base), "runAsNonRoot") {
		t.Errorf("base after --fix:\n%s", base)
	}
}

// A patch named on the command line is judged, even when a kustomization
// walked in the same run consumes it.
func TestNamedConsumedFileIsJudged(t *testing.T) {
	tree := filepath.Join("..", "..", "testdata", "kustomize")
	patch := filepath.Join(tree, "overlays", "prod", "sidecar.yaml")
	_, out, _ := runCLI(t, "", "--config", "none", "--format", "json", filepath.Join(tree, "overlays", "prod"), patch)
	alone := false
	for _, f := range decodeRun(t, out).Findings {
		alone = alone || (f.File == patch && f.RenderedFrom == nil)
	}
	if !alone {
		t.Errorf("the named patch was not judged alone:\n%s", out)
	}
}

// exclude: in the configuration file is relative to the file's folder,
// wherever the command runs; --exclude adds to it.
func TestConfigExclude(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n"
	cfg := write(t, dir, ".secctx-lint.yaml", "exclude:\n  - vendor\n")
	write(t, dir, "app.yaml", pod)
	write(t, dir, "vendor/lib.yaml", pod)
	write(t, dir, "gen/out.yaml", pod)
	_, out, _ := runCLI(t, "", "--config", cfg, "--format", "json", "--exclude", filepath.Join(dir, "gen"), dir)
	files := map[string]bool{}
	for _, f := range decodeRun(t, out).Findings {
		files[filepath.Base(filepath.Dir(f.File))+"/"+filepath.Base(f.File)] = true
	}
	if len(files) != 1 || !files[filepath.Base(dir)+"/app.yaml"] {
		t.Errorf("findings in %v, want app.yaml only", files)
	}
}

// --diff prints the diff on stdout and the report on stderr, also when
// every input is a build (no plain file), or when nothing is read at all:
// `--diff kust > fix.patch` must be a patch.
func TestDiffReportGoesToStderrWithoutPlainFiles(t *testing.T) {
	dir := copyTree(t, filepath.Join("..", "..", "testdata", "kustomize"), "remote", "expected", "fixed")
	overlay := filepath.Join(dir, "overlays", "prod")
	for _, format := range []string{"text", "json", "sarif"} {
		_, out, stderr := runCLI(t, "", "--config", "none", "--diff", "--format", format, overlay)
		if !strings.HasPrefix(out, "--- ") || strings.Contains(out, "workload") || strings.Contains(out, `"findings"`) || strings.Contains(out, "$schema") {
			t.Errorf("--format %s: stdout is not only the diff:\n%s", format, out)
		}
		if stderr == "" {
			t.Errorf("--format %s: no report on stderr", format)
		}
	}
	_, out, stderr := runCLI(t, "", "--config", "none", "--diff", filepath.Join(dir, "none.yaml"))
	if out != "" || !strings.Contains(stderr, "none.yaml") {
		t.Errorf("a missing input: stdout %q, stderr %q", out, stderr)
	}
}

// A field the base sets and an overlay's patch removes is not "fixable":
// writing it into the base again would do nothing for the build, and the
// finding would stay fixable on every run. The note names the line that
// sets it. From a base without the field, one --fix writes it (other
// overlays may use it), and after that the finding says why it stays.
func TestKustomizeFixWhereAPatchRemovesIt(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [1000], seccompProfile: {type: RuntimeDefault}}\n      containers:\n      - name: app\n        image: nginx\n        securityContext:\n          readOnlyRootFilesystem: true\n"
	overlay := "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: web}\n  patch: |-\n    - op: remove\n      path: /spec/template/spec/containers/0/securityContext\n"
	dir := t.TempDir()
	write(t, filepath.Join(dir, "base"), "kustomization.yaml", "resources:\n- deploy.yaml\n")
	base := write(t, filepath.Join(dir, "base"), "deploy.yaml", deploy)
	write(t, filepath.Join(dir, "overlay"), "kustomization.yaml", overlay)
	over := filepath.Join(dir, "overlay")
	escalation := func() (fixable bool, note string) {
		t.Helper()
		_, out, _ := runCLI(t, "", "--config", "none", "--format", "json", over)
		for _, f := range decodeRun(t, out).Findings {
			if f.Rule == "privilege-escalation" {
				return f.Fixable, f.FixNote
			}
		}
		t.Fatalf("no privilege-escalation finding:\n%s", out)
		return false, ""
	}
	if fixable, note := escalation(); !fixable {
		t.Fatalf("before any fix: not fixable (%s)", note)
	}
	runCLI(t, "", "--config", "none", "--fix", over)
	if b := string(mustRead(t, base)); !strings.Contains(b, "allowPrivilegeEscalation: false") {
		t.Fatalf("the base was not fixed:\n%s", b)
	}
	if fixable, note := escalation(); fixable || !strings.Contains(note, "deploy.yaml:18 sets securityContext.allowPrivilegeEscalation, but the built object lacks it: a patch or transformer") {
		t.Errorf("after the fix: fixable %v, note %q", fixable, note)
	}
	before := snapshot(t, dir)
	runCLI(t, "", "--config", "none", "--fix", over)
	if snapshot(t, dir) != before {
		t.Errorf("a second --fix changed the tree")
	}
}

// A field the source writes as [] or null is missing as the rules read
// it, not set: the build did not take it out, and the fixer fills it
// (Bitnami's charts ship supplementalGroups: []). Regression of the
// "the source already sets it" note.
func TestRenderedFixFillsEmptyValues(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "kustomization.yaml", "resources:\n  - deploy.yaml\n")
	deploy := write(t, dir, "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\nspec:\n  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n    spec:\n      securityContext:\n        fsGroup: 1001\n        runAsUser: 1001\n        runAsGroup: null\n        runAsNonRoot: true\n        seccompProfile: {type: RuntimeDefault}\n        supplementalGroups: []\n      containers:\n        - name: app\n          image: nginx\n          securityContext:\n            allowPrivilegeEscalation: false\n")
	if code, _, stderr := runCLI(t, "", "--config", "none", "--fix", dir); code != exitOK {
		t.Fatalf("--fix: exit %d\n%s", code, stderr)
	}
	got := string(mustRead(t, deploy))
	for _, want := range []string{"runAsGroup: 3000", "supplementalGroups: [2000]"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s not written:\n%s", want, got)
		}
	}
}

// The guard of render fixes: an invalid-field finding of the fixed
// sources' builds is new when the builds before the fix did not have it
// (by file, field and message: the fix moves lines).
func TestNewRenderedInvalid(t *testing.T) {
	e := linttest.Restricted(t)
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {runAsUser: \"1000\"}\n"
	render := func(src string) *source.Render {
		f, errs := source.Parse("pod.yaml", []byte(src), source.DefaultLimits)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return &source.Render{File: f}
	}
	had := map[string]bool{}
	fs, _ := e.File(render(pod).File)
	for i := range fs {
		if fs[i].Rule == lint.RuleInvalidField {
			had[invalidKey(&fs[i])] = true
		}
	}
	if len(had) == 0 {
		t.Fatal("the test pod has no invalid field")
	}
	moved := "# a line above\n" + pod
	if bad := newRenderedInvalid(had, judgeBuilds(e, []*source.Render{render(moved)})); bad != nil {
		t.Errorf("the same invalid field on another line is new: %+v", bad)
	}
	worse := strings.Replace(pod, "image: nginx", "image: nginx\n    workingDir: 7", 1)
	if bad := newRenderedInvalid(had, judgeBuilds(e, []*source.Render{render(worse)})); bad == nil || !strings.Contains(bad.Field, "workingDir") {
		t.Errorf("a new invalid field: %+v", bad)
	}
}

// What kustomize prints while it builds (its deprecation warnings go
// straight to os.Stderr, its vars notes through the standard logger) is
// said once each, sorted, labelled, the same on every run: builds run in
// parallel and the lines came in any order, one of them labelled helm.
func TestBuildWarningsAreLabelledAndStable(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"a", "b"} {
		write(t, filepath.Join(dir, k), "kustomization.yaml", "commonLabels: {team: x}\nvars:\n- name: NEVER_USED\n  objRef: {kind: Pod, name: ok, apiVersion: v1}\nresources:\n- pod.yaml\n")
		write(t, filepath.Join(dir, k), "pod.yaml", goodPod)
	}
	var first string
	for i := 0; i < 3; i++ {
		_, _, stderr := runCLI(t, "", "--config", "none", dir)
		if i == 0 {
			first = stderr
		} else if stderr != first {
			t.Fatalf("stderr differs between runs:\n%s\n---\n%s", first, stderr)
		}
	}
	want := []string{
		"secctx-lint: kustomize: Warning: 'commonLabels' is deprecated.",
		"secctx-lint: kustomize: Warning: 'vars' is deprecated.",
		"secctx-lint: kustomize: well-defined vars that were never replaced: NEVER_USED",
	}
	last := -1
	for _, w := range want {
		i := strings.Index(first, w)
		if i < 0 || i < last || strings.Count(first, w) != 1 {
			t.Errorf("want %q once, in order, in:\n%s", w, first)
		}
		last = i
	}
	if strings.Contains(first, "helm:") {
		t.Errorf("kustomize's lines labelled helm:\n%s", first)
	}
}

// A chart that prints one value as both the pod's and the container's
// securityContext: the fixes of the two would build fields the API
// server refuses (allowPrivilegeEscalation in the pod's, fsGroup in the
// container's). Nothing is written, the findings say why instead of
// being fixable, and the exit status is the findings' (not an input
// error that asks to report a bug).
func TestRefusedRenderFixIsNoted(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "chart")
	write(t, chart, "Chart.yaml", "apiVersion: v2\nname: demo\nversion: 1.0.0\n")
	values := write(t, chart, "values.yaml", "securityContext: {}\n")
	write(t, filepath.Join(chart, "templates"), "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n    spec:\n      securityContext: {{- toYaml .Values.securityContext | nindent 8 }}\n      containers:\n      - name: app\n        image: nginx\n        securityContext: {{- toYaml .Values.securityContext | nindent 10 }}\n")
	code, out, stderr := runCLI(t, "", "--config", "none", "--fix", "--format", "json", chart)
	if code != exitFindings || !strings.Contains(stderr, "secctx-lint: not fixed: with the fixes of the built objects") {
		t.Fatalf("exit %d, want %d\n%s", code, exitFindings, stderr)
	}
	if got := string(mustRead(t, values)); got != "securityContext: {}\n" {
		t.Errorf("values.yaml was written:\n%s", got)
	}
	for _, f := range decodeRun(t, out).Findings {
		if f.Fixable || !strings.Contains(f.FixNote, "nothing of the built objects is written") {
			t.Errorf("%s %s: fixable %v, note %q", f.Rule, f.Field, f.Fixable, f.FixNote)
		}
	}
}
