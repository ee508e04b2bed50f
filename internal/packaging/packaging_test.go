// Package packaging checks the files that ship secctx-lint: action.yml and
// the example workflows (with actionlint as a library), the composite
// action's scripts (shellcheck, and run for real against the built binary),
// the Dockerfile (BuildKit's parser) and .pre-commit-hooks.yaml. The heavy
// modules are imported from this test only.
package packaging

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/rhysd/actionlint"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/secctx-lint/secctx-lint/internal/actionstest"
)

const root = "../.."

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// usesOurs matches the published action in the examples; the test points
// it at the local action.yml so that inputs and outputs are checked.
var usesOurs = regexp.MustCompile(`uses: secctx-lint/secctx-lint@\S+`)

func lintWorkflow(t *testing.T, name string, content []byte) []*actionlint.Error {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := actionlint.NewProject(abs)
	if err != nil {
		t.Fatal(err)
	}
	opts := &actionlint.LinterOptions{WorkingDir: abs}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck not installed: run: scripts not checked")
	}
	var log bytes.Buffer
	opts.LogWriter = &log
	l, err := actionlint.NewLinter(&log, opts)
	if err != nil {
		t.Fatal(err)
	}
	content = usesOurs.ReplaceAll(content, []byte("uses: ./"))
	errs, err := l.Lint(filepath.Join(abs, ".github/workflows", name), content, proj)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

// TestWorkflowsActionlint lints every example workflow under
// docs/workflows, with the action reference pointed at ./action.yml, and
// the project's own workflows under .github/workflows.
func TestWorkflowsActionlint(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(root, "docs/workflows/*.yml"))
	if len(files) < 3 {
		t.Fatalf("only %d example workflows", len(files))
	}
	own, _ := filepath.Glob(filepath.Join(root, ".github/workflows/*.yml"))
	if len(own) == 0 {
		t.Fatalf("no workflow under .github/workflows")
	}
	files = append(files, own...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lintWorkflow(t, filepath.Base(f), b) {
			t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

// TestActionMetadata: a workflow that sets every input and reads every
// output lints clean, and unknown ones are reported (so the check bites).
func TestActionMetadata(t *testing.T) {
	wf := func(with, out string) []byte {
		return []byte(`name: t
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: lint
        uses: ./
        with:
` + with + `
      - env:
          OUT: ${{ steps.lint.outputs.` + out + ` }}
        run: echo "$OUT"
`)
	}
	var with strings.Builder
	for _, in := range inputs {
		fmt.Fprintf(&with, "          %s: \"x\"\n", in)
	}
	for _, out := range outputs {
		if errs := lintWorkflow(t, "all.yml", wf(with.String(), out)); len(errs) > 0 {
			for _, e := range errs {
				t.Errorf("all inputs, output %s: %d:%d: %s", out, e.Line, e.Column, e.Message)
			}
		}
	}
	errs := lintWorkflow(t, "bad.yml", wf("          bogus: x", "nope"))
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Message)
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, `"bogus" is not defined`) || !strings.Contains(all, `"nope" is not defined`) {
		t.Errorf("actionlint did not read action.yml:\n%s", all)
	}
}

var (
	inputs = []string{"paths", "working-directory", "initiative", "config", "namespace", "constraint", "azure-initiative", "azure-assignment", "exclude",
		"only-new", "baseline", "fail-on", "strict", "fix", "sarif-file", "args", "setup-go"}
	outputs = []string{"findings", "errors", "warnings", "notices", "fixed-files", "sarif-file"}
)

type actionFile struct {
	Name, Description string
	Branding          struct{ Icon, Color string }
	Inputs            map[string]struct {
		Description string
		Default     *string
	}
	Outputs map[string]struct{ Description, Value string }
	Runs    struct {
		Using string
		Steps []struct {
			ID               string `yaml:"id"`
			If               string `yaml:"if"`
			Uses             string `yaml:"uses"`
			Shell            string `yaml:"shell"`
			Run              string `yaml:"run"`
			WorkingDirectory string `yaml:"working-directory"`
			With             map[string]string
			Env              map[string]string
		}
	}
}

