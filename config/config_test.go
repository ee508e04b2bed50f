package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// firstRules are the rules on the branch when these tests were written;
// verdict tests look at them only, so that rules added later do not change
// what a test asserts.
var firstRules = map[string]bool{"privileged-containers": true, "privilege-escalation": true, "capabilities": true, "users-groups": true}

// judge runs the engine configured by cfg over the manifests and returns
// "name rule level" lines for the first rules.
func judge(t *testing.T, cfg *Config, manifests []byte) []string {
	t.Helper()
	cs, err := cfg.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	var usable []*policy.Constraint
	for _, c := range cs {
		if implemented(c.Rule) {
			usable = append(usable, c)
		}
	}
	opts := lint.Options{DefaultNamespace: cfg.Namespace}
	if cfg.Fix != nil {
		opts.Fix = *cfg.Fix
	}
	e, err := lint.New(usable, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, errs := source.Parse("m.yaml", manifests, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	fs, _ := e.File(f)
	seen := map[string]bool{}
	var out []string
	for _, x := range fs {
		if !firstRules[x.Rule] {
			continue
		}
		s := fmt.Sprintf("%s/%s %s %s", x.Namespace, x.Name, x.Rule, x.Level)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func TestSeedScenario(t *testing.T) {
	cfg, errs := Load("testdata/seed.secctx-lint.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if cfg.Namespace != "apps" || cfg.Fix == nil || cfg.Fix.RunAsUser != 10001 || len(cfg.Fix.SupplementalGroups) != 1 {
		t.Fatalf("namespace/fix not read: %q %+v", cfg.Namespace, cfg.Fix)
	}
	if len(cfg.Assignments) != 4 {
		t.Fatalf("got %d assignments", len(cfg.Assignments))
	}
	src, err := os.ReadFile("testdata/seed-manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := judge(t, cfg, src)
	want := []string{
		// monitoring: baseline audits privileged containers
		"monitoring/node-exporter privileged-containers warning",
		// payments: the second assignment of restricted (no added
		// capabilities) applies besides the first, as in Azure
		"apps/pay capabilities warning",
		// everything else: restricted, denied
		"apps/web users-groups error",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("verdicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestInitiativeConstructs(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte(`
initiatives:
  base:
    from: derived-later
    displayName: Our base
  derived-later:
    from: restricted
    remove: [AllowedSeccompProfiles, volume-types]
    policies:
      readonly-root-filesystem: {}
      c26596ff-4d70-4e6a-9a30-c2506bd2f80c:
        allowedCapabilities: ["*"]
        excludedImages: [mcr.microsoft.com/*]
      privilege-escalation:
        version: "8"
        forcePrivilegeEscalationToBeFalse: true
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	in := cfg.Initiatives["base"]
	if in == nil || in.DisplayName != "Our base" {
		t.Fatalf("base: %+v", in)
	}
	var refs []string
	for _, m := range in.Members {
		refs = append(refs, m.ReferenceID+"@"+m.Definition.Major())
	}
	got := strings.Join(refs, " ")
	want := "NoPrivilegedContainers@9 NoPrivilegeEscalation@8 BlockUsingHostNetwork@6 BlockUsingHostProcessIDAndIPC@5 ContainerCapabilities@6 AllowedUsersGroups@6 readonly-root-filesystem@6"
	if got != want {
		t.Errorf("members:\n%s\nwant\n%s", got, want)
	}
	caps := in.Members[memberIndex(in, "capabilities")]
	if fmt.Sprint(caps.Values["allowedCapabilities"]) != "[*]" || fmt.Sprint(caps.Values["excludedImages"]) != "[mcr.microsoft.com/*]" {
		t.Errorf("capabilities values: %v", caps.Values)
	}
	// The built-in is untouched.
	r, _ := policy.Builtin("restricted")
	if len(r.Members) != 8 || fmt.Sprint(r.Members[4].Values["allowedCapabilities"]) == "[*]" {
		t.Errorf("restricted was changed: %+v", r.Members)
	}
}

func TestAssignmentConstructs(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte(`
assignments:
  - initiative: baseline
  - initiative: restricted
    effect: deny
    namespaces: [team-*]
    excludedNamespaces: [team-legacy]
    excludedContainers: [istio-proxy]
    excludedImages: [docker.io/library/*]
    labelSelector:
      matchExpressions:
        - {key: tier, operator: In, values: [web]}
        - {key: legacy, operator: DoesNotExist}
  - initiative: mcsb
    effect: Disabled
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	a0, a1 := cfg.Assignments[0], cfg.Assignments[1]
	if a0.Effect != policy.Audit || strings.Join(a0.Match.ExcludedNamespaces, ",") != strings.Join(policy.DefaultExcludedNamespaces, ",") {
		t.Errorf("defaults: %+v", a0)
	}
	if a1.Effect != policy.Deny || a1.Match.Namespaces[0] != "team-*" || a1.Match.ExcludedNamespaces[0] != "team-legacy" {
		t.Errorf("scope: %+v", a1.Match)
	}
	if !a1.Match.Covers("team-a", map[string]string{"tier": "web"}) || a1.Match.Covers("team-a", map[string]string{"tier": "web", "legacy": "1"}) || a1.Match.Covers("team-legacy", map[string]string{"tier": "web"}) {
		t.Error("label selector or namespaces not applied")
	}
	cs, err := cfg.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Effect == policy.Deny && c.Definition.ExcludedContainers && fmt.Sprint(c.Params["excludedContainers"]) != "[istio-proxy]" {
			t.Errorf("%s: excludedContainers not passed: %v", c.Name, c.Params)
		}
		if c.Effect == policy.Deny && c.Definition.ExcludedImages && fmt.Sprint(c.Params["excludedImages"]) != "[docker.io/library/*]" {
			t.Errorf("%s: excludedImages not passed: %v", c.Name, c.Params)
		}
	}
	// mcsb is Disabled: no constraint, nothing listed as not judged.
	if len(cs) != 5+8 {
		t.Errorf("got %d constraints, want 13", len(cs))
	}
	if len(cfg.NotJudged()) != 0 {
		t.Errorf("not judged: %v", cfg.NotJudged())
	}
}

func TestPresetsNotJudged(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte("assignments:\n  - initiative: mcsb\n  - initiative: aks-safeguards\n  - initiative: mcsb\n    effect: Deny\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	nj := cfg.NotJudged()
	if len(nj) != 1+13 {
		t.Errorf("got %d not-judged members, want 14 listed once", len(nj))
	}
	if got := cfg.Assignments[0].Match.ExcludedNamespaces; len(got) != 6 || got[5] != "mdc" {
		t.Errorf("mcsb exclusions: %v", got)
	}
	if _, err := cfg.Constraints(); err != nil {
		t.Fatal(err)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"namspace: x\n", `1:1: unknown key "namspace" in the configuration (want namespace, exclude, fix, initiatives, assignments, charts)`},
		{"namespace: [a]\n", "1:12: namespace must be a string, not a list"},
		{"exclude: vendor\n", "1:10: exclude must be a list of strings, not a string (\"vendor\")"},
		{"exclude: [ok, \"a[\"]\n", `1:15: exclude: "a[" is not a valid glob`},
		{"fix:\n  runAsUser: root\n", `2:14: fix.runAsUser must be an integer, not a string ("root")`},
		{"fix:\n  runAsUser: 0\n", "2:14: fix.runAsUser must be between 1 and 2147483647"},
		{"fix:\n  supplementalGroups: []\n", "2:23: fix.supplementalGroups must be a non-empty list of integers"},
		{"fix:\n  fsgroup: 1\n", `2:3: unknown key "fsgroup" in fix`},
		{"initiatives: [a]\n", `1:14: initiatives must be a mapping from a name to an initiative, not a list`},
		{"initiatives:\n  x:\n    policies: [seccomp]\n", `3:15: policies must be a mapping from a policy (rule id, reference id or definition id) to its parameter values, not a list`},
		{"assignments:\n  - initiative: restricted\n    parameters: Deny\n", `3:17: parameters must be a mapping of Azure parameter names to values, not a string ("Deny")`},
		{"initiatives:\n  x:\n    from: strict\n", `3:11: unknown initiative "strict" (built in: aks-safeguards, baseline, mcsb, restricted; defined here: x)`},
		{"initiatives:\n  restricted:\n    policies: {}\n", `2:3: initiative "restricted" has the name of a built-in one`},
		{"initiatives:\n  a: {from: b}\n  b: {from: a}\n", `starts from itself`},
		{"initiatives:\n  x:\n    policies:\n      no-such-policy: {}\n", `4:7: unknown policy "no-such-policy" (known: privileged-containers,`},
		{"initiatives:\n  x:\n    policies:\n      capabilities:\n        allowedCapability: []\n", `5:9: policy capabilities 6.2.0 has no parameter allowedCapability (did you mean allowedCapabilities? it has: allowedCapabilities, excludedContainers, excludedImages, requiredDropCapabilities)`},
		{"initiatives:\n  x:\n    policies:\n      capabilities:\n        allowedCapabilities: NET_RAW\n", `5:30: capabilities parameter allowedCapabilities must be a list, not a string ("NET_RAW")`},
		{"initiatives:\n  x:\n    policies:\n      users-groups:\n        runAsUserRule: MustRunAsRoot\n", `5:24: runAsUserRule "MustRunAsRoot" is not one of MustRunAs, MustRunAsNonRoot, RunAsAny`},
		{"initiatives:\n  x:\n    policies:\n      users-groups:\n        runAsGroupRanges: {ranges: [{min: 100, max: 10}]}\n", `5:37: runAsGroupRanges: impossible range, min 100 is above max 10`},
		{"initiatives:\n  x:\n    policies:\n      users-groups:\n        runAsGroupRanges: {ranges: [{min: 1}]}\n", `needs both min and max`},
		{"initiatives:\n  x:\n    policies:\n      users-groups:\n        fsGroupRanges: [1, 2]\n", `5:24: users-groups parameter fsGroupRanges must be a mapping, not a list`},
		{"initiatives:\n  x:\n    policies:\n      host-paths:\n        allowedHostPaths: {paths: [{pathPrefix: /var}]}\n", `5:36: each allowedHostPaths path needs pathPrefix and readOnly`},
		{"initiatives:\n  x:\n    policies:\n      forbidden-sysctls: {}\n", `4:7: policy forbidden-sysctls: forbidden-sysctls: parameter forbiddenSysctls has no default and must be set`},
		{"initiatives:\n  x:\n    policies:\n      privilege-escalation: {version: \"3\"}\n", `4:7: policy privilege-escalation: no version "3" (known versions: 7.2.0, 8.0.0)`},
		{"initiatives:\n  x:\n    policies:\n      flexvolume-drivers:\n        excludedImages: [a]\n", `5:9: policy flexvolume-drivers 5.2.0 has no parameter excludedImages`},
		{"initiatives:\n  x:\n    from: baseline\n    remove: [seccomp]\n", `4:14: initiative "x" has no policy "seccomp" to remove`},
		{"initiatives:\n  x:\n    from: baseline\n    remove: [NoPrivilegedContainers, BlockUsingHostNetwork, BlockUsingHostProcessIDAndIPC, ContainerCapabilities, NoHostPathVolume]\n", `2:3: initiative "x" has no policy`},
		{"assignments:\n  - effect: Deny\n", "2:5: assignment 1 needs an initiative"},
		{"assignments:\n  - initiative: restricted\n    effect: Block\n", `3:13: effect "Block" is not one of Audit, Deny, Disabled`},
		{"assignments:\n  - initiative: restricted\n    namespace: [a]\n", `3:5: unknown key "namespace" in assignment 1`},
		{"assignments:\n  - initiative: restricted\n    namespaces: a\n", `3:17: namespaces must be a list of strings, not a string ("a")`},
		{"assignments:\n  - initiative: restricted\n    excludedImages: [\"docker.io/*/nginx\"]\n", `3:22: excludedImages entry "docker.io/*/nginx": Azure matches an image exactly or by a prefix ending in *`},
		{"assignments:\n  - initiative: restricted\n    labelSelector:\n      matchExpressions: [{key: a, operator: Has}]\n", `4:45: operator "Has" is not one of In, NotIn, Exists, DoesNotExist`},
		{"assignments:\n  - initiative: restricted\n    parameters:\n      allowHostPaths: {paths: []}\n", `4:7: no policy of initiative restricted has a parameter allowHostPaths`},
		{"assignments:\n  - initiative: restricted\n    parameters:\n      allowedCapabilities: [1, {a: b}]\n", `4:7: parameter allowedCapabilities for ContainerCapabilities: parameter allowedCapabilities must be a list of strings; found 1`},
		{"assignments: {initiative: restricted}\n", "1:14: assignments must be a list, not a mapping"},
		{"a: 1\n---\nb: 2\n", "3:1: the configuration is one YAML document; found 2"},
		{"assignments: [\n", "invalid YAML"},
	}
	for _, c := range cases {
		_, errs := Parse("c.yaml", []byte(c.src))
		if len(errs) == 0 {
			t.Errorf("%q: no error, want %q", c.src, c.want)
			continue
		}
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		all := strings.Join(msgs, "\n")
		if !strings.Contains(all, c.want) {
			t.Errorf("%q:\n got %s\nwant %s", c.src, all, c.want)
		}
	}
}

// exclude: is a list of globs, kept as written (relative to the file's
// folder, which the command resolves).
func TestExclude(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte("exclude:\n  - vendor\n  - \"**/testdata\"\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if strings.Join(cfg.Exclude, " ") != "vendor **/testdata" {
		t.Errorf("exclude %q", cfg.Exclude)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := Find(deep); got != "" && strings.HasPrefix(got, root) {
		t.Fatalf("found %s before writing one", got)
	}
	want := filepath.Join(root, FileName)
	if err := os.WriteFile(want, []byte("namespace: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Find(deep); got != want {
		t.Errorf("Find = %q, want %q", got, want)
	}
}

func TestTemplateParses(t *testing.T) {
	cfg, errs := Parse("init.yaml", []byte(Template))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(cfg.Assignments) != 1 || cfg.Assignments[0].Initiative.Name != "restricted" || cfg.Fix == nil {
		t.Errorf("template: %+v", cfg)
	}
}

// The built-ins outside the pod security initiatives are selectable in a
// custom initiative by rule id, with Azure's parameter names.
func TestCustomInitiativeWithMoreAzurePolicies(t *testing.T) {
	src := `initiatives:
  more:
    policies:
      disallowed-capabilities: {disallowedCapabilities: [NET_RAW]}
      sys-admin-capability: {}
      allowed-sysctls: {allowedSysctls: [net.ipv4.tcp_syncookies]}
      disallowed-host-paths: {disallowedHostPaths: [/etc]}
      windows-container-admin: {}
      windows-usernames: {allowedUserNames: [ContainerUser]}
assignments:
  - initiative: more
`
	cfg, errs := Parse("c.yaml", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	cs, err := cfg.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cs {
		got[c.Rule] = fmt.Sprint(c.Params["disallowedCapabilities"], c.Params["allowedSysctls"], c.Params["disallowedHostPaths"], c.Params["allowedUserNames"])
	}
	want := map[string]string{
		"disallowed-capabilities": "[NET_RAW] <nil> <nil> <nil>",
		"sys-admin-capability":    "<nil> <nil> <nil> <nil>",
		"allowed-sysctls":         "<nil> [net.ipv4.tcp_syncookies] <nil> <nil>",
		"disallowed-host-paths":   "<nil> <nil> [/etc] <nil>",
		"windows-container-admin": "<nil> <nil> <nil> <nil>",
		"windows-usernames":       "<nil> <nil> <nil> [ContainerUser]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("constraints:\n got %v\nwant %v", got, want)
	}
}
