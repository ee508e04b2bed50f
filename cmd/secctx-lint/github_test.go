package main

// These tests build the real binary and run it as a GitHub Actions step
// would: GITHUB_ACTIONS=true with temporary GITHUB_WORKSPACE, GITHUB_OUTPUT
// and GITHUB_STEP_SUMMARY, then read stdout, stderr and the files the way
// the runner does (internal/actionstest).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/actionstest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secctx-lint-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, "secctx-lint")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const ghBadPod = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: %s
spec:
  template:
    spec:
      containers:
        - name: %s
          image: nginx
          securityContext:
            privileged: true
`

const ghGoodPod = `apiVersion: v1
kind: Pod
metadata:
  name: ok
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
  containers:
    - name: app
      image: nginx
      securityContext:
        allowPrivilegeEscalation: false
`

type step struct {
	ws, out, summary string
	stdout, stderr   string
	code             int
}

// runStep runs the binary in dir (below a fresh workspace) with env added.
func runStep(t *testing.T, ws, dir string, env []string, args ...string) *step {
	t.Helper()
	s := &step{ws: ws, out: filepath.Join(t.TempDir(), "output"), summary: filepath.Join(t.TempDir(), "summary")}
	for _, f := range []string{s.out, s.summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	constraints, _ := filepath.Abs("testdata/constraints.yaml")
	cmd := exec.Command(binary, append([]string{"--constraint", constraints}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws,
		"GITHUB_OUTPUT=" + s.out, "GITHUB_STEP_SUMMARY=" + s.summary,
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		s.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	s.stdout, s.stderr = stdout.String(), stderr.String()
	if strings.Contains(s.stderr, "panic") || strings.Contains(s.stderr, "goroutine ") {
		t.Fatalf("panic:\n%s", s.stderr)
	}
	return s
}

func (s *step) outputs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(s.out)
	if err != nil {
		t.Fatal(err)
	}
	o, err := actionstest.Outputs(string(b))
	if err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, b)
	}
	return o
}

func (s *step) summaryText(t *testing.T) string {
	b, err := os.ReadFile(s.summary)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestActionStep(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "deploy/bad.yaml"), fmt.Sprintf(ghBadPod, "web", "prod", "app"))
	writeFile(t, filepath.Join(ws, "deploy/good.yaml"), ghGoodPod)
	// working-directory: deploy, as the action's input would set it.
	s := runStep(t, ws, filepath.Join(ws, "deploy"), nil, "--sarif-file", "../out.sarif", ".")
	if s.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", s.code, s.stdout, s.stderr)
	}
	levels := map[string]int{}
	for _, l := range actionstest.Lines(s.stdout) {
		c, ok := actionstest.Parse(l)
		if !ok {
			t.Fatalf("stdout line is not a command: %q", l)
		}
		levels[c.Name]++
		if c.Properties["file"] != "deploy/bad.yaml" {
			t.Errorf("file = %q, want deploy/bad.yaml (relative to GITHUB_WORKSPACE)", c.Properties["file"])
		}
		for _, k := range []string{"line", "endline", "title"} {
			if c.Properties[k] == "" {
				t.Errorf("annotation without %s: %q", k, l)
			}
		}
		if c.Name == "error" && (c.Properties["line"] != "13" || c.Properties["col"] != "13" || c.Properties["endcolumn"] != "29" ||
			!strings.Contains(c.Properties["title"], "privileged-containers") || !strings.Contains(c.Properties["title"], "Kubernetes cluster should not allow privileged containers")) {
			t.Errorf("error annotation: %+v", c)
		}
	}
	if levels["error"] != 1 || levels["warning"] != 1 || levels["notice"] != 1 {
		t.Errorf("annotations per level = %v", levels)
	}
	o := s.outputs(t)
	sarif := filepath.Join(ws, "out.sarif")
	want := map[string]string{"findings": "3", "errors": "1", "warnings": "1", "notices": "1", "fixed-files": "0", "sarif-file": sarif}
	if fmt.Sprint(o) != fmt.Sprint(want) {
		t.Errorf("outputs = %v\nwant %v", o, want)
	}
	if b, err := os.ReadFile(sarif); err != nil || !bytes.Contains(b, []byte(`"uri": "deploy/bad.yaml"`)) {
		t.Errorf("SARIF file: %v\n%.600s", err, b)
	}
	sum := s.summaryText(t)
	for _, w := range []string{"## secctx-lint", "**1 error, 1 warning, 1 notice**", "### `deploy/bad.yaml`", "| 13 | `Deployment/prod/web` | `app` |", "`privileged-containers`", "SARIF: `out.sarif`",
		"Judged with Gatekeeper constraints `" + mustAbs(t, "testdata/constraints.yaml") + "`."} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}

	// With the runner's repository variables, every finding links to its
	// line on GitHub; the judged-with line names the initiative.
	sha := strings.Repeat("ab", 20)
	gh := []string{"GITHUB_SERVER_URL=https://github.example", "GITHUB_REPOSITORY=acme/deploys", "GITHUB_SHA=" + sha}
	writeFile(t, filepath.Join(ws, "odd (1)/x.yaml"), fmt.Sprintf(ghBadPod, "odd", "prod", "app"))
	s = runStep(t, ws, ws, gh, "--fail-on", "never", "deploy", "odd (1)")
	sum = s.summaryText(t)
	for _, w := range []string{
		"| [13](https://github.example/acme/deploys/blob/" + sha + "/deploy/bad.yaml#L13) | `Deployment/prod/web` |",
		"| [13](https://github.example/acme/deploys/blob/" + sha + "/odd%20%281%29/x.yaml#L13) | `Deployment/prod/odd` |",
	} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
	// A repository value the runner would not set is no link.
	s = runStep(t, ws, ws, append(gh, "GITHUB_REPOSITORY=acme/x)y"), "--fail-on", "never", "deploy")
	if sum := s.summaryText(t); strings.Contains(sum, "](") && strings.Contains(sum, "/blob/") {
		t.Errorf("linked with a bad repository:\n%s", sum)
	}

	// fail-on never: exit 0, same outputs.
	s = runStep(t, ws, ws, nil, "--fail-on", "never", "deploy")
	if s.code != 0 || s.outputs(t)["findings"] != "3" || s.outputs(t)["sarif-file"] != "" {
		t.Errorf("fail-on never: exit %d, outputs %v", s.code, s.outputs(t))
	}
	// A clean tree: no annotations, zero outputs.
	s = runStep(t, ws, ws, nil, "deploy/good.yaml")
	if s.code != 0 || s.stdout != "" || s.outputs(t)["findings"] != "0" {
		t.Errorf("good file: exit %d, stdout %q, outputs %v", s.code, s.stdout, s.outputs(t))
	}
}

func TestActionAnnotationCap(t *testing.T) {
	ws := t.TempDir()
	for i := 0; i < 14; i++ {
		writeFile(t, filepath.Join(ws, fmt.Sprintf("d/%02d.yaml", i)), fmt.Sprintf(ghBadPod, fmt.Sprint("w", i), "prod", "app"))
	}
	// An input error is an error annotation but not a finding: the
	// notice's count must still match the findings output.
	writeFile(t, filepath.Join(ws, "d/broken.yaml"), "apiVersion: v1\nkind: [\n")
	s := runStep(t, ws, ws, nil, "--sarif-file", "all.sarif", "d")
	count := map[string]int{}
	more, title := "", ""
	for _, l := range actionstest.Lines(s.stdout) {
		c, ok := actionstest.Parse(l)
		if !ok {
			t.Fatalf("not a command: %q", l)
		}
		count[c.Name]++
		if strings.Contains(c.Data, "more finding") {
			more, title = c.Data, c.Properties["title"]
		}
	}
	if count["error"] != 10 || count["warning"] != 10 || count["notice"] != 10 {
		t.Errorf("annotations = %v, want 10 per level", count)
	}
	// 42 findings and an input error: 29 shown + the "more" notice.
	if !strings.Contains(more, "14 more findings not shown") || !strings.Contains(more, "job summary") || !strings.Contains(more, "all.sarif") {
		t.Errorf("more notice = %q", more)
	}
	if title != "secctx-lint: 42 findings in all, 1 input error" {
		t.Errorf("more notice title = %q", title)
	}
	if o := s.outputs(t); o["findings"] != "42" || o["errors"] != "14" {
		t.Errorf("outputs = %v", o)
	}
}

// hostile names and values: each tries to end a line, start a workflow
// command, or smuggle in an output.
var hostileNames = []string{
	"a,line=1,title=x:y%0A",
	"b\n::error file=x::pwned",
	"c##[error]legacy",
	"d\r::warning::cr",
	"::error::start",
	"  ::notice::indented",
	"_GitHubActionsFileCommandDelimeter_",
	"e\u2028::error::ls",
	"f`|<b>x</b>",
	"50%d %s",
}

