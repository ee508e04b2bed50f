package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cfgfile "github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
)

// bareDeployment sets nothing: the restricted initiative fails it on
// users, groups, seccomp and privilege escalation; baseline passes it.
const bareDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
`

// levels runs the CLI with JSON output and counts findings per level.
func levels(t *testing.T, args ...string) (code int, byLevel map[string]int, stderr string) {
	t.Helper()
	code, out, stderr := runCLI(t, "", append([]string{"--format", "json"}, args...)...)
	var doc struct {
		Findings []lint.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s\nstderr:\n%s", code, err, out, stderr)
	}
	byLevel = map[string]int{}
	for _, f := range doc.Findings {
		byLevel[string(f.Level)]++
	}
	return code, byLevel, stderr
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, out, errs := runCLI(t, "", "init")
	if code != exitOK || out != "wrote "+cfgfile.FileName+"\n" || errs != "" {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	got, err := os.ReadFile(cfgfile.FileName)
	if err != nil || string(got) != cfgfile.Template {
		t.Fatalf("written file differs from the template: %v", err)
	}

	// Refuses to overwrite a file the user may have edited.
	edited := "namespace: mine\n"
	write(t, dir, cfgfile.FileName, edited)
	code, out, errs = runCLI(t, "", "init")
	if code != exitUsage || out != "" || !strings.Contains(errs, cfgfile.FileName+" exists; not overwritten (use --force)") {
		t.Errorf("second init: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	if got, _ := os.ReadFile(cfgfile.FileName); string(got) != edited {
		t.Error("init without --force overwrote the file")
	}
	if code, _, errs = runCLI(t, "", "init", "--force"); code != exitOK {
		t.Fatalf("init --force: exit %d: %s", code, errs)
	}
	if got, _ := os.ReadFile(cfgfile.FileName); string(got) != cfgfile.Template {
		t.Error("init --force did not overwrite")
	}

	// - prints to stdout and writes nothing; a FILE argument names the file.
	code, out, _ = runCLI(t, "", "init", "-")
	if code != exitOK || out != cfgfile.Template {
		t.Errorf("init -: exit %d, stdout is not the template", code)
	}
	if code, _, _ = runCLI(t, "", "init", "sub.yaml"); code != exitOK {
		t.Errorf("init sub.yaml: exit %d", code)
	}
	if _, err := os.Stat("sub.yaml"); err != nil {
		t.Error(err)
	}
	if code, _, _ = runCLI(t, "", "init", "a.yaml", "b.yaml"); code != exitUsage {
		t.Errorf("init with two files: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ = runCLI(t, "", "init", "--nope"); code != exitUsage {
		t.Errorf("init --nope: exit %d, want %d", code, exitUsage)
	}

	// The written file loads without errors and judges as it says: the
	// restricted initiative with Audit, like the command line's default.
	manifest := write(t, dir, "deploy/web.yaml", bareDeployment)
	code, withFile, errs := levels(t, manifest)
	if code != exitFindings || errs != "" {
		t.Fatalf("judging with the written file: exit %d, stderr %q", code, errs)
	}
	if withFile["warning"] == 0 || withFile["error"] != 0 {
		t.Errorf("the template assigns restricted with Audit; got %v", withFile)
	}
	_, outWith, _ := runCLI(t, "", "--format", "json", manifest)
	_, outWithout, _ := runCLI(t, "", "--format", "json", "--config", "none", manifest)
	if outWith != outWithout {
		t.Errorf("the template should judge as the default does\nwith the file:\n%s\nwithout:\n%s", outWith, outWithout)
	}
}

// policies lists every definition with its parameters and defaults and
// every built-in initiative.
func TestPolicies(t *testing.T) {
	code, out, errs := runCLI(t, "", "policies")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sections := map[string]string{}
	for _, s := range strings.Split(out, "\n\n") {
		head, _, _ := strings.Cut(s, ":")
		sections[head] = s
	}
	for _, id := range lint.RuleIDs() {
		if !strings.Contains(out, "\n"+id+" ") {
			t.Errorf("rule %s is not listed", id)
		}
	}
	for _, d := range policy.Definitions {
		sec, ok := sections[d.Rule+" "+d.Version]
		if !ok {
			t.Errorf("no section for %s %s", d.Rule, d.Version)
			continue
		}
		for _, want := range []string{d.DisplayName, d.ID, d.Template} {
			if !strings.Contains(sec, want) {
				t.Errorf("%s %s: %q missing", d.Rule, d.Version, want)
			}
		}
		for _, p := range d.Params {
			want := "  " + p.Name + " (" + p.Type + ", default " + jsonText(p.Default) + ")"
			if p.Required {
				want = "  " + p.Name + " (" + p.Type + ", required, no default)"
			}
			if !strings.Contains(sec, want) {
				t.Errorf("%s %s: parameter line %q missing in\n%s", d.Rule, d.Version, want, sec)
			}
		}
		for name, has := range map[string]bool{"excludedContainers": d.ExcludedContainers, "excludedImages": d.ExcludedImages} {
			if listed := strings.Contains(sec, "  "+name+" (Array, default [])"); listed != has {
				t.Errorf("%s %s: %s listed %v, takes it %v", d.Rule, d.Version, name, listed, has)
			}
		}
	}
	for _, name := range policy.BuiltinNames() {
		in, _ := policy.Builtin(name)
		sec, ok := sections[name]
		if !ok {
			t.Errorf("initiative %s is not listed", name)
			continue
		}
		for _, m := range in.Members {
			if !strings.Contains(sec, "  "+m.ReferenceID+": "+m.Definition.Rule+" "+m.Definition.Major()+".*.*") {
				t.Errorf("initiative %s: member %s missing", name, m.ReferenceID)
			}
		}
		for _, n := range in.NotJudged {
			if !strings.Contains(sec, "  not judged: "+n.ReferenceID+" ("+n.DefinitionID+")") {
				t.Errorf("initiative %s: not-judged %s missing", name, n.ReferenceID)
			}
		}
	}
	for _, args := range [][]string{{"policies", "--x"}, {"policies", "restricted"}} {
		if code, out, _ := runCLI(t, "", args...); code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// denyConfig assigns restricted with Deny: findings are errors, which
// tells whether a configuration file was read.
const denyConfig = "assignments:\n  - initiative: restricted\n    effect: Deny\n"

func TestConfigDiscovery(t *testing.T) {
	root := t.TempDir()
	manifest := write(t, root, "deploy/web.yaml", bareDeployment)
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(deep)
	if _, got, _ := levels(t, manifest); got["error"] != 0 {
		t.Fatalf("no configuration file yet, but errors: %v", got)
	}

	// The nearest parent's file is read.
	write(t, root, cfgfile.FileName, denyConfig)
	if _, got, _ := levels(t, manifest); got["error"] == 0 || got["warning"] != 0 {
		t.Errorf("the parent's file (Deny) was not read: %v", got)
	}
	// A nearer one wins: here baseline, which passes the deployment.
	write(t, root, "a/"+cfgfile.FileName, "assignments:\n  - initiative: baseline\n")
	if code, got, _ := levels(t, manifest); code != exitOK || len(got) != 0 {
		t.Errorf("the nearer file (baseline) was not read: exit %d %v", code, got)
	}
	// One in the working folder wins over both.
	write(t, deep, cfgfile.FileName, denyConfig)
	if _, got, _ := levels(t, manifest); got["error"] == 0 {
		t.Errorf("the working folder's file was not read: %v", got)
	}
	// --config FILE reads that file instead.
	other := write(t, root, "elsewhere/strict.yaml", "assignments:\n  - initiative: baseline\n")
	if code, got, _ := levels(t, "--config", other, manifest); code != exitOK || len(got) != 0 {
		t.Errorf("--config %s was not read: exit %d %v", other, code, got)
	}
	// --config none reads none: the default (restricted, Audit).
	if _, got, _ := levels(t, "--config", "none", manifest); got["error"] != 0 || got["warning"] == 0 {
		t.Errorf("--config none: %v", got)
	}
	// --initiative on the command line wins over the file's assignments.
	if code, got, _ := levels(t, "--initiative", "baseline", manifest); code != exitOK || len(got) != 0 {
		t.Errorf("--initiative baseline: exit %d %v", code, got)
	}
	// A missing --config file is a usage error.
	code, out, errs := runCLI(t, "", "--config", filepath.Join(root, "nope.yaml"), manifest)
	if code != exitUsage || out != "" || !strings.Contains(errs, "nope.yaml") {
		t.Errorf("missing --config file: exit %d\n%s%s", code, out, errs)
	}
}

// A configuration error stops everything: exit 2, file:line:col on stderr
// for each error, nothing judged.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	manifest := write(t, dir, "web.yaml", bareDeployment)
	cfg := write(t, dir, "bad.yaml", "namespace: shop\nassignments:\n  - initiative: restricted\n    effect: Block\n  - initiative: strict\n")
	for _, format := range []string{"text", "json", "sarif"} {
		code, out, errs := runCLI(t, "", "--config", cfg, "--format", format, manifest)
		if code != exitUsage || out != "" {
			t.Errorf("%s: exit %d, stdout %q", format, code, out)
		}
		for _, want := range []string{
			cfg + `:4:13: effect "Block" is not one of Audit, Deny, Disabled`,
			cfg + `:5:17: unknown initiative "strict" (built in: aks-safeguards, baseline, mcsb, restricted)`,
		} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", format, want, errs)
			}
		}
	}
	// The file found by discovery reports its own path.
	t.Chdir(dir)
	write(t, dir, cfgfile.FileName, "fix:\n  runAsUser: 0\n")
	code, _, errs := runCLI(t, "", manifest)
	if code != exitUsage || !regexp.MustCompile(`\.secctx-lint\.yaml:2:14: fix\.runAsUser must be between 1 and`).MatchString(errs) {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// namespace: in the file places objects without one; --namespace on the
// command line wins.
func TestConfigNamespace(t *testing.T) {
	dir := t.TempDir()
	manifest := write(t, dir, "web.yaml", bareDeployment)
	cfg := write(t, dir, "c.yaml", "namespace: shop\nassignments:\n  - initiative: restricted\n    effect: Deny\n    namespaces: [shop]\n")
	code, got, _ := levels(t, "--config", cfg, manifest)
	if code != exitFindings || got["error"] == 0 {
		t.Errorf("the file's namespace shop is in scope: exit %d %v", code, got)
	}
	_, out, _ := runCLI(t, "", "--config", cfg, "--format", "json", manifest)
	if !strings.Contains(out, `"namespace": "shop"`) {
		t.Errorf("findings do not name namespace shop:\n%s", out)
	}
	if code, got, _ := levels(t, "--config", cfg, "--namespace", "other", manifest); code != exitOK || len(got) != 0 {
		t.Errorf("--namespace other is out of scope: exit %d %v", code, got)
	}
	// The namespace applies with --initiative or --constraint too.
	c := write(t, dir, "constraints.yaml", "kind: K8sPSPAllowedUsers\nmetadata: {name: u}\nspec:\n  match: {namespaces: [shop]}\n  parameters: {runAsUser: {rule: MustRunAsNonRoot}}\n")
	if code, _, _ := levels(t, "--config", cfg, "--constraint", c, manifest); code != exitFindings {
		t.Errorf("--constraint with the file's namespace shop: exit %d", code)
	}
}

// fix: in the file changes what --diff writes; a flag overrides one value
// and leaves the file's others.
func TestConfigFixValues(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", testPod)
	cfg := write(t, dir, "c.yaml", "fix:\n  runAsUser: 10001\n  runAsGroup: 10002\n  fsGroup: 10003\n  supplementalGroups: [10004, 10005]\n")
	code, out, errs := runCLI(t, "", "--config", cfg, "--diff", pod)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"+    runAsUser: 10001\n", "+    runAsGroup: 10002\n", "+    fsGroup: 10003\n", "+    - 10004\n+    - 10005\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runCLI(t, "", "--config", cfg, "--diff", "--run-as-user", "4242", pod)
	if !strings.Contains(out, "+    runAsUser: 4242\n") || strings.Contains(out, "10001") || !strings.Contains(out, "+    runAsGroup: 10002\n") {
		t.Errorf("--run-as-user should win over the file, the file's other values stay:\n%s", out)
	}
	// Without the file: the defaults.
	_, out, _ = runCLI(t, "", "--config", "none", "--diff", pod)
	if !strings.Contains(out, "+    runAsUser: 1000\n") || strings.Contains(out, "10001") {
		t.Errorf("defaults:\n%s", out)
	}
	if got, _ := os.ReadFile(pod); string(got) != testPod {
		t.Error("--diff wrote the file")
	}
}

// notJudgedLines returns the stderr lines that name a policy not judged.
func notJudgedLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "secctx-lint: not judged: ") {
			out = append(out, l)
		}
	}
	return out
}

// Members of an Azure initiative that are not pod security policies are
// named once each on stderr, never dropped silently.
func TestAzureInitiativeNotJudged(t *testing.T) {
	dir := t.TempDir()
	manifest := write(t, dir, "web.yaml", bareDeployment)
	aks := filepath.Join("..", "..", "azure", "builtin", "AKS_Safeguards.json")
	in, err := policy.Builtin("aks-safeguards")
	if err != nil {
		t.Fatal(err)
	}
	// The initiative alone, then twice through two assignments of it.
	assignment := func(name string) string {
		return write(t, dir, name, `{"name": "`+name+`", "policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/`+in.ID+`", "parameters": {"effect": {"value": "Audit"}}}`)
	}
	for _, args := range [][]string{
		{"--config", "none", "--azure-initiative", aks, manifest},
		{"--config", "none", "--azure-initiative", aks, "--azure-assignment", assignment("one.json"), "--azure-assignment", assignment("two.json"), manifest},
		{"--config", "none", "--initiative", "aks-safeguards", manifest},
	} {
		code, _, errs := runCLI(t, "", args...)
		if code != exitFindings {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
		lines := notJudgedLines(errs)
		if len(lines) != len(in.NotJudged) {
			t.Errorf("%v: %d not-judged lines, want %d:\n%s", args, len(lines), len(in.NotJudged), errs)
		}
		for _, n := range in.NotJudged {
			count := 0
			for _, l := range lines {
				if strings.Contains(l, "["+n.DefinitionID+"]") {
					count++
				}
			}
			if count != 1 {
				t.Errorf("%v: %s (%s) named %d times, want once", args, n.ReferenceID, n.DefinitionID, count)
			}
		}
	}

	// A hand-written set definition with one policy secctx-lint judges and
	// one it does not (the default-namespace policy), in the az CLI shape.
	set := write(t, dir, "set.json", `{
  "displayName": "Our pod rules",
  "name": "our-pod-rules",
  "parameters": {"effect": {"type": "String", "defaultValue": "Deny"}},
  "policyDefinitions": [
    {"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/95edb821-ddaf-4404-9732-666045e056b4",
     "policyDefinitionReferenceId": "noPrivileged", "parameters": {"effect": {"value": "[parameters('effect')]"}}},
    {"policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/9f061a12-e40d-4183-a00e-171812443373",
     "policyDefinitionReferenceId": "noDefaultNamespace", "parameters": {"effect": {"value": "[parameters('effect')]"}}}
  ]
}`)
	code, got, errs := levels(t, "--config", "none", "--azure-initiative", set, write(t, dir, "bad.yaml", badPod))
	if code != exitFindings || got["error"] != 1 || len(got) != 1 {
		t.Errorf("privileged container under Deny: exit %d %v", code, got)
	}
	lines := notJudgedLines(errs)
	if len(lines) != 1 || !strings.Contains(lines[0], "noDefaultNamespace [9f061a12-e40d-4183-a00e-171812443373]: not a pod security policy") {
		t.Errorf("not judged:\n%s", errs)
	}
}

// --azure-initiative with Azure's restricted initiative prints what
// --initiative restricted prints, on every lint case.
func TestAzureInitiativeCLIMatchesBuiltin(t *testing.T) {
	cases := filepath.Join("..", "..", "testdata", "lint")
	for file, name := range map[string]string{"PSPRestrictedStandard.json": "restricted", "PSPBaselineStandard.json": "baseline"} {
		set := filepath.Join("..", "..", "azure", "builtin", file)
		code1, fromFile, errs1 := runCLI(t, "", "--config", "none", "--format", "json", "--azure-initiative", set, cases)
		code2, builtin, errs2 := runCLI(t, "", "--config", "none", "--format", "json", "--initiative", name, cases)
		if code1 != code2 || fromFile != builtin || errs1 != errs2 {
			t.Errorf("%s: exit %d vs %d, stderr %q vs %q, outputs equal: %v", file, code1, code2, errs1, errs2, fromFile == builtin)
		}
		if !strings.Contains(builtin, `"rule"`) {
			t.Errorf("%s: no finding at all; the comparison proves nothing", name)
		}
	}
}

func TestInitFlagAfterFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "", "init", p, "--force"); code != exitOK {
		t.Fatalf("init FILE --force: exit %d: %s", code, errOut)
	}
	if b := mustRead(t, p); string(b) == "old" {
		t.Errorf("not overwritten")
	}
}

// --azure-initiative is repeatable: each assignment finds its own set
// definition by id (the second file was dropped without a word), and a
// set definition that no assignment assigns is an error, not ignored.
func TestAzureInitiativeRepeatable(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n")
	builtin := func(name string) (string, string) {
		in, err := policy.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{"baseline": "PSPBaselineStandard.json", "restricted": "PSPRestrictedStandard.json"}
		return filepath.Join("..", "..", "azure", "builtin", files[name]), in.ID
	}
	baseline, baselineID := builtin("baseline")
	restricted, restrictedID := builtin("restricted")
	assign := func(file, id string) string {
		return write(t, dir, file, `{"name": "`+file+`", "policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/`+id+`", "parameters": {"effect": {"value": "Audit"}}}`)
	}
	ab, ar := assign("b.json", baselineID), assign("r.json", restrictedID)
	code, out, stderr := runCLI(t, "", "--config", "none", "--format", "json", "--azure-initiative", baseline, "--azure-initiative", restricted, "--azure-assignment", ab, "--azure-assignment", ar, pod)
	if code != exitFindings {
		t.Fatalf("two sets, two assignments: exit %d\n%s", code, stderr)
	}
	if n := strings.Count(out, `"rule": "privileged-containers"`); n != 2 {
		t.Errorf("privileged-containers %d times, want once per assignment:\n%s", n, out)
	}
	code, _, stderr = runCLI(t, "", "--config", "none", "--azure-initiative", baseline, "--azure-initiative", restricted, "--azure-assignment", ar, pod)
	if code != exitUsage || !strings.Contains(stderr, "PSPBaselineStandard.json: no --azure-assignment assigns") {
		t.Errorf("an unassigned set: exit %d\n%s", code, stderr)
	}
}
