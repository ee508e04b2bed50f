package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// goodPod with a privileged container, silenced by a comment with reason.
// A privileged container can always escalate (the API server refuses
// allowPrivilegeEscalation: false beside privileged: true), so both
// findings are silenced.
var suppressedPod = strings.Replace(goodPod, "securityContext: {allowPrivilegeEscalation: false}",
	"securityContext: {allowPrivilegeEscalation: true, privileged: true}   # secctx-lint:ignore privileged-containers, privilege-escalation: needs /dev/fuse", 1)

func TestSuppressedFindingDoesNotFail(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "pod.yaml", suppressedPod)
	code, out, errs := runCLI(t, "", p)
	if code != exitOK || !strings.Contains(out, "0 errors, 0 warnings, 0 notices, 2 suppressed in 1 workload") {
		t.Errorf("exit %d, want 0 with 1 suppressed:\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "--format", "json", p)
	var got struct {
		Findings []json.RawMessage
		Summary  struct{ Findings, Suppressed int }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if code != exitOK || got.Summary.Suppressed != 2 || got.Summary.Findings != 0 || len(got.Findings) != 0 {
		t.Errorf("json: exit %d, %+v", code, got)
	}
	// The control: without the comment the same pod fails.
	write(t, dir, "pod.yaml", strings.Replace(suppressedPod, "# secctx-lint:ignore", "# ", 1))
	if code, out, _ := runCLI(t, "", p); code != exitFindings || !strings.Contains(out, "privileged-containers") {
		t.Errorf("unsuppressed: exit %d\n%s", code, out)
	}
}

func TestNoIgnoresReportsEverything(t *testing.T) {
	p := write(t, t.TempDir(), "pod.yaml", suppressedPod)
	code, out, _ := runCLI(t, "", "--no-ignores", "--report-unused-ignores", p)
	if code != exitFindings || !strings.Contains(out, "privileged-containers") || strings.Contains(out, "suppressed") || strings.Contains(out, "unused-ignore") {
		t.Errorf("--no-ignores: exit %d\n%s", code, out)
	}
}

func TestSuppressionProblemsAreWarnings(t *testing.T) {
	dir := t.TempDir()
	noReason := write(t, dir, "no-reason.yaml", strings.Replace(suppressedPod, ": needs /dev/fuse", "", 1))
	code, out, _ := runCLI(t, "", noReason)
	if code != exitFindings || !strings.Contains(out, "warning ignore-without-reason: the suppression of privileged-containers, privilege-escalation has no reason") ||
		!strings.Contains(out, "2 suppressed") {
		t.Errorf("no reason: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "--fail-on", "error", noReason); code != exitOK {
		t.Errorf("--fail-on error: exit %d\n%s", code, out)
	}
	typo := write(t, dir, "typo.yaml", strings.Replace(suppressedPod, "ignore privileged-containers", "ignore privilegd-containers", 1))
	code, out, _ = runCLI(t, "", typo)
	if code != exitFindings || !strings.Contains(out, `invalid-ignore: unknown rule "privilegd-containers" in suppression (did you mean "privileged-containers"?)`) ||
		!strings.Contains(out, "warning privileged-containers") {
		t.Errorf("typo: exit %d\n%s", code, out)
	}
}

func TestReportUnusedIgnores(t *testing.T) {
	unused := strings.Replace(goodPod, "metadata: {name: ok}",
		"metadata:\n  name: ok\n  annotations: {secctx-lint.io/ignore: \"host-paths: mounts /var/log\"}", 1)
	p := write(t, t.TempDir(), "pod.yaml", unused)
	if code, out, _ := runCLI(t, "", p); code != exitOK || strings.Contains(out, "unused-ignore") {
		t.Errorf("without the flag: exit %d\n%s", code, out)
	}
	code, out, _ := runCLI(t, "", "--report-unused-ignores", p)
	if code != exitFindings || !strings.Contains(out, "pod.yaml:5:40: warning unused-ignore: the suppression of host-paths silences nothing here [Pod/default/ok]") {
		t.Errorf("with the flag: exit %d\n%s", code, out)
	}
}

// --fix leaves suppressed findings alone and fixes the rest.
func TestFixSkipsSuppressed(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [2000]
    seccompProfile: {type: RuntimeDefault}
  containers:
  # secctx-lint:ignore privilege-escalation: the vendor image needs setuid
  - name: vendor
    image: vendor/agent
  - name: app
    image: nginx
`
	p := write(t, t.TempDir(), "pod.yaml", src)
	code, out, errs := runCLI(t, "", "--fix", "--strict", p)
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fixed := string(got)
	vendor, app, _ := strings.Cut(fixed, "- name: app")
	if strings.Contains(vendor, "allowPrivilegeEscalation") || !strings.Contains(app, "allowPrivilegeEscalation: false") {
		t.Errorf("fixed the suppressed container or not the other (exit %d):\n%s\n%s%s", code, fixed, out, errs)
	}
	if code != exitOK || !strings.Contains(out, "1 suppressed") {
		t.Errorf("after --fix: exit %d\n%s%s", code, out, errs)
	}
}

func TestHelpExplainsSuppressions(t *testing.T) {
	_, out, _ := runCLI(t, "", "--help")
	for _, want := range []string{"-no-ignores", "-report-unused-ignores", "Suppressions:", "# secctx-lint:ignore rule[,rule...]: reason", "secctx-lint.io/ignore"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}

// The README's example silences every finding it has, and nothing is unused.
func TestReadmeSuppressionExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Suppressions")
	_, example, ok2 := strings.Cut(section, "```yaml\n")
	example, _, ok3 := strings.Cut(example, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("no yaml example in the README's Suppressions section")
	}
	p := write(t, t.TempDir(), "agent.yaml", example)
	// As the README says: under the default initiative five findings are
	// silenced, no suppression is unused, and the rest is what --fix
	// writes (the --diff exit status is that of the fixed text).
	code, out, errs := runCLI(t, "", "--config", "none", "--report-unused-ignores", "--diff", p)
	if code != exitOK || !strings.Contains(errs, "0 errors, 0 warnings, 0 notices, 5 suppressed") || !strings.Contains(out, "+        runAsUser: 1000") {
		t.Errorf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI(t, "", "--config", "none", "--no-ignores", p)
	for _, rule := range []string{"host-namespaces", "volume-types", "capabilities", "privilege-escalation", "privileged-containers"} {
		if code != exitFindings || !strings.Contains(out, " "+rule+": ") && !strings.Contains(out, " "+rule+" (strict): ") {
			t.Errorf("--no-ignores: exit %d, no %s finding\n%s", code, rule, out)
		}
	}
}

// A container whose findings a comment suppresses is not changed through
// the pod either: the pod-level fields it would inherit are not written
// for the other containers' findings of the rules suppressed (a note
// says so), while the other rules' fixes, and pod-only fields, are.
func TestFixLeavesSuppressedContainersAlone(t *testing.T) {
	pod := func(ignore string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mixed\nspec:\n  containers:\n  # secctx-lint:ignore " + ignore + ": vendor agent runs as root, SEC-123\n  - name: agent\n    image: vendor/agent\n  - name: app\n    image: nginx\n    securityContext:\n      allowPrivilegeEscalation: false\n"
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		ignore         string
		written, unset []string // pod-level fields
	}{
		{"all", []string{"fsGroup"}, []string{"runAsUser", "runAsNonRoot", "runAsGroup", "seccompProfile"}},
		{"users-groups", []string{"fsGroup", "seccompProfile"}, []string{"runAsUser", "runAsNonRoot", "runAsGroup"}},
		{"seccomp", []string{"fsGroup", "runAsGroup"}, []string{"seccompProfile"}},
	} {
		p := write(t, dir, "pod.yaml", pod(tt.ignore))
		_, diff, stderr := runCLI(t, "", "--diff", p)
		for _, f := range tt.written {
			if !strings.Contains(diff, "+    "+f+":") {
				t.Errorf("ignore %s: %s not written at pod level:\n%s", tt.ignore, f, diff)
			}
		}
		for _, f := range tt.unset {
			if strings.Contains(diff, "+    "+f+":") {
				t.Errorf("ignore %s: %s written at pod level, the agent would inherit it:\n%s", tt.ignore, f, diff)
			}
			if !strings.Contains(stderr, "container agent, whose ") || !strings.Contains(stderr, "would inherit securityContext.") {
				t.Errorf("ignore %s: no note about the agent:\n%s", tt.ignore, stderr)
			}
		}
	}
	// The agent setting its own runAsUser does not inherit the pod's.
	p := write(t, dir, "pod.yaml", strings.Replace(pod("users-groups"), "    image: vendor/agent\n", "    image: vendor/agent\n    securityContext: {runAsUser: 0, runAsGroup: 0}\n", 1))
	if _, diff, _ := runCLI(t, "", "--diff", p); !strings.Contains(diff, "+    runAsGroup: 3000") {
		t.Errorf("the agent sets its own runAsGroup, the pod's can be written:\n%s", diff)
	}
}

// A comment on spec: suppresses the pod's missing fields of its rules
// also once a fix has written the pod's securityContext (for another
// rule's findings), where those findings are then placed: a second --fix
// wrote the fsGroup the comment suppressed.
func TestSpecSuppressionSurvivesTheFix(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:   # secctx-lint:ignore users-groups: fsGroup is set by the admission webhook\n  containers:\n  - name: app\n    image: nginx\n    securityContext:\n      allowPrivilegeEscalation: false\n")
	runCLI(t, "", "--fix", p)
	once := string(mustRead(t, p))
	if !strings.Contains(once, "\n  securityContext:\n    runAsGroup") || strings.Contains(once, "fsGroup:") {
		t.Fatalf("after one --fix:\n%s", once)
	}
	code, out, _ := runCLI(t, "", "--fix", p)
	if twice := string(mustRead(t, p)); twice != once {
		t.Errorf("a second --fix changed the file:\n%s", twice)
	}
	if code != exitOK || !strings.Contains(out, "2 suppressed") {
		t.Errorf("after the fix: exit %d\n%s", code, out)
	}
}