// TestActionHostile feeds hostile file names and manifest values through
// every path that prints (each format, stderr, outputs, summary) and checks
// that the runner would see no command but our annotations.
func TestActionHostile(t *testing.T) {
	ws := t.TempDir()
	for i, h := range hostileNames {
		q := func(s string) string { return fmt.Sprintf("%q", s) } // a YAML double-quoted scalar
		writeFile(t, filepath.Join(ws, "m", h+fmt.Sprint(i)+".yaml"), fmt.Sprintf(ghBadPod, q(h), q(h), q(h)))
	}
	// A file that cannot be parsed, with a hostile name and content.
	writeFile(t, filepath.Join(ws, "m", "::error::broken\n.yaml"), "apiVersion: v1\nkind: Pod\na: [\n::error::in yaml\n##[warning]x\n")
	for _, format := range []string{"", "github", "text", "json", "sarif", "rdjsonl"} {
		args := []string{"--sarif-file", filepath.Join(t.TempDir(), "x.sarif"), "m"}
		if format != "" {
			args = append([]string{"--format", format}, args...)
		}
		s := runStep(t, ws, ws, nil, args...)
		if s.code != 3 {
			t.Errorf("%s: exit %d, want 3 (an input could not be parsed)\nstderr: %s", format, s.code, s.stderr)
		}
		ours := 0
		for _, l := range actionstest.Lines(s.stdout) {
			if !actionstest.IsCommand(l) {
				continue
			}
			c, ok := actionstest.Parse(l)
			if format != "" && format != "github" || !ok || (c.Name != "error" && c.Name != "warning" && c.Name != "notice") {
				t.Errorf("%s: stdout line is a command: %q", format, l)
				continue
			}
			ours++
		}
		if (format == "" || format == "github") && ours != 1+3*len(hostileNames) && ours < 28 {
			t.Errorf("%s: %d annotations", format, ours)
		}
		for _, l := range actionstest.Lines(s.stderr) {
			if actionstest.IsCommand(l) {
				t.Errorf("%s: stderr line is a command: %q", format, l)
			}
		}
		o := s.outputs(t)
		if len(o) != 6 || o["findings"] != fmt.Sprint(3*len(hostileNames)) {
			t.Errorf("%s: outputs = %v", format, o)
		}
		sum := s.summaryText(t)
		if strings.Contains(sum, "<b>x</b>") && !strings.Contains(sum, "`` f`") {
			t.Errorf("%s: raw HTML in the summary", format)
		}
	}

	// Annotations carry the hostile file names exactly.
	s := runStep(t, ws, ws, nil, "m")
	files := map[string]bool{}
	for _, l := range actionstest.Lines(s.stdout) {
		c, _ := actionstest.Parse(l)
		files[c.Properties["file"]] = true
	}
	for i, h := range hostileNames[:3] {
		if f := "m/" + h + fmt.Sprint(i) + ".yaml"; !files[f] {
			t.Errorf("annotation for %q missing or mangled: %v", f, files)
		}
	}
}

