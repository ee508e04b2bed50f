package packaging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/actionstest"
	"github.com/secctx-lint/secctx-lint/internal/gittest"
)

// The tests of the action's only-new path: git repositories shaped like a
// pull request's checkout (a shallow clone of refs/pull/N/merge, with a
// local "origin" standing in for GitHub), and the Run step of action.yml
// run as the runner runs it, against the real binary.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// realBinary builds cmd/secctx-lint once for the package's tests.
func realBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "secctx-lint-packaging-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "secctx-lint")
		out, err := exec.Command("go", "build", "-o", binPath, root+"/cmd/secctx-lint").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// runStepEnv maps the Run step's env: block to values: an input takes
// in[name] (action.yml's default when unset), a github.event value takes
// event[path] ("pull_request.base.sha").
func runStepEnv(t *testing.T, a *actionFile, stepEnv map[string]string, in, event map[string]string) []string {
	t.Helper()
	var env []string
	inputRef := regexp.MustCompile(`^\$\{\{ inputs\.([a-z-]+) \}\}$`)
	eventRef := regexp.MustCompile(`^\$\{\{ github\.event\.([a-z_.]+) \}\}$`)
	for k, v := range stepEnv {
		if m := eventRef.FindStringSubmatch(v); m != nil {
			env = append(env, k+"="+event[m[1]])
			continue
		}
		m := inputRef.FindStringSubmatch(v)
		if m == nil {
			t.Fatalf("env %s = %q is neither an input nor an event value", k, v)
		}
		val, ok := in[m[1]]
		if !ok && a.Inputs[m[1]].Default != nil {
			val = *a.Inputs[m[1]].Default
		}
		env = append(env, k+"="+val)
	}
	return env
}

// stepResult is what a run of the Run step left.
type stepResult struct {
	code           int
	stdout, stderr string
	outputs        map[string]string
	calls          [][]string // the binary's argument lists, in order
	annotations    []actionstest.Command
}

