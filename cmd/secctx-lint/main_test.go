package main

import (
	"bytes"
	"encoding/json"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const badPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      privileged: true
`

const goodPod = `apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [2000]
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: nginx
    securityContext: {allowPrivilegeEscalation: false}
`

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.yaml", goodPod)
	bad := write(t, dir, "bad.yaml", badPod)
	broken := write(t, dir, "broken.yaml", "kind: [\n")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"clean", []string{good}, 0},
		{"findings", []string{bad}, 1},
		{"fail-on error ignores warnings", []string{"--fail-on", "error", bad}, 0},
		{"fail-on never", []string{"--fail-on", "never", bad}, 0},
		{"bad flag", []string{"--format", "xml", good}, 2},
		{"unknown initiative", []string{"--initiative", "nope", good}, 2},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, 3},
		{"broken input, rest judged", []string{broken, good}, 3},
		{"help", []string{"--help"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, out, errs)
			}
		})
	}
}

func TestTextOutput(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.yaml", badPod)
	_, out, _ := runCLI(t, "", bad)
	want := bad + ":11:7: warning privileged-containers: Privileged container is not allowed: app (securityContext.privileged: true) [Pod/shop/web container app]\n" +
		"        privileged: true\n" +
		"        ^^^^^^^^^^^^^^^^\n"
	if !strings.Contains(out, want) {
		t.Errorf("output lacks\n%s\ngot:\n%s", want, out)
	}
	if !strings.Contains(out, "in 1 workload (1 file, 1 document)") {
		t.Errorf("summary missing:\n%s", out)
	}
}

func TestJSONOutputAndStdin(t *testing.T) {
	code, out, _ := runCLI(t, badPod+"---\nkind: [\n", "--format", "json", "-")
	if code != 3 {
		t.Errorf("exit %d, want 3 (one document does not parse)", code)
	}
	var doc struct {
		Version  int              `json:"version"`
		Findings []map[string]any `json:"findings"`
		Errors   []map[string]any `json:"errors"`
		Summary  map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Version != 1 || len(doc.Errors) != 1 || doc.Summary["workloads"] != 1 {
		t.Fatalf("unexpected document: %s", out)
	}
	var priv map[string]any
	for _, f := range doc.Findings {
		if f["rule"] == "privileged-containers" {
			priv = f
		}
	}
	if priv == nil {
		t.Fatalf("no privileged finding: %s", out)
	}
	for key, want := range map[string]any{
		"file": "-", "line": 11.0, "column": 7.0, "endLine": 11.0, "endColumn": 23.0,
		"policyId": "95edb821-ddaf-4404-9732-666045e056b4", "policyVersion": "9.2.0",
		"effect": "Audit", "level": "warning", "certainty": "certain",
		"kind": "Pod", "namespace": "shop", "name": "web", "container": "app",
		"field": "spec.containers[0].securityContext.privileged", "fixable": false,
	} {
		if priv[key] != want {
			t.Errorf("%s = %v, want %v", key, priv[key], want)
		}
	}
	if doc.Errors[0]["line"] != 13.0 {
		t.Errorf("error line = %v, want 13", doc.Errors[0]["line"])
	}
}

func TestFolderWalkAndStrict(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/pod.yaml", `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [2000]
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: nginx
    securityContext: {runAsUser: 0, allowPrivilegeEscalation: false}
  - name: notice
    image: nginx
    securityContext: {runAsUser: 0}
`)
	write(t, dir, "a/notes.txt", "not yaml {{")
	write(t, dir, ".git/x.yaml", "kind: [")
	code, out, _ := runCLI(t, "", "--format", "json", dir)
	if code != 1 || strings.Contains(out, "notes.txt") || strings.Contains(out, ".git") {
		t.Errorf("exit %d; walked files it should not:\n%s", code, out)
	}
	// runAsUser: 0 in a container without allowPrivilegeEscalation is a
	// strict privilege-escalation finding: a notice, a warning with --strict.
	if !strings.Contains(out, `"level": "notice"`) {
		t.Errorf("want a notice:\n%s", out)
	}
	_, strictOut, _ := runCLI(t, "", "--format", "json", "--strict", dir)
	if strings.Contains(strictOut, `"level": "notice"`) {
		t.Errorf("--strict should raise notices:\n%s", strictOut)
	}
}

func TestConstraintFile(t *testing.T) {
	dir := t.TempDir()
	c := write(t, dir, "c.yaml", `apiVersion: v1
kind: List
items:
- apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: K8sPSPPrivilegedContainer
  metadata: {name: psp-privileged}
  spec:
    enforcementAction: deny
    match: {namespaces: [shop]}
`)
	bad := write(t, dir, "bad.yaml", badPod)
	code, out, _ := runCLI(t, "", "--constraint", c, "--format", "json", bad)
	if code != 1 || !strings.Contains(out, `"level": "error"`) || !strings.Contains(out, `"policy": "K8sPSPPrivilegedContainer"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// Without metadata.namespace the pod lands in --namespace, here out of scope.
	unnamespaced := write(t, dir, "nons.yaml", strings.Replace(badPod, "  namespace: shop\n", "", 1))
	if code, out, _ = runCLI(t, "", "--constraint", c, "--namespace", "other", unnamespaced); code != 0 {
		t.Errorf("pod in namespace other is out of the constraint's scope; exit %d\n%s", code, out)
	}
	if code, _, _ = runCLI(t, "", "--constraint", c, "--namespace", "shop", unnamespaced); code != 1 {
		t.Errorf("with --namespace shop the pod is in scope; exit %d", code)
	}
	wrong := write(t, dir, "wrong.yaml", "apiVersion: v1\nkind: ConfigMap\n")
	code, _, errs := runCLI(t, "", "--constraint", wrong, bad)
	if code != 2 || !strings.Contains(errs, "wrong.yaml:2:1: ConfigMap is not a pod security constraint kind") {
		t.Errorf("exit %d: %s", code, errs)
	}
	// A live cluster's dump also holds constraints that are not pod
	// security policies: each kind is named once as not judged, the rest
	// is judged.
	live := write(t, dir, "live.yaml", strings.Replace(`apiVersion: v1
kind: List
items:
- apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: K8sAzureV1ContainerLimits
  metadata: {name: limits-a}
- apiVersion: constraints.gatekeeper.sh/v1beta1
  kind: K8sAzureV1ContainerLimits
  metadata: {name: limits-b}
ITEMS`, "ITEMS", strings.TrimPrefix(strings.SplitN(string(mustRead(t, c)), "items:\n", 2)[1], ""), 1))
	code, _, errs = runCLI(t, "", "--constraint", live, bad)
	if code != 1 || strings.Count(errs, "not judged") != 1 || !strings.Contains(errs, "K8sAzureV1ContainerLimits") {
		t.Errorf("live dump: exit %d, stderr:\n%s", code, errs)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConflictingSources: flags that each say what to judge with are not
// silently dropped in favour of another.
func TestConflictingSources(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", goodPod)
	for _, args := range [][]string{
		{"--constraint", "c.yaml", "--azure-initiative", "set.json", pod},
		{"--initiative", "baseline", "--azure-assignment", "a.json", pod},
		{"--initiative", "baseline", "--constraint", "c.yaml", pod},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "cannot be combined") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
}

// TestFlagsAfterPaths: flags may follow the paths; after -- everything is
// a path.
func TestFlagsAfterPaths(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.yaml", badPod)
	code, out, _ := runCLI(t, "", bad, "--format", "json", "--fail-on", "never")
	if code != 0 || !strings.Contains(out, `"privileged-containers"`) {
		t.Errorf("flags after the path were not read: exit %d\n%s", code, out)
	}
	code, out, errOut := runCLI(t, "", "--fail-on", "never", "--", bad, "--fix")
	if code != exitInput || !strings.Contains(out+errOut, "--fix: error") {
		t.Errorf("after --, --fix is a path: exit %d, output %q %q", code, out, errOut)
	}
	if b := mustRead(t, bad); string(b) != badPod {
		t.Errorf("the file was changed")
	}
}

// TestFlagRanges: values the API server or the reader cannot take are usage
// errors.
func TestFlagRanges(t *testing.T) {
	pod := write(t, t.TempDir(), "pod.yaml", goodPod)
	for _, args := range [][]string{
		{"--diff", "--run-as-user", "99999999999", pod},
		{"--diff", "--fs-group", "2147483648", pod},
		{"--diff", "--supplemental-groups", "1,3000000000", pod},
		{"--max-file-size", "0", pod},
		{"--max-file-size", "-1", pod},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitUsage, errOut)
		}
	}
}