// TestSarifFileOutputRefused: a SARIF path that would break GITHUB_OUTPUT
// is written but not set as an output.
func TestSarifFileOutputRefused(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "bad.yaml"), fmt.Sprintf(ghBadPod, "web", "prod", "app"))
	name := "x\n_GitHubActionsFileCommandDelimeter_\nfindings=0\n::error::y.sarif"
	s := runStep(t, ws, ws, nil, "--sarif-file", name, "bad.yaml")
	o := s.outputs(t)
	if o["findings"] != "3" || o["sarif-file"] != "" {
		t.Errorf("outputs = %v", o)
	}
	if !strings.Contains(s.stderr, "sarif-file") {
		t.Errorf("no message about the refused output: %q", s.stderr)
	}
	for _, l := range actionstest.Lines(s.stderr) {
		if actionstest.IsCommand(l) {
			t.Errorf("stderr line is a command: %q", l)
		}
	}
}

// TestOutsideActions: no workflow commands and no panics without the env.
func TestOutsideActions(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "bad.yaml"), fmt.Sprintf(ghBadPod, "web", "prod", "app"))
	constraints, _ := filepath.Abs("testdata/constraints.yaml")
	for _, env := range [][]string{
		{},
		{"GITHUB_ACTIONS=false"},
		{"GITHUB_ACTIONS=true"}, // no env files
		{"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=/nonexistent/dir/out", "GITHUB_STEP_SUMMARY=/nonexistent/dir/sum"},
	} {
		cmd := exec.Command(binary, "--constraint", constraints, "bad.yaml")
		cmd.Dir, cmd.Env = ws, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("%v: %v, want exit 1\n%s", env, err, stderr.String())
		}
		if strings.Contains(stderr.String(), "panic") {
			t.Errorf("%v: panic\n%s", env, stderr.String())
		}
		actions := len(env) > 0 && env[0] == "GITHUB_ACTIONS=true"
		for _, l := range actionstest.Lines(stdout.String()) {
			if actionstest.IsCommand(l) && !actions {
				t.Errorf("%v: workflow command outside Actions: %q", env, l)
			}
		}
		if !actions && !strings.Contains(stdout.String(), "bad.yaml:13:13: error privileged-containers") {
			t.Errorf("%v: not the text format:\n%s", env, stdout.String())
		}
		if len(env) == 4 && !strings.Contains(stderr.String(), "job summary") {
			t.Errorf("unwritable env files not reported: %q", stderr.String())
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestJudgedWith: the job summary's "judged with" line names what the
// run judged with: the default initiative with its scope, or the
// configuration file and each of its assignments.
func TestJudgedWith(t *testing.T) {
	cfg, _, err := parseFlags([]string{"--config", "none"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := constraints(cfg); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cfg.judgedWith); got != "[{initiative restricted Audit, every namespace but kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system}]" {
		t.Errorf("default: %s", got)
	}
	conf := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, conf, `assignments:
  - name: teams
    initiative: restricted
    effect: deny
    namespaces: [shop, "team-*"]
  - name: ingress
    initiative: baseline
    namespaces: [ingress]
`)
	cfg, _, err = parseFlags([]string{"--config", conf}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := constraints(cfg); err != nil {
		t.Fatal(err)
	}
	want := "[{configuration " + conf + " } {initiative restricted Deny, namespaces shop, team-* but kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system} {initiative baseline Audit, namespaces ingress but kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system}]"
	if got := fmt.Sprint(cfg.judgedWith); got != want {
		t.Errorf("configuration:\n got %s\nwant %s", got, want)
	}
}

// Inside Actions --diff shows the diff between stop-commands and resume
// lines, byte for byte the diff outside Actions, so a manifest line
// starting with "::" is not run; the report on stderr still makes
// annotations (it went through stderr's filter, which broke them).
func TestDiffInActions(t *testing.T) {
	ws := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: nginx\n    args:\n    - |\n      ::stop-commands::hide\n      ::error file=README.md::injected\n  - name: root\n    image: busybox\n    securityContext:\n      privileged: true\n"
	writeFile(t, filepath.Join(ws, "pod.yaml"), pod)
	plain := runStep(t, ws, ws, []string{"GITHUB_ACTIONS=false"}, "--diff", "pod.yaml")
	s := runStep(t, ws, ws, nil, "--diff", "pod.yaml")
	if plain.stdout == "" || s.code != plain.code {
		t.Fatalf("exit %d (outside Actions %d), diff outside Actions:\n%s", s.code, plain.code, plain.stdout)
	}
	m := regexp.MustCompile(`^::stop-commands::([0-9a-f]{32})\n((?s).*)::([0-9a-f]{32})::\n$`).FindStringSubmatch(s.stdout)
	if m == nil || m[1] != m[3] || m[2] != plain.stdout {
		t.Fatalf("stdout in Actions:\n%s\nwant the diff between stop-commands and resume lines:\n%s", s.stdout, plain.stdout)
	}
	if !strings.Contains(plain.stdout, "\n       ::error file=README.md::injected\n") || !strings.Contains(plain.stdout, "\n       ::stop-commands::hide\n") {
		t.Fatalf("the diff does not show the manifest's command line, the test proves nothing:\n%s", plain.stdout)
	}
	annotations := 0
	for _, l := range actionstest.Lines(s.stderr) {
		if c, ok := actionstest.Parse(l); ok && (c.Name == "warning" || c.Name == "error") && c.Properties["file"] == "pod.yaml" {
			annotations++
		}
	}
	if annotations == 0 {
		t.Errorf("no annotation on stderr:\n%s", s.stderr)
	}
}