func loadAction(t *testing.T) *actionFile {
	var a actionFile
	if err := yaml.Unmarshal(read(t, "action.yml"), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// TestActionShape checks what actionlint does not: the composite's steps.
func TestActionShape(t *testing.T) {
	a := loadAction(t)
	var got []string
	for k := range a.Inputs {
		got = append(got, k)
	}
	sort.Strings(got)
	want := append([]string(nil), inputs...)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("inputs = %v, want %v", got, want)
	}
	for _, o := range outputs {
		if v := a.Outputs[o].Value; v != "${{ steps.run.outputs."+o+" }}" {
			t.Errorf("output %s = %q", o, v)
		}
	}
	if a.Runs.Using != "composite" || a.Branding.Icon == "" || a.Branding.Color == "" {
		t.Errorf("runs.using %q, branding %+v", a.Runs.Using, a.Branding)
	}
	expr := regexp.MustCompile(`\$\{\{`)
	used := map[string]bool{}
	inputRef := regexp.MustCompile(`inputs\.([a-z-]+)`)
	setupGo := false
	for _, s := range a.Runs.Steps {
		if expr.MatchString(s.Run) {
			t.Errorf("step %q: expression inside run: (script injection): %q", s.ID, s.Run)
		}
		for _, v := range append([]string{s.If, s.WorkingDirectory}, values(s.Env, s.With)...) {
			for _, m := range inputRef.FindAllStringSubmatch(v, -1) {
				used[m[1]] = true
			}
		}
		// Later steps of the job must see the Go they had: only setup-go
		// (when the runner has no Go at all) may change it.
		if strings.Contains(s.Run, "GITHUB_PATH") || strings.Contains(s.Run, "GITHUB_ENV") {
			t.Errorf("step %q changes the job's environment", s.ID)
		}
		if strings.HasPrefix(s.Uses, "actions/setup-go@") {
			setupGo = true
			if s.With["go-version-file"] != "${{ github.action_path }}/go.mod" || !strings.Contains(s.If, "inputs.setup-go == 'true'") || !strings.Contains(s.If, "steps.get.outputs.go-found != 'true'") {
				t.Errorf("setup-go step: %+v", s)
			}
		}
		// hashFiles() reads only GITHUB_WORKSPACE, where the action is not:
		// the key must come from the script that hashes the action's source.
		if strings.HasPrefix(s.Uses, "actions/cache@") && s.With["key"] != "${{ steps.get.outputs.cache-key }}" {
			t.Errorf("cache step key %q", s.With["key"])
		}
		if strings.Contains(s.Run, "go build") && (s.Env["GOTOOLCHAIN"] != "auto" || !strings.Contains(s.If, "cache-hit != 'true'")) {
			t.Errorf("build step: %+v", s)
		}
	}
	for _, in := range inputs {
		if !used[in] {
			t.Errorf("input %s is never used", in)
		}
	}
	if !setupGo {
		t.Errorf("no actions/setup-go step")
	}
}

func values(ms ...map[string]string) []string {
	var out []string
	for _, m := range ms {
		for _, v := range m {
			out = append(out, v)
		}
	}
	return out
}

// TestActionScripts runs the composite's two scripts with bash as the
// runner would: the build step from the action's folder, then the run step
// with inputs in env, against a wrapper that records the arguments. It
// checks the flag mapping, the outputs, and that hostile input values stay
// data.
func TestActionScripts(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	a := loadAction(t)
	var build, run string
	var runEnv map[string]string
	for _, s := range a.Runs.Steps {
		switch {
		case s.ID == "run":
			run, runEnv = s.Run, s.Env
		case strings.Contains(s.Run, "go build"):
			build = s.Run
		}
	}
	if build == "" || run == "" {
		t.Fatal("build or run step not found")
	}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		for _, script := range []string{build, run, string(read(t, "action/get.sh"))} {
			cmd := exec.Command(sc, "-s", "bash", "-")
			cmd.Stdin = strings.NewReader(script)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("shellcheck: %v\n%s", err, out)
			}
		}
	}
	abs, _ := filepath.Abs(root)
	temp := t.TempDir()
	// uses: ./ has no ref: get.sh says build, then the build step builds.
	if o := runGet(t, temp, "", "", 0); o["build"] != "true" || !strings.HasPrefix(o["cache-key"], "secctx-lint-Linux-X64-") {
		t.Fatalf("get.sh outputs %v", o)
	}
	cmd := exec.Command("bash", "-c", build)
	cmd.Env = append(os.Environ(), "GITHUB_ACTION_PATH="+abs, "RUNNER_TEMP="+temp, "RUNNER_OS=Linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build step: %v\n%s", err, out)
	}
	bin := filepath.Join(temp, "secctx-lint", "bin", "secctx-lint")
	real := filepath.Join(temp, "secctx-lint.real")
	if err := os.Rename(bin, real); err != nil {
		t.Fatal(err)
	}
	// The wrapper logs its arguments one per line (NUL-free), then runs the
	// real binary with them.
	argLog := filepath.Join(temp, "args")
	wrapper := fmt.Sprintf("#!/bin/bash\nprintf '%%s\\n' \"$@\" > %q\nexec %q \"$@\"\n", argLog, real)
	if err := os.WriteFile(bin, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}

	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "deploy", "$(touch pwned)"), 0o755)
	os.WriteFile(filepath.Join(ws, "deploy/bad.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      securityContext: {privileged: true}\n"), 0o644)
	os.WriteFile(filepath.Join(ws, "deploy/$(touch pwned)/x.yaml"), []byte("kind: ConfigMap\n"), 0o644)

	// inputs as GitHub passes them: defaults from action.yml, then ours.
	in := map[string]string{}
	for k, v := range a.Inputs {
		if v.Default != nil {
			in[k] = *v.Default
		}
	}
	type tc struct {
		name     string
		set      map[string]string
		wantArgs []string
		wantCode int
	}
	for _, c := range []tc{
		{"defaults", nil, []string{"--format", "github", "--fail-on", "warning", "--", "."}, 1},
		{"all", map[string]string{
			"paths": "bad.yaml\n$(touch pwned)\r\n\n", "fail-on": "never", "strict": "True",
			"sarif-file": "../out.sarif", "initiative": "baseline; touch pwned",
		}, []string{"--format", "github", "--initiative", "baseline; touch pwned", "--fail-on", "never", "--strict", "--sarif-file", "../out.sarif", "--", "bad.yaml", "$(touch pwned)"}, 2}, // no such initiative: a usage error, and nothing ran
		{"baseline", map[string]string{"initiative": "baseline", "fail-on": "error"},
			[]string{"--format", "github", "--initiative", "baseline", "--fail-on", "error", "--", "."}, 0}, // privileged is an Audit warning
		{"bad bool", map[string]string{"fix": "yes"}, nil, 2},
		// On a pull request only-new (auto) compares with the base commit;
		// the workspace is no git repository, so everything is reported
		// (with a warning: TestActionOnlyNewNoBase); there is no baseline
		// file either, a usage error.
		{"only new on a PR", map[string]string{"event:name": "pull_request", "event:base": "0123abc", "baseline": "accepted.json"},
			[]string{"--format", "github", "--baseline", "accepted.json", "--fail-on", "warning", "--", "."}, 2},
		{"only new off", map[string]string{"event:name": "pull_request", "event:base": "0123abc", "only-new": "false"},
			[]string{"--format", "github", "--fail-on", "warning", "--", "."}, 1},
		{"judge with", map[string]string{
			"namespace": "shop", "constraint": "a.yaml\n\n$(touch pwned).yaml\n", "azure-assignment": "x.json\r\ny.json", "exclude": "vendor/**\n*.tmpl.yaml",
			"args": "--strict  --no-ignores\n$(touch pwned) `touch pwned` *",
		}, []string{"--format", "github", "--namespace", "shop", "--constraint", "a.yaml", "--constraint", "$(touch pwned).yaml",
			"--azure-assignment", "x.json", "--azure-assignment", "y.json", "--exclude", "vendor/**", "--exclude", "*.tmpl.yaml", "--fail-on", "warning",
			"--strict", "--no-ignores", "$(touch", "pwned)", "`touch", "pwned`", "*", "--", "."}, 2}, // --constraint with --azure-assignment: a usage error
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(argLog)
			env := map[string]string{}
			for k, v := range in {
				env[k] = v
			}
			for k, v := range c.set {
				env[k] = v
			}
			out := filepath.Join(t.TempDir(), "out")
			os.WriteFile(out, nil, 0o644)
			cmd := exec.Command("bash", "-e", "-c", run)
			cmd.Dir = filepath.Join(ws, "deploy") // working-directory: deploy
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RUNNER_TEMP=" + temp, "RUNNER_OS=Linux",
				"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + out}
			// Map inputs to env exactly as the step's env: block says; the
			// event's values come from the case (key "event:NAME").
			cmd.Env = append(cmd.Env, runStepEnv(t, a, runEnv, env, map[string]string{"pull_request.base.sha": env["event:base"]})...)
			if e := env["event:name"]; e != "" {
				cmd.Env = append(cmd.Env, "GITHUB_EVENT_NAME="+e)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != c.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.wantCode, stdout.String(), stderr.String())
			}
			if _, err := os.Stat(filepath.Join(ws, "deploy", "pwned")); err == nil {
				t.Fatalf("an input value ran as a command")
			}
			if c.wantArgs == nil {
				if _, err := os.Stat(argLog); err == nil {
					t.Errorf("the binary ran despite a bad input")
				}
				return
			}
			b, _ := os.ReadFile(argLog)
			if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); strings.Join(got, "|") != strings.Join(c.wantArgs, "|") {
				t.Errorf("args = %q\nwant   %q", got, c.wantArgs)
			}
			if c.name == "defaults" {
				ob, _ := os.ReadFile(out)
				o, err := actionstest.Outputs(string(ob))
				// restricted (Audit) on the privileged pod: privileged,
				// four missing IDs, seccomp; a strict notice for escalation.
				if err != nil || o["findings"] != "7" || o["warnings"] != "6" || o["notices"] != "1" || o["errors"] != "0" {
					t.Errorf("outputs %v, %v", o, err)
				}
				for _, l := range actionstest.Lines(stdout.String()) {
					if c, ok := actionstest.Parse(l); !ok || c.Properties["file"] != "deploy/bad.yaml" {
						t.Errorf("annotation %q", l)
					}
				}
			}
		})
	}
}