// Helm's loader warns through the standard logger; its lines come out as
// the tool's, without a timestamp.
func TestHelmLog(t *testing.T) {
	flags, prefix, out := log.Flags(), log.Prefix(), log.Writer()
	defer func() { log.SetFlags(flags); log.SetPrefix(prefix); log.SetOutput(out) }()
	helmLog()
	var b bytes.Buffer
	log.SetOutput(&b)
	log.Print("Warning: Dependencies are handled in Chart.yaml")
	if got := b.String(); got != "secctx-lint: helm: Warning: Dependencies are handled in Chart.yaml\n" {
		t.Errorf("logged %q", got)
	}
}

// --as-walked (the pre-commit hooks' flag) skips named files that
// are not manifests, as walking skips them: pre-commit names every
// staged YAML file, and a playbook (a list at the top) or a template
// blocked the commit with exit 3.
func TestAsWalkedSkipsNonManifests(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		write(t, dir, "playbook.yml", "- hosts: all\n  tasks:\n  - name: x\n    debug: {msg: \"{{ inventory_hostname }}\"}\n"),
		write(t, dir, "template.yaml", "{{ name }}: value\n"),
		write(t, dir, "good.yaml", goodPod),
	}
	if code, _, stderr := runCLI(t, "", files...); code != exitInput {
		t.Fatalf("named without the flag: exit %d, want %d (an input error)\n%s", code, exitInput, stderr)
	}
	for _, args := range [][]string{{"--as-walked"}, {"--as-walked", "--fix"}, {"--as-walked", "--diff"}} {
		code, stdout, stderr := runCLI(t, "", append(args, files...)...)
		if code != exitOK || strings.Contains(stdout+stderr, ": error:") || !strings.Contains(stdout+stderr, "2 skipped") {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
	bad := write(t, dir, "bad.yaml", badPod)
	if code, _, _ := runCLI(t, "", "--as-walked", bad, files[0]); code != exitFindings {
		t.Errorf("a manifest with findings beside a playbook: exit %d, want %d", code, exitFindings)
	}
}

// With --as-walked a changed kustomize patch or base resource is judged
// through the kustomization of its folder: alone, a strategic-merge patch
// is a partial object with false findings, and the fix hook wrote a whole
// pod securityContext into it. A changed file of a component is judged
// through the kustomizations that use it, and a component's own
// kustomization file no longer fails the hook (it cannot be built alone).
func TestAsWalkedJudgesThroughKustomizations(t *testing.T) {
	dir := t.TempDir()
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [1000], seccompProfile: {type: RuntimeDefault}}\n      containers:\n      - name: app\n        image: nginx\n"
	write(t, filepath.Join(dir, "base"), "kustomization.yaml", "resources:\n- deploy.yaml\n")
	write(t, filepath.Join(dir, "base"), "deploy.yaml", deploy)
	write(t, filepath.Join(dir, "overlay"), "kustomization.yaml", "resources:\n- ../base\npatches:\n- path: secure.yaml\ncomponents:\n- ../comp\n")
	patch := write(t, filepath.Join(dir, "overlay"), "secure.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        securityContext: {allowPrivilegeEscalation: false}\n")
	comp := write(t, filepath.Join(dir, "comp"), "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- path: label.yaml\n")
	label := write(t, filepath.Join(dir, "comp"), "label.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {team: a}\n")
	// Alone, the patch has findings (the pod fields are the base's);
	// through the overlay, the build is clean.
	if code, out, _ := runCLI(t, "", "--config", "none", patch); code != exitFindings {
		t.Fatalf("the patch alone: exit %d, want findings or an error (it is a partial object)\n%s", code, out)
	}
	overlay := filepath.Join(dir, "overlay")
	before := string(mustRead(t, patch))
	for _, args := range [][]string{{patch}, {"--fix", patch}, {label}, {comp}} {
		code, stdout, stderr := runCLI(t, "", append([]string{"--config", "none", "--as-walked", "--format", "json"}, args...)...)
		if code != exitOK {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
	if string(mustRead(t, patch)) != before {
		t.Errorf("--fix --as-walked wrote into the patch:\n%s", mustRead(t, patch))
	}
	// The same overlay walked gives the same verdict.
	if code, _, stderr := runCLI(t, "", "--config", "none", overlay); code != exitOK {
		t.Errorf("the overlay walked: exit %d\n%s", code, stderr)
	}
}

// Empty standard input is an input error, as an empty folder is: in
// `kustomize build x | secctx-lint -` without pipefail a failed build
// would otherwise pass.
func TestEmptyStdin(t *testing.T) {
	for _, args := range [][]string{{"-"}, {"--fix", "-"}, {"--diff", "-"}} {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitInput || !strings.Contains(stdout+stderr, "-: error: standard input is empty") {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
	}
	if code, _, _ := runCLI(t, "# no documents, but not empty\n", "-"); code != exitOK {
		t.Errorf("a stream of comments only: exit %d, want 0", code)
	}
}

// --helm-set and --helm-values are checked when the flags are read, chart
// or no chart: a typo was accepted on a tree without charts and became an
// input error (exit 3) on one with them.
func TestHelmFlagsCheckedWhenRead(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "good.yaml", goodPod)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--helm-set", "foo"}, `--helm-set foo: key "foo" has no value`},
		{[]string{"--helm-values", filepath.Join(dir, "missing.yaml")}, "--helm-values " + filepath.Join(dir, "missing.yaml") + ": not a readable file"},
		{[]string{"--helm-values", dir}, "not a readable file"},
	} {
		code, stdout, stderr := runCLI(t, "", append(tt.args, p)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args, code, exitUsage, tt.want, stdout, stderr)
		}
	}
	values := write(t, dir, "v.yaml", "a: 1\n")
	if code, _, stderr := runCLI(t, "", "--helm-set", "a.b=1", "--helm-values", values, p); code != exitOK {
		t.Errorf("good --helm-set and --helm-values: exit %d\n%s", code, stderr)
	}
}