// objects returns the workload names the annotations are about, sorted
// and without repeats.
func (r *stepResult) objects() []string {
	var names []string
	for _, a := range r.annotations {
		if m := regexp.MustCompile(`Deployment/[a-z0-9-]+/([a-z0-9-]+)`).FindStringSubmatch(a.Data + " " + a.Properties["title"]); m != nil && !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// runRunStep runs the Run step of action.yml in dir as the runner does
// (bash --noprofile --norc -eo pipefail), with the real binary behind a
// wrapper that records its arguments. extra adds to or overrides the
// environment.
func runRunStep(t *testing.T, ws, dir string, in, event map[string]string, extra ...string) *stepResult {
	t.Helper()
	a := loadAction(t)
	var run string
	var stepEnv map[string]string
	for _, s := range a.Runs.Steps {
		if s.ID == "run" {
			run, stepEnv = s.Run, s.Env
		}
	}
	temp := t.TempDir()
	binDir := filepath.Join(temp, "secctx-lint", "bin")
	os.MkdirAll(binDir, 0o755)
	argLog := filepath.Join(temp, "calls")
	// One call per line, its arguments separated by NUL-free tabs.
	wrapper := fmt.Sprintf("#!/bin/bash\n(IFS=$'\\t'; printf '%%s\\n' \"$*\") >> %q\nexec %q \"$@\"\n", argLog, realBinary(t))
	if err := os.WriteFile(filepath.Join(binDir, "secctx-lint"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(temp, "run.sh")
	os.WriteFile(script, []byte(run), 0o644)
	out := filepath.Join(temp, "output")
	os.WriteFile(out, nil, 0o644)
	home := t.TempDir()
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "RUNNER_TEMP=" + temp, "RUNNER_OS=Linux",
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + out, "GITHUB_EVENT_NAME=pull_request",
		"GIT_CONFIG_NOSYSTEM=1"}, runStepEnv(t, a, stepEnv, in, event)...)
	cmd.Env = append(cmd.Env, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := &stepResult{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("run step: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	ob, _ := os.ReadFile(out)
	if r.outputs, err = actionstest.Outputs(string(ob)); err != nil {
		t.Fatal(err)
	}
	cb, _ := os.ReadFile(argLog)
	for _, l := range strings.Split(strings.TrimSuffix(string(cb), "\n"), "\n") {
		if l != "" {
			r.calls = append(r.calls, strings.Split(l, "\t"))
		}
	}
	for _, l := range actionstest.Lines(r.stdout) {
		if c, ok := actionstest.Parse(l); ok && c.Properties["file"] != "" {
			r.annotations = append(r.annotations, c)
		}
	}
	return r
}

// flagValue returns the value after flag in args ("" when absent).
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func deployment(name string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
		"\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n"
}

// prRepo is a pull request as GitHub holds it: in up (the "origin"), main
// at base (the payload's base.sha, B0), the PR's branch at head, then a
// commit landed on main after the PR was opened (B1), and refs/pull/1/merge
// at merge: the PR merged into main as it is now (parents B1, head).
type prRepo struct {
	up                string
	base, head, merge string
	later             string // B1, the merge's first parent
}

func newPRRepo(t *testing.T) *prRepo {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	up := t.TempDir()
	git := gittest.In(t, up)
	git("init", "-q", "-b", "main")
	// GitHub serves any commit reachable from a ref (actions/checkout
	// fetches the merge commit by its SHA).
	git("config", "uploadpack.allowReachableSHA1InWant", "true")
	os.MkdirAll(filepath.Join(up, "deploy"), 0o755)
	write := func(name, body string) { os.WriteFile(filepath.Join(up, name), []byte(body), 0o644) }
	write("deploy/old.yaml", deployment("old"))
	git("add", "-A")
	git("commit", "-q", "-m", "B0")
	p := &prRepo{up: up, base: git("rev-parse", "HEAD")}
	git("checkout", "-q", "-b", "feature")
	write("deploy/pr.yaml", deployment("from-the-pr"))
	git("add", "-A")
	git("commit", "-q", "-m", "the PR")
	p.head = git("rev-parse", "HEAD")
	git("checkout", "-q", "main")
	write("deploy/later.yaml", deployment("landed-on-main-later"))
	git("add", "-A")
	git("commit", "-q", "-m", "B1")
	p.later = git("rev-parse", "HEAD")
	git("checkout", "-q", "--detach", "main")
	git("merge", "-q", "--no-ff", "--no-edit", "feature")
	p.merge = git("rev-parse", "HEAD")
	git("update-ref", "refs/pull/1/merge", p.merge)
	git("checkout", "-q", "main")
	return p
}

// checkout clones the PR as actions/checkout does: a new repository with
// origin at up, the commit fetched with --depth=1 (the default
// fetch-depth) and checked out detached.
func (p *prRepo) checkout(t *testing.T, commit string) string {
	ws := t.TempDir()
	git := gittest.In(t, ws)
	git("init", "-q")
	git("remote", "add", "origin", "file://"+p.up)
	git("fetch", "-q", "--no-tags", "--depth=1", "origin", commit)
	git("checkout", "-q", "--detach", commit)
	return ws
}

func (p *prRepo) event() map[string]string {
	return map[string]string{"pull_request.base.sha": p.base, "pull_request.head.sha": p.head}
}

// TestActionOnlyNewMergeBase: on the PR's merge commit only-new compares
// with the merge's first parent (the base branch as the merge saw it), not
// with the payload's base.sha, which lags behind: a Deployment that landed
// on main after the PR was opened is not the PR's. The shallow checkout
// lacks that parent; the step fetches it.
func TestActionOnlyNewMergeBase(t *testing.T) {
	p := newPRRepo(t)
	ws := p.checkout(t, p.merge)
	r := runRunStep(t, ws, ws, nil, p.event())
	if r.code != 1 || len(r.calls) == 0 {
		t.Fatalf("exit %d, calls %v", r.code, r.calls)
	}
	if got := flagValue(r.calls[0], "--new-from-rev"); got != p.later {
		t.Errorf("--new-from-rev %q, want the merge's first parent %s (base.sha %s)", got, p.later, p.base)
	}
	if got := r.objects(); strings.Join(got, ",") != "from-the-pr" {
		t.Errorf("annotations about %v, want only from-the-pr", got)
	}

	// Checked out at the PR's head (ref: head.sha): no merge commit, so
	// base.sha it is.
	ws = p.checkout(t, p.head)
	r = runRunStep(t, ws, ws, nil, p.event())
	if len(r.calls) == 0 || flagValue(r.calls[0], "--new-from-rev") != p.base {
		t.Errorf("on the PR head: calls %v, want --new-from-rev %s", r.calls, p.base)
	}
	if got := r.objects(); strings.Join(got, ",") != "from-the-pr" {
		t.Errorf("on the PR head: annotations about %v, want only from-the-pr", got)
	}

	// A merge commit that is not this PR's (its second parent is another
	// commit): base.sha, as before.
	ev := p.event()
	ev["pull_request.head.sha"] = p.later
	ws = p.checkout(t, p.merge)
	r = runRunStep(t, ws, ws, nil, ev)
	if len(r.calls) == 0 || flagValue(r.calls[0], "--new-from-rev") != p.base {
		t.Errorf("another merge: calls %v, want --new-from-rev %s", r.calls, p.base)
	}
}

// TestActionOnlyNewNoBase: when the base commit cannot be fetched (no
// remote, credentials removed, a base.sha GitHub no longer has) or git
// cannot read the checkout at all, the step reports every finding with a
// warning that says why, instead of failing with exit 2 and no outputs.
func TestActionOnlyNewNoBase(t *testing.T) {
	p := newPRRepo(t)
	check := func(name string, r *stepResult, findings string) {
		t.Helper()
		if r.code != 1 || len(r.calls) != 1 || slices.Contains(r.calls[0], "--new-from-rev") {
			t.Errorf("%s: exit %d, calls %v; want exit 1 from a full report", name, r.code, r.calls)
		}
		if r.outputs["findings"] != findings {
			t.Errorf("%s: outputs %v, want all %s findings", name, r.outputs, findings)
		}
		var warned bool
		for _, l := range actionstest.Lines(r.stdout) {
			if c, ok := actionstest.Parse(l); ok && c.Name == "warning" && c.Properties["file"] == "" {
				warned = strings.Contains(c.Data, "every finding")
			}
		}
		if !warned {
			t.Errorf("%s: no ::warning:: saying that every finding is reported:\n%s", name, r.stdout)
		}
	}

	// The merge's first parent is not in the shallow clone, and origin
	// is gone.
	ws := p.checkout(t, p.merge)
	gittest.In(t, ws)("remote", "set-url", "origin", "file://"+filepath.Join(t.TempDir(), "gone"))
	// old, from-the-pr and landed-on-main-later: six each.
	check("no origin", runRunStep(t, ws, ws, nil, p.event()), "18")

	// A base.sha that origin does not have, on the PR's head.
	ws = p.checkout(t, p.head)
	ev := p.event()
	ev["pull_request.base.sha"] = strings.Repeat("0123456789", 4)
	check("unknown base.sha", runRunStep(t, ws, ws, nil, ev), "12") // no later.yaml on the PR's head

	// Not a git checkout (actions/checkout without git downloads a
	// tarball).
	plain := t.TempDir()
	os.WriteFile(filepath.Join(plain, "all.yaml"), []byte(deployment("old")+"---\n"+deployment("from-the-pr")+"---\n"+deployment("landed-on-main-later")), 0o644)
	check("no git", runRunStep(t, plain, plain, nil, p.event()), "18")
}

// TestActionOnlyNewContainer: in a container job the checkout belongs to
// the runner's user (1001) and steps run as root, so git refuses it
// ("dubious ownership") unless it is marked safe. The step marks it safe
// for itself only: HOME's git config is not written, and what it says
// still applies (here a url.insteadOf that origin needs). Runs as root only.
func TestActionOnlyNewContainer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (to hand the checkout to another user)")
	}
	p := newPRRepo(t)
	ws := p.checkout(t, p.merge)
	gittest.In(t, ws)("remote", "set-url", "origin", "https://example.invalid/acme/manifests")
	home := t.TempDir()
	userCfg := "[url \"file://" + p.up + "\"]\n\tinsteadOf = https://example.invalid/acme/manifests\n"
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(userCfg), 0o644)
	if out, err := exec.Command("chown", "-R", "1001:1001", ws).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v\n%s", err, out)
	}
	if out, err := exec.Command("git", "-C", ws, "rev-parse", "HEAD").CombinedOutput(); err == nil || !strings.Contains(string(out), "dubious ownership") {
		t.Skipf("this git does not refuse a checkout of another user: %s", out)
	}
	r := runRunStep(t, ws, ws, nil, p.event(), "HOME="+home)
	if r.code != 1 || len(r.calls) == 0 || flagValue(r.calls[0], "--new-from-rev") != p.later {
		t.Errorf("exit %d, calls %v; want --new-from-rev %s", r.code, r.calls, p.later)
	}
	if got := r.objects(); strings.Join(got, ",") != "from-the-pr" {
		t.Errorf("annotations about %v, want only from-the-pr", got)
	}
	if b, _ := os.ReadFile(filepath.Join(home, ".gitconfig")); string(b) != userCfg {
		t.Errorf("the user's git config changed:\n%s", b)
	}
	if out, err := exec.Command("git", "-C", ws, "rev-parse", "HEAD").CombinedOutput(); err == nil {
		t.Errorf("the checkout is still trusted after the step: %s", out)
	}
}

// TestActionOnlyNewSarif: only-new filters the annotations, the outputs and
// the exit status, not the SARIF file: code scanning compares a PR's
// analysis with the base branch's itself, and would show an alert missing
// from the PR's file as fixed by the PR.
func TestActionOnlyNewSarif(t *testing.T) {
	p := newPRRepo(t)
	ws := p.checkout(t, p.merge)
	os.MkdirAll(filepath.Join(ws, "deploy"), 0o755)
	r := runRunStep(t, ws, filepath.Join(ws, "deploy"), map[string]string{"sarif-file": "../out.sarif", "args": "--strict"}, p.event())
	if r.code != 1 || len(r.calls) != 2 {
		t.Fatalf("exit %d, calls %v; want exit 1 and a second call for the SARIF file", r.code, r.calls)
	}
	if got := r.objects(); strings.Join(got, ",") != "from-the-pr" {
		t.Errorf("annotations about %v, want only from-the-pr", got)
	}
	sarif := filepath.Join(ws, "out.sarif")
	if r.outputs["sarif-file"] != sarif || r.outputs["findings"] != "6" {
		t.Errorf("outputs %v: want the first call's (6 findings, sarif-file %s)", r.outputs, sarif)
	}
	full := r.calls[1]
	if slices.Contains(full, "--new-from-rev") || flagValue(full, "--sarif-file") != "../out.sarif" || !slices.Contains(full, "--strict") {
		t.Errorf("SARIF call %v: want the judging flags and --sarif-file without --new-from-rev", full)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					LogicalLocations []struct{ FullyQualifiedName string }
				}
			}
		}
	}
	b, err := os.ReadFile(sarif)
	if err == nil {
		err = json.Unmarshal(b, &log)
	}
	if err != nil || len(log.Runs) != 1 {
		t.Fatalf("SARIF file: %v (%d runs)", err, len(log.Runs))
	}
	if n := len(log.Runs[0].Results); n != 18 {
		t.Errorf("SARIF holds %d results, want all 18", n)
	}
	for _, name := range []string{"old", "from-the-pr", "landed-on-main-later"} {
		if !bytes.Contains(b, []byte("Deployment/default/"+name)) {
			t.Errorf("SARIF has no result for %s", name)
		}
	}

	// Without a SARIF file, or without only-new, the binary runs once.
	for _, in := range []map[string]string{nil, {"sarif-file": "x.sarif", "only-new": "false"}} {
		if r := runRunStep(t, ws, ws, in, p.event()); len(r.calls) != 1 {
			t.Errorf("inputs %v: calls %v, want one", in, r.calls)
		}
	}
}

