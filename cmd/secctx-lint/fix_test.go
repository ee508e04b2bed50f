package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

const testConstraints = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sPSPAllowPrivilegeEscalationContainer
metadata:
  name: no-escalation
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sPSPAllowedUsers
metadata:
  name: users
spec:
  parameters:
    runAsUser:
      rule: MustRunAsNonRoot
    fsGroup:
      rule: MustRunAs
      ranges: [{min: 1, max: 65535}]
`

const testPod = `apiVersion: v1
kind: Pod
metadata:
  name: p # comment
spec:
  containers:
  - name: app
    image: nginx
`

func setup(t *testing.T) (dir, constraints, pod string) {
	dir = t.TempDir()
	constraints = filepath.Join(dir, "constraints.yaml")
	pod = filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(constraints, []byte(testConstraints), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pod, []byte(testPod), 0o600); err != nil {
		t.Fatal(err)
	}
	return
}

func runFixCLI(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := run(args, strings.NewReader(stdin), &out, &errb, func(string) string { return "" })
	return rc, out.String(), errb.String()
}

func TestFixWritesInPlace(t *testing.T) {
	dir, cs, pod := setup(t)
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink("pod.yaml", link); err != nil {
		t.Fatal(err)
	}
	rc, out, errs := runFixCLI("", "--constraint", cs, "--fix", "--fs-group", "2500", link)
	if rc != exitOK {
		t.Fatalf("rc %d\n%s\n%s", rc, out, errs)
	}
	if !strings.Contains(out, "fixed 4 fields in 1 file") {
		t.Errorf("summary: %s", out)
	}
	got, _ := os.ReadFile(pod)
	want := testPod + "    securityContext:\n      allowPrivilegeEscalation: false\n  securityContext:\n    fsGroup: 2500\n    runAsNonRoot: true\n    runAsUser: 1000\n"
	if string(got) != want {
		t.Errorf("fixed file:\n%s", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v", err)
	}
	if fi, _ := os.Stat(pod); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// A second run changes nothing.
	rc, out, _ = runFixCLI("", "--constraint", cs, "--fix", "--fs-group", "2500", pod)
	again, _ := os.ReadFile(pod)
	if rc != exitOK || string(again) != want || strings.Contains(out, "fixed") {
		t.Errorf("second run: rc %d, %s", rc, out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestDiffWritesNothing(t *testing.T) {
	_, cs, pod := setup(t)
	rc, out, errs := runFixCLI("", "--constraint", cs, "--diff", pod)
	if rc != exitOK {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	if !strings.Contains(out, "+    securityContext:\n+      allowPrivilegeEscalation: false\n") || !strings.HasPrefix(out, "--- ") {
		t.Errorf("diff:\n%s", out)
	}
	if got, _ := os.ReadFile(pod); string(got) != testPod {
		t.Error("--diff wrote the file")
	}
}

func TestFixStdin(t *testing.T) {
	_, cs, _ := setup(t)
	rc, out, errs := runFixCLI(testPod, "--constraint", cs, "--fix", "-")
	if rc != exitOK || !strings.HasPrefix(out, testPod) || !strings.Contains(out, "runAsUser: 1000") {
		t.Errorf("rc %d\nstdout:\n%s\nstderr:\n%s", rc, out, errs)
	}
}

func TestForbiddenFixValue(t *testing.T) {
	_, cs, pod := setup(t)
	rc, _, errs := runFixCLI("", "--constraint", cs, "--fix", "--fs-group", "70000", pod)
	if rc != exitUsage || !strings.Contains(errs, "--fs-group") {
		t.Errorf("rc %d: %s", rc, errs)
	}
	if got, _ := os.ReadFile(pod); string(got) != testPod {
		t.Error("a file was written")
	}
	if rc, _, _ := runFixCLI("", "--constraint", cs, "--fix", "--run-as-user", "0", pod); rc != exitUsage {
		t.Errorf("--run-as-user 0: rc %d", rc)
	}
	if rc, _, _ := runFixCLI("", "--fix", "--diff", pod); rc != exitUsage {
		t.Errorf("--fix --diff: rc %d", rc)
	}
}

func TestBrokenFileNotWritten(t *testing.T) {
	dir, cs, _ := setup(t)
	bad := filepath.Join(dir, "bad.yaml")
	src := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Name }}\nspec:\n  containers:\n  - name: a\n    image: b\n"
	os.WriteFile(bad, []byte(src), 0o644)
	rc, _, _ := runFixCLI("", "--constraint", cs, "--fix", bad)
	if rc != exitInput {
		t.Errorf("rc %d, want %d", rc, exitInput)
	}
	if got, _ := os.ReadFile(bad); string(got) != src {
		t.Error("a broken file was written")
	}
}

// TestRdjsonlSuggestions: reviewdog gets the fixer's edits for the pod as
// one line-wise suggestion, and applying it removes every fixable finding
// (TestSuggestionsEqualFix checks several workloads against --fix).
func TestRdjsonlSuggestions(t *testing.T) {
	dir := t.TempDir()
	const pod = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - name: app
    image: nginx
    securityContext:
      runAsUser: 1000
`
	p := write(t, dir, "pod.yaml", pod)
	code, out, errOut := runCLI(t, "", "--format", "rdjsonl", p)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
	type diag struct {
		Message  string                 `json:"message"`
		Code     struct{ Value string } `json:"code"`
		Location struct {
			Range struct{ Start struct{ Line int } } `json:"range"`
		} `json:"location"`
		Suggestions []struct {
			Range struct {
				Start, End struct{ Line int }
			} `json:"range"`
			Text string `json:"text"`
		} `json:"suggestions"`
	}
	var with *diag
	withSuggestion := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d diag
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("bad rdjsonl line %q: %v", line, err)
		}
		if len(d.Suggestions) > 0 {
			withSuggestion++
			with = &d
		}
	}
	if withSuggestion != 1 || len(with.Suggestions) != 1 {
		t.Fatalf("want one suggestion for the pod, got %d diagnostics with suggestions in:\n%s", withSuggestion, out)
	}
	s := with.Suggestions[0]
	lines := strings.Split(pod, "\n")
	// Replace lines Start..End (1-based, inclusive) with the suggestion.
	fixed := append(append(append([]string{}, lines[:s.Range.Start.Line-1]...), strings.Split(s.Text, "\n")...), lines[s.Range.End.Line:]...)
	if !strings.Contains(s.Text, "allowPrivilegeEscalation: false") {
		t.Errorf("suggestion text %q does not set allowPrivilegeEscalation", s.Text)
	}
	p2 := write(t, dir, "fixed.yaml", strings.Join(fixed, "\n"))
	_, out2, _ := runCLI(t, "", "--format", "json", p2)
	if strings.Contains(out2, `"fixable": true`) {
		t.Errorf("applying the suggestion left fixable findings:\n%s\n%s", strings.Join(fixed, "\n"), out2)
	}
}

