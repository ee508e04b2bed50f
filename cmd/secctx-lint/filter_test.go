package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/filter"
	"github.com/secctx-lint/secctx-lint/internal/gittest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/report"
)

// TestOnlyNewCLI: --new-from-rev and --baseline on a temporary git
// repository, through the command line, as the action runs them.
func TestOnlyNewCLI(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := gittest.In(t, dir)
	git("init", "-q")
	write(t, dir, "deploy/old.yaml", badPod)
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	base := git("rev-parse", "HEAD")
	t.Chdir(dir)

	// Nothing changed: exit 0, and stderr says what was left out.
	code, out, errs := runCLI(t, "", "--new-from-rev", base, "deploy")
	if code != exitOK || !strings.Contains(errs, "not reported: ") || !strings.Contains(errs, "on lines unchanged since "+base) {
		t.Errorf("unchanged: exit %d\n%s\n%s", code, out, errs)
	}
	// Inside Actions the job summary says it too.
	summary := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(summary, nil, 0o644)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}
	var sout, serr strings.Builder
	if code := run([]string{"--new-from-rev", base, "deploy"}, strings.NewReader(""), &sout, &serr, func(k string) string { return env[k] }); code != exitOK {
		t.Errorf("in Actions: exit %d\n%s", code, serr.String())
	}
	if b, _ := os.ReadFile(summary); !strings.Contains(string(b), "Not reported: ") || !strings.Contains(string(b), "unchanged since "+base) {
		t.Errorf("summary does not say what was left out:\n%s", b)
	}

	// A new file is new.
	write(t, dir, "deploy/new.yaml", strings.ReplaceAll(badPod, "name: web", "name: fresh"))
	code, out, _ = runCLI(t, "", "--new-from-rev", base, "--format", "json", "deploy")
	if code != exitFindings || !strings.Contains(out, `"name": "fresh"`) || strings.Contains(out, `"file": "deploy/old.yaml"`) {
		t.Errorf("new file: exit %d\n%s", code, out)
	}

	// --write-baseline accepts everything; --baseline then reports nothing
	// but what comes after.
	code, _, errs = runCLI(t, "", "--write-baseline", "accepted.json", "deploy")
	if code != exitOK || !strings.Contains(errs, "to accepted.json") {
		t.Fatalf("--write-baseline: exit %d\n%s", code, errs)
	}
	if code, out, errs := runCLI(t, "", "--baseline", "accepted.json", "deploy"); code != exitOK || !strings.Contains(errs, "accepted in accepted.json") {
		t.Errorf("--baseline: exit %d\n%s\n%s", code, out, errs)
	}
	write(t, dir, "deploy/later.yaml", strings.ReplaceAll(badPod, "name: web", "name: later"))
	if code, out, _ := runCLI(t, "", "--baseline", "accepted.json", "--format", "json", "deploy"); code != exitFindings || !strings.Contains(out, `"name": "later"`) || strings.Contains(out, `"name": "fresh"`) {
		t.Errorf("--baseline after a new pod: exit %d\n%s", code, out)
	}

	for _, bad := range [][]string{
		{"--new-from-rev", "nope", "deploy"},
		{"--baseline", filepath.Join(dir, "missing.json"), "deploy"},
		{"--write-baseline", "x.json", "--fix", "deploy"},
	} {
		if code, _, errs := runCLI(t, "", bad...); code != exitUsage {
			t.Errorf("%q: exit %d, %s", bad, code, errs)
		}
	}
}

// TestOnlyNewCLIOverlay is review 1's item 3 through the command line: an
// overlay moved out of kube-system changes no line a finding points at,
// and its findings are new all the same.
func TestOnlyNewCLIOverlay(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := gittest.In(t, dir)
	git("init", "-q")
	write(t, dir, "base/kustomization.yaml", "resources:\n- pod.yaml\n")
	write(t, dir, "base/pod.yaml", badPod)
	write(t, dir, "overlays/sys/kustomization.yaml", "namespace: kube-system\nresources:\n- ../../base\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	t.Chdir(dir)
	write(t, dir, "overlays/sys/kustomization.yaml", "namespace: prod\nresources:\n- ../../base\n")
	all, allOut, _ := runCLI(t, "", "--format", "json", ".")
	code, out, errs := runCLI(t, "", "--new-from-rev", "HEAD", "--format", "json", ".")
	if all != exitFindings || code != exitFindings || out != allOut || strings.Contains(errs, "not reported") {
		t.Errorf("namespace changed in the overlay: exit %d (%d without the flag)\n%s\n%s", code, all, out, errs)
	}
}

// TestKeepBatchCarriesSuggestion: a workload's one suggestion rides on
// its first fixable finding; when the filter leaves that finding out, the
// next kept finding of the workload carries it.
func TestKeepBatchCarriesSuggestion(t *testing.T) {
	dir := t.TempDir()
	f1 := lint.Finding{Rule: "seccomp", Kind: "Pod", Name: "p", File: "a.yaml", Field: "x"}
	f2 := lint.Finding{Rule: "users-groups", Kind: "Pod", Name: "p", File: "a.yaml", Field: "y"}
	bl := filepath.Join(dir, "b.json")
	if err := filter.WriteBaseline(bl, []lint.Finding{f1}); err != nil {
		t.Fatal(err)
	}
	b, err := filter.ReadBaseline(bl)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config{filter: &filter.Filter{Baseline: b}}
	s := []report.Suggestion{{Text: "fix it all"}}
	fs, sugg := cfg.keepBatch([]lint.Finding{f1, f2}, [][]report.Suggestion{s, nil})
	if len(fs) != 1 || fs[0].Rule != "users-groups" || len(sugg) != 1 || len(sugg[0]) != 1 || sugg[0][0].Text != "fix it all" {
		t.Errorf("kept %+v with %+v", fs, sugg)
	}
}