// TestActionRunStepOldBash: bash before 4.4 (macOS's /bin/bash 3.2 on a
// self-hosted runner) aborts on "${a[@]}" of an empty array under set -u,
// so every array expansion of the Run step is guarded as
// ${a[@]+"${a[@]}"}, which means the same on every version, unless the
// array is never empty (never set to ()).
func TestActionRunStepOldBash(t *testing.T) {
	var run string
	for _, s := range loadAction(t).Runs.Steps {
		if s.ID == "run" {
			run = s.Run
		}
	}
	all := regexp.MustCompile(`"\$\{(\w+)\[@\]\}"`).FindAllStringSubmatchIndex(run, -1)
	if len(all) == 0 {
		t.Fatal("no array expansion found: the check would not bite")
	}
	for _, m := range all {
		name := run[m[2]:m[3]]
		guard := "${" + name + "[@]+"
		mayBeEmpty := strings.Contains(run, name+"=()") || !strings.Contains(run, name+"=(")
		if mayBeEmpty && (m[0] < len(guard) || run[m[0]-len(guard):m[0]] != guard) {
			line := strings.Count(run[:m[0]], "\n") + 1
			t.Errorf("run step line %d: %s unguarded (use ${%s[@]+\"${%s[@]}\"})", line, run[m[0]:m[1]], name, name)
		}
	}
}

// TestActionSarifFolder: a sarif-file in a folder that does not exist yet
// gets the folder, not exit 2 and no outputs.
func TestActionSarifFolder(t *testing.T) {
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "d.yaml"), []byte(deployment("web")), 0o644)
	r := runRunStep(t, ws, ws, map[string]string{"sarif-file": "results/scan/out.sarif"}, nil, "GITHUB_EVENT_NAME=push")
	if want := filepath.Join(ws, "results/scan/out.sarif"); r.code != 1 || r.outputs["sarif-file"] != want {
		t.Errorf("exit %d, outputs %v; want exit 1 and sarif-file %s", r.code, r.outputs, want)
	}
}