// TestDockerfile parses the Dockerfile with BuildKit's own parser and checks
// the promises: multi-stage, static build, numeric non-root final user,
// WORKDIR /src and an exec-form ENTRYPOINT.
func TestDockerfile(t *testing.T) {
	res, err := parser.Parse(bytes.NewReader(read(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	stages, _, err := instructions.Parse(res.AST, linter.New(&linter.Config{
		Warn: func(rule, desc, url, msg string, loc []parser.Range) { warnings = append(warnings, rule+": "+msg) },
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("buildkit check: %s", w)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a multi-stage build", len(stages))
	}
	static := false
	for _, cmd := range stages[0].Commands {
		if r, ok := cmd.(*instructions.RunCommand); ok {
			line := strings.Join(r.CmdLine, " ")
			if strings.Contains(line, "go build") && strings.Contains(line, "CGO_ENABLED=0") {
				static = true
			}
		}
	}
	if !static {
		t.Errorf("no CGO_ENABLED=0 go build in the build stage")
	}
	final := stages[len(stages)-1]
	var user, workdir string
	var entry *instructions.EntrypointCommand
	copied := false
	var sources []string
	for _, cmd := range final.Commands {
		switch c := cmd.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.WorkdirCommand:
			workdir = c.Path
		case *instructions.EntrypointCommand:
			entry = c
		case *instructions.CopyCommand:
			copied = copied || c.From == stages[0].Name
			sources = append(sources, c.SourcePaths...)
		case *instructions.RunCommand:
			t.Errorf("RUN in the final stage: %s", c)
		}
	}
	if final.BaseName != "scratch" && !strings.Contains(final.BaseName, "distroless") {
		t.Errorf("final base %q is not small", final.BaseName)
	}
	if !copied {
		t.Errorf("the final stage does not copy from the build stage %q", stages[0].Name)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(:[0-9]+)?$`).MatchString(user) {
		t.Errorf("USER %q is not a numeric non-root user", user)
	}
	// The licence files the release archives carry (.goreleaser.yaml).
	for _, want := range []string{"/build/LICENSE", "/build/NOTICE", "/build/azure/builtin/LICENSE", "/build/azure/builtin/NOTICE"} {
		if !slices.Contains(sources, want) {
			t.Errorf("the final stage does not copy %s (copies %v)", want, sources)
		}
	}
	if workdir != "/src" {
		t.Errorf("WORKDIR %q, want /src", workdir)
	}
	if entry == nil || entry.PrependShell || len(entry.CmdLine) != 1 || !strings.HasSuffix(entry.CmdLine[0], "/secctx-lint") {
		t.Errorf("ENTRYPOINT %+v, want exec form [\".../secctx-lint\"]", entry)
	}
}

// TestPreCommitHooks checks the hook definitions pre-commit reads.
func TestPreCommitHooks(t *testing.T) {
	var hooks []struct {
		ID, Name, Entry, Language string
		Args                      []string
		TypesOr                   []string `yaml:"types_or"`
		Files, Exclude            string
		MinVersion                string `yaml:"minimum_pre_commit_version"`
		RequireSerial             bool   `yaml:"require_serial"`
	}
	if err := yaml.Unmarshal(read(t, ".pre-commit-hooks.yaml"), &hooks); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, h := range hooks {
		byID[h.ID] = i
		// --as-walked in entry, where a user's args do not replace
		// it: pre-commit names every staged YAML file. One process, so a
		// chart is reported once and no two fix one file.
		if h.Name == "" || h.Entry != "secctx-lint --as-walked" || h.Language != "golang" || h.MinVersion == "" || !h.RequireSerial {
			t.Errorf("hook %+v", h)
		}
		// Manifests and every file of a Helm chart reach the hook, chart
		// templates included: the walk renders the chart they belong to.
		files, err := regexp.Compile(h.Files)
		if err != nil || h.Exclude != "" || len(h.TypesOr) != 0 {
			t.Errorf("hook %s: files %q (%v), exclude %q, types_or %v", h.ID, h.Files, err, h.Exclude, h.TypesOr)
			continue
		}
		for name, want := range map[string]bool{"deploy/web.yaml": true, "a.yml": true, "b.json": true, "chart/templates/deployment.yaml": true, "chart/templates/_helpers.tpl": true, "README.md": false, "chart/templates/NOTES.txt": false} {
			if files.MatchString(name) != want {
				t.Errorf("hook %s: %s reaches it: %v, want %v", h.ID, name, !want, want)
			}
		}
	}
	if i, ok := byID["secctx-lint"]; !ok || len(hooks[i].Args) != 0 {
		t.Errorf("no plain secctx-lint hook")
	}
	if i, ok := byID["secctx-lint-fix"]; !ok || strings.Join(hooks[i].Args, " ") != "--fix" {
		t.Errorf("no secctx-lint-fix hook with --fix")
	}
	// pre-commit runs `go install ./...`: the only main package must be
	// the one named like the entry.
	out, err := exec.Command("go", "list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}", root+"/...").Output()
	if err != nil {
		t.Fatal(err)
	}
	if mains := strings.Fields(string(out)); len(mains) != 1 || !strings.HasSuffix(mains[0], "/cmd/secctx-lint") {
		t.Errorf("main packages %v, want only cmd/secctx-lint", mains)
	}
}

// TestDocsShowWorkflows: docs/github-action.md shows each example workflow
// exactly as the file that actionlint checks.
func TestDocsShowWorkflows(t *testing.T) {
	doc := string(read(t, "docs/github-action.md"))
	files, _ := filepath.Glob(filepath.Join(root, "docs/workflows/*.yml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(doc, "```yaml\n"+string(b)+"```") {
			t.Errorf("docs/github-action.md does not show %s as it is", filepath.Base(f))
		}
	}
}