// TestFixOverMaxFileSize: when the fixed text would pass --max-file-size,
// the message says so and the file is left as it was.
func TestFixOverMaxFileSize(t *testing.T) {
	_, cs, pod := setup(t)
	size := len(testPod) + 10 // the original fits, the fixed text does not
	code, errs, _ := runFixCLI("", "--constraint", cs, "--fix", "--max-file-size", fmt.Sprint(size), pod)
	want := "not fixed: the fixed text would be "
	if code != exitInput || !strings.Contains(errs, want) || !strings.Contains(errs, fmt.Sprintf("bytes, over --max-file-size %d", size)) || strings.Contains(errs, "please report") {
		t.Errorf("exit %d, report:\n%s", code, errs)
	}
	if b, _ := os.ReadFile(pod); string(b) != testPod {
		t.Errorf("file changed:\n%s", b)
	}
}

// A fix value one file refuses stops the run before any file is written,
// also the files judged before it, which alone would be fixed.
func TestForbiddenFixValueInALaterFile(t *testing.T) {
	dir, cs, pod := setup(t)
	first := filepath.Join(dir, "a.yaml")
	firstText := strings.Replace(testPod, "spec:\n", "spec:\n  securityContext:\n    fsGroup: 2500\n", 1)
	if err := os.WriteFile(first, []byte(firstText), 0o644); err != nil {
		t.Fatal(err)
	}
	rc, _, errs := runFixCLI("", "--constraint", cs, "--fix", "--fs-group", "70000", first, pod)
	if rc != exitUsage || !strings.Contains(errs, "nothing was written") {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	for path, want := range map[string]string{first: firstText, pod: testPod} {
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s was written:\n%s", path, got)
		}
	}
	// With an allowed value the first file is fixed alone.
	if rc, out, errs := runFixCLI("", "--constraint", cs, "--fix", "--fs-group", "2600", first); rc != exitOK || !strings.Contains(out, "in 1 file") {
		t.Errorf("rc %d\n%s\n%s", rc, out, errs)
	}
}

// A refused fix value is said once, at the first workload it is refused
// for (file and line), with how many more share it: the user can find
// what it is about without linting again.
func TestRefusalNamesWhereAndHowOften(t *testing.T) {
	dir, cs, pod := setup(t)
	second := write(t, dir, "second.yaml", "---\n"+testPod+"---\n"+strings.Replace(testPod, "name: p ", "name: q ", 1))
	rc, _, errs := runFixCLI("", "--constraint", cs, "--diff", "--fs-group", "70000", pod, second)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if rc != exitUsage || len(lines) != 2 || !strings.HasPrefix(lines[0], "secctx-lint: "+pod+":5: the fix value fsGroup 70000 is not allowed by ") ||
		!strings.HasSuffix(lines[0], " (also in 2 other workloads)") || lines[1] != "secctx-lint: nothing was written" {
		t.Errorf("rc %d, stderr:\n%s", rc, errs)
	}
}

// A securityContext map the pod and a container share by alias is not
// written into (a field for one would be unknown to the other): the fix
// leaves it with a note, and the file stays one the API server accepts.
func TestFixLeavesSharedSecurityContexts(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "shared.yaml")
	text := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: &psc {runAsNonRoot: true}\n  containers:\n  - name: a\n    image: z\n    securityContext: *psc\n"
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if rc, out, errs := runFixCLI("", "--config", "none", "--fix", p); rc == exitInput || rc == exitUsage {
		t.Fatalf("rc %d:\n%s\n%s", rc, out, errs)
	}
	_, out, _ := runFixCLI("", "--config", "none", "--format", "json", p)
	var r struct{ Findings []lint.Finding }
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	noted := false
	for _, f := range r.Findings {
		if f.Rule == lint.RuleInvalidField {
			t.Errorf("the fixed file has %s: %s", f.Field, f.Message)
		}
		noted = noted || strings.Contains(f.FixNote, "are one map")
	}
	if !noted {
		t.Errorf("no finding says why the shared map is left alone:\n%s", out)
	}
}

// newInvalidFields is --fix's last guard: an invalid-field finding the
// fixed text has and the original did not (lines aside) stops the write.
func TestNewInvalidFields(t *testing.T) {
	old := []lint.Finding{{Rule: lint.RuleInvalidField, Field: "spec.x", Message: "m", Line: 3}, {Rule: "seccomp", Field: "spec.y", Message: "n"}}
	if got := newInvalidFields(old, []lint.Finding{{Rule: lint.RuleInvalidField, Field: "spec.x", Message: "m", Line: 9}}); got != "" {
		t.Errorf("a moved finding counted as new: %q", got)
	}
	if got := newInvalidFields(old, []lint.Finding{{Rule: lint.RuleInvalidField, Field: "spec.y", Message: "n"}}); got != "spec.y: n" {
		t.Errorf("a new one: %q", got)
	}
}

// A fix can leave something to find where nothing was before, so --diff
// and --fix judge every edited document again: a black-box comparison
// with the judgement of the whole fixed text found a fix that makes a pod
// a Windows pod (nodeSelector), which brings in the Windows rules.
func TestFixReportsWhatTheFixBringsIn(t *testing.T) {
	pod := func(spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + spec + "  containers:\n  - name: c\n    image: nginx\n"
	}
	for _, tt := range []struct {
		name        string
		pod         string
		constraints string // a --constraint file, else the flags
		flags       []string
		want        string
	}{
		{"windows", pod("  automountServiceAccountToken: false\n  os:\n    name: windows\n"), "",
			[]string{"--initiative", "aks-safeguards"}, `"rule": "windows-container-admin"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "pod.yaml", tt.pod)
			args := append([]string{"--format", "json"}, tt.flags...)
			if tt.constraints != "" {
				args = append(args, "--constraint", write(t, dir, "c.yaml", tt.constraints))
			}
			code, stdout, stderr := runCLI(t, "", append(append(args, "--diff"), p)...)
			if code != 1 || !strings.Contains(stderr, tt.want) || !strings.Contains(stdout, "+++") {
				t.Fatalf("--diff: exit %d, want 1 with %s left and a diff\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			code, stdout, _ = runCLI(t, "", append(append(args, "--fix"), p)...)
			if code != 1 || !strings.Contains(stdout, tt.want) {
				t.Fatalf("--fix: exit %d, want 1 with %s left\n%s", code, tt.want, stdout)
			}
		})
	}
}

// A group ID that one constraint has the fixer write and a MayRunAs
// constraint refuses is refused before anything is written, as a value
// outside the asking constraint's own ranges is; a value both allow is
// written.
func TestFixRefusesWhatAMayRunAsConstraintRefuses(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "pod.yaml", testPod)
	c := write(t, dir, "c.yaml", linttest.MayRunAsConflict("fsGroup"))
	code, stdout, stderr := runCLI(t, "", "--fix", "--constraint", c, p)
	if code != exitUsage || !strings.Contains(stderr, p+":5: the fix value fsGroup 2000 is not allowed by K8sAzureV3AllowedUsersGroups may (MayRunAs 1-100)") || !strings.Contains(stderr, "--fs-group") ||
		!strings.Contains(stderr, "; 100 is allowed by every policy that judges this workload") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if got := string(mustRead(t, p)); got != testPod {
		t.Fatalf("written although refused:\n%s", got)
	}
	if code, stdout, stderr := runCLI(t, "", "--fix", "--fs-group", "50", "--constraint", c, p); code != 0 || !strings.Contains(string(mustRead(t, p)), "fsGroup: 50") {
		t.Fatalf("--fs-group 50: exit %d\n%s%s\n%s", code, stdout, stderr, mustRead(t, p))
	}
}

// A file at the node limit whose fix would take it over is not fixed, and
// the error names the limit: it is no parse failure to report.
func TestFixOverNodeLimit(t *testing.T) {
	e := linttest.Restricted(t)
	lim := source.DefaultLimits
	for lim.MaxNodes = 1; ; lim.MaxNodes++ {
		if _, errs := source.Parse("pod.yaml", []byte(testPod), lim); len(errs) == 0 {
			break // the smallest budget the original fits in
		}
	}
	r := fixOne(e, lim, source.Input{Path: "-"}, strings.NewReader(testPod), nil, editedDocuments)
	want := fmt.Sprintf("not fixed: the fixed text would hold more than %d YAML nodes", lim.MaxNodes)
	if len(r.errs) != 1 || r.errs[0].Msg != want || r.out != nil {
		t.Fatalf("errors %v, fixed text %q; want one: %s", r.errs, r.out, want)
	}
}

// A required drop is written as ALL and by its name, which Azure's v1
// reading (strict) wants: one --fix leaves nothing, where writing ALL
// alone left a strict finding for a second --fix. Two constraints'
// required drops add up, a name listed twice is written once, and
// gatekeeper-library's template, which counts ALL, gets ALL alone.
func TestFixDropsRequiredCapabilitiesByName(t *testing.T) {
	azure := func(name, drops string) string {
		return "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAzureV3AllowedCapabilities\nmetadata: {name: " + name + "}\nspec:\n  parameters: {allowedCapabilities: [], requiredDropCapabilities: " + drops + "}\n"
	}
	psp := "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPSPCapabilities\nmetadata: {name: psp}\nspec:\n  parameters: {requiredDropCapabilities: [ALL]}\n"
	for _, tt := range []struct {
		name, constraints, want string
	}{
		{"one", azure("caps", "[NET_RAW]"), "        - ALL\n        - NET_RAW\n"},
		{"twice", azure("caps", "[NET_RAW, NET_RAW]"), "        - ALL\n        - NET_RAW\n"},
		{"two constraints", azure("all", "[ALL]") + "---\n" + azure("raw", "[NET_RAW]") + "---\n" + azure("admin", "[NET_ADMIN, NET_RAW]"), "        - ALL\n        - NET_RAW\n        - NET_ADMIN\n"},
		{"gatekeeper-library", psp, "        - ALL\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n")
			c := write(t, dir, "c.yaml", tt.constraints)
			if code, stdout, stderr := runCLI(t, "", "--strict", "--fix", "--constraint", c, p); code != 0 {
				t.Fatalf("--fix: exit %d\n%s%s", code, stdout, stderr)
			}
			if got := string(mustRead(t, p)); !strings.HasSuffix(got, "        drop:\n"+tt.want) {
				t.Fatalf("fixed file:\n%s", got)
			}
			if code, stdout, _ := runCLI(t, "", "--strict", "--diff", "--constraint", c, p); code != 0 || stdout != "" {
				t.Fatalf("a second --diff: exit %d\n%s", code, stdout)
			}
		})
	}
}
