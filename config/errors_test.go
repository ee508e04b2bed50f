package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/policy"
)

// TestErrorPositions covers the error messages TestErrors does not, each
// with the line and column of the key or value to fix.
func TestErrorPositions(t *testing.T) {
	const users = "initiatives:\n  x:\n    policies:\n      users-groups:\n        "
	const hostPaths = "initiatives:\n  x:\n    policies:\n      host-paths:\n        "
	const restricted = "assignments:\n  - initiative: restricted\n    "
	cases := []struct{ src, want string }{
		// the top level and fix
		{"- initiative: restricted\n", "1:1: the configuration must be a mapping with the keys namespace, exclude, fix, initiatives, assignments, charts"},
		{"fix: 5\n", "1:6: fix must be a mapping, not an integer (5)"},
		{"namespace: \"\"\n", "1:12: namespace must not be empty"},
		{"fix:\n  runAsGroup: 2147483648\n", "2:15: fix.runAsGroup must be between 1 and 2147483647"},
		{"fix:\n  supplementalGroups: [0]\n", "2:24: fix.supplementalGroups items must be 1 or more"},
		{"fix:\n  supplementalGroups: [a]\n", `2:24: fix.supplementalGroups item must be an integer, not a string ("a")`},
		{"fix:\n  supplementalGroups: 5\n", "2:23: fix.supplementalGroups must be a non-empty list of integers, not an integer (5)"},
		// assignments
		{"assignments:\n  - initiative: [restricted]\n", "2:17: initiative must be a string, not a list"},
		{"assignments:\n  - initiative: mine\n", `2:17: unknown initiative "mine" (built in: aks-safeguards, baseline, mcsb, restricted)`},
		{"initiatives:\n  mine: {from: restricted}\nassignments:\n  - initiative: other\n", `4:17: unknown initiative "other" (built in: aks-safeguards, baseline, mcsb, restricted; defined here: mine)`},
		{"assignments:\n  - name: web\n", `2:5: assignment "web" needs an initiative`},
		{restricted + "excludedNamespaces: [kube-system, {a: b}]\n", "3:39: excludedNamespaces must be a list of strings; this item is a mapping"},
		{restricted + "excludedImages: [1]\n", "3:22: excludedImages items must be strings, not an integer (1)"},
		{restricted + "parameters: [allowedCapabilities]\n", "3:17: parameters must be a mapping of Azure parameter names to values, not a list"},
		{restricted + "labelSelector: {matchLabel: {a: b}}\n", `3:21: unknown key "matchLabel" in labelSelector (want matchLabels, matchExpressions)`},
		{restricted + "labelSelector: {matchLabels: [a]}\n", "3:34: matchLabels must be a mapping of label to value, not a list"},
		{restricted + "labelSelector: {matchLabels: {team: [a]}}\n", "3:41: label team must have a string value, not a list"},
		{restricted + "labelSelector: {matchExpressions: {key: a}}\n", "3:39: matchExpressions must be a list, not a mapping"},
		{restricted + "labelSelector:\n      matchExpressions: [{key: a}]\n", "4:26: a matchExpressions item needs key and operator"},
		{restricted + "labelSelector:\n      matchExpressions: [{key: a, operator: In}]\n", "4:45: operator In needs a non-empty values list"},
		{restricted + "labelSelector:\n      matchExpressions: [{key: a, operator: Exists, values: [b]}]\n", "4:53: operator Exists takes no values"},
		// initiatives
		{"initiatives: [a]\n", "1:14: initiatives must be a mapping from a name to an initiative, not a list"},
		{"initiatives:\n  x: [a]\n", "2:6: initiative x must be a mapping, not a list"},
		{"initiatives:\n  x: {from: [restricted]}\n", "2:13: from must be a string, not a list"},
		{"initiatives:\n  x: {from: restricted, remove: seccomp}\n", `2:33: remove must be a list of policies, not a string ("seccomp")`},
		{"initiatives:\n  x: {displayName: X}\n", `2:3: initiative "x" has no policy`},
		{"initiatives:\n  x: {from: restricted, policies: [seccomp]}\n", "2:35: policies must be a mapping from a policy (rule id, reference id or definition id) to its parameter values, not a list"},
		{"initiatives:\n  x:\n    from: restricted\n    policies:\n      seccomp: [a]\n", "5:16: policy seccomp takes a mapping of parameter values (or {}), not a list"},
		{"initiatives:\n  x:\n    from: restricted\n    policies:\n      seccomp: {version: [7]}\n", "5:26: version must be a string, not a list"},
		{"initiatives:\n  x:\n    from: restricted\n    policies:\n      privilege-escalation: {version: \"3\"}\n", `5:7: policy privilege-escalation: no built-in definition 1c6e92c9-99f0-4e55-9cf2-0c234dc48f99 at version "3" (known versions: 7.2.0, 8.0.0)`},
		// parameter types and Azure's schemas
		{"initiatives:\n  x:\n    policies:\n      host-network-ports:\n        allowHostNetwork: \"yes\"\n", `5:27: host-network-ports parameter allowHostNetwork must be a boolean (true or false), not a string ("yes")`},
		{"initiatives:\n  x:\n    policies:\n      host-network-ports:\n        version: \"6\"\n        minPort: \"80\"\n", `6:18: host-network-ports parameter minPort must be an integer, not a string ("80")`},
		{"initiatives:\n  x:\n    policies:\n      host-network-ports:\n        minPort: 80\n", "5:9: policy host-network-ports 7.0.0 has no parameter minPort (it has: allowHostNetwork, allowedHostPorts, excludedImages)"},
		{users + "runAsUserRule: 1\n", "5:24: users-groups parameter runAsUserRule must be a string, not an integer (1)"},
		{users + "runAsUserRanges: {ranges: [], other: 1}\n", `5:39: runAsUserRanges has the key ranges only, not "other"`},
		{users + "runAsUserRanges: {}\n", "5:26: runAsUserRanges needs ranges: [{min: 1, max: 65535}] (an empty list for none)"},
		{users + "runAsUserRanges: {ranges: 5}\n", "5:35: runAsUserRanges.ranges must be a list of {min, max}, not an integer (5)"},
		{users + "runAsUserRanges: {ranges: [5]}\n", "5:36: runAsUserRanges.ranges items are {min, max}, not an integer (5)"},
		{users + "runAsUserRanges: {ranges: [{min: a, max: 5}]}\n", `5:42: min must be an integer, not a string ("a")`},
		{users + "runAsUserRanges: {ranges: [{min: -1, max: 5}]}\n", "5:42: runAsUserRanges: min -1 is negative"},
		{users + "runAsUserRanges: {ranges: [{min: 1, max: 5, step: 1}]}\n", `5:53: unknown key "step" in runAsUserRanges range (want min, max)`},
		{hostPaths + "allowedHostPaths: {}\n", "5:27: allowedHostPaths needs paths: [{pathPrefix: /var/log, readOnly: true}] (an empty list blocks every hostPath)"},
		{hostPaths + "allowedHostPaths: {paths: /var}\n", `5:35: allowedHostPaths.paths must be a list, not a string ("/var")`},
		{hostPaths + "allowedHostPaths: {paths: [{pathPrefix: var, readOnly: true}]}\n", `5:49: pathPrefix "var" must be an absolute path`},
		{hostPaths + "allowedHostPaths: {paths: [{pathPrefix: /var, readOnly: yes-please}]}\n", `5:65: readOnly must be true or false, not a string ("yes-please")`},
		{hostPaths + "allowedHostPaths: {paths: [{pathPrefix: /var, readOnly: true, mode: rw}]}\n", `5:71: unknown key "mode" in allowedHostPaths path (want pathPrefix, readOnly)`},
		{hostPaths + "windowsAllowedHostPaths: {paths: [{pathPrefix: /var}]}\n", "5:43: each windowsAllowedHostPaths path needs pathPrefix and readOnly (Azure's schema requires both)"},
		{hostPaths + "windowsAllowedHostPaths: {paths: [{pathPrefix: /var, readOnly: true}]}\n", `5:56: pathPrefix "/var" must be an absolute Windows path (C:\ or \\server\share)`},
		{"initiatives:\n  x:\n    policies:\n      capabilities:\n        excludedImages: [\"a*b\"]\n", `5:26: excludedImages entry "a*b": Azure matches an image exactly or by a prefix ending in *`},
		// the rule's own check of the values (lint.New)
		{"initiatives:\n  x:\n    policies:\n      seccomp:\n        allowedProfiles: [1]\n", "4:7: policy seccomp: parameter allowedProfiles must be a list of strings; found 1"},
	}
	for _, c := range cases {
		_, errs := Parse("c.yaml", []byte(c.src))
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		if len(errs) == 0 || !strings.HasPrefix(msgs[0], "c.yaml:"+c.want) {
			t.Errorf("%q:\n got %s\nwant c.yaml:%s", c.src, strings.Join(msgs, "\n     "), c.want)
		}
	}
}

// Every error is reported, in file order, and a file with errors gives no
// configuration at all.
func TestErrorsAllReported(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte("assignments:\n  - initiative: nope\n    effect: Block\nfix: {runAsUser: 0}\nnamspace: x\n"))
	if cfg != nil {
		t.Errorf("a file with errors gave a configuration: %+v", cfg)
	}
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d:%d", e.Line, e.Column))
	}
	// fix (line 4) and the unknown key (line 5) are read before
	// assignments but reported after them, in file order.
	if want := "2:17 4:18 5:1"; strings.Join(got, " ") != want {
		t.Errorf("positions %v, want %s", got, want)
	}
}

func TestEmptyConfigurations(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n", "namespace: x\ninitiatives:\nassignments:\n"} {
		cfg, errs := Parse("c.yaml", []byte(src))
		if len(errs) > 0 || cfg == nil {
			t.Errorf("%q: %v", src, errs)
			continue
		}
		if len(cfg.Assignments) != 0 || cfg.Fix != nil {
			t.Errorf("%q configures something: %+v", src, cfg)
		}
	}
}

func TestMoreConstructs(t *testing.T) {
	cfg, errs := Parse("c.yaml", []byte(`
initiatives:
  # From scratch: no from, only the policies listed.
  scratch:
    policies:
      privileged-containers: {}
      host-network-ports: {version: "6.*.*", allowHostNetwork: true, minPort: 80, maxPort: 443}
  # From a preset: its not-judged members come along.
  safeguards:
    from: aks-safeguards
    remove: [allowedVolumeTypes]
assignments:
  - name: shared exclusions
    initiative: scratch
    effect: Deny
    excludedNamespaces: &excluded [kube-system, legacy-*]
  - initiative: safeguards
    excludedNamespaces: *excluded
    parameters:
      # Goes to every member with a parameter of that name, as an
      # initiative parameter does in Azure: AppArmor and seccomp here.
      allowedProfiles: [runtime/default]
`))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	scratch := cfg.Initiatives["scratch"]
	if scratch.DisplayName != "scratch" || len(scratch.Members) != 2 || scratch.Members[1].Definition.Version != "6.2.0" {
		t.Errorf("scratch: %+v", scratch)
	}
	a0, a1 := cfg.Assignments[0], cfg.Assignments[1]
	if strings.Join(a0.Match.ExcludedNamespaces, ",") != "kube-system,legacy-*" || strings.Join(a1.Match.ExcludedNamespaces, ",") != "kube-system,legacy-*" {
		t.Errorf("the alias was not followed: %v %v", a0.Match.ExcludedNamespaces, a1.Match.ExcludedNamespaces)
	}
	if a1.Match.Covers("legacy-billing", nil) || !a1.Match.Covers("gatekeeper-system", nil) {
		t.Error("excludedNamespaces replaces the initiative's default list, with prefix* patterns")
	}
	cs, err := cfg.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	profiles := map[string]string{}
	for _, c := range cs {
		if c.Rule == "host-network-ports" && c.Name == "host-network-ports" {
			if c.Params["allowHostNetwork"] != true || c.Params["minPort"] != 80 || c.Params["maxPort"] != 443 || c.Effect != policy.Deny {
				t.Errorf("scratch host-network-ports: %s %v", c.Effect, c.Params)
			}
		}
		if c.Rule == "apparmor" || c.Rule == "seccomp" {
			profiles[c.Rule] = fmt.Sprint(c.Params["allowedProfiles"])
		}
		if c.Rule == "volume-types" {
			t.Error("removed member allowedVolumeTypes still assigned")
		}
	}
	if profiles["apparmor"] != "[runtime/default]" || profiles["seccomp"] != "[runtime/default]" {
		t.Errorf("parameters did not reach every member that has it: %v", profiles)
	}
	aks, _ := policy.Builtin("aks-safeguards")
	if nj := cfg.NotJudged(); len(nj) != len(aks.NotJudged) {
		t.Errorf("an initiative from aks-safeguards lists %d not-judged members, want %d", len(nj), len(aks.NotJudged))
	}
	if len(aks.Members) != 14 {
		t.Errorf("remove changed the preset: %d members", len(aks.Members))
	}
}

// windowsAllowedHostPaths takes Windows paths (a drive, either slash, or a
// UNC share), as Azure's own description suggests (C:\); every one was
// refused as "not an absolute path".
func TestWindowsHostPaths(t *testing.T) {
	src := "initiatives:\n  x:\n    policies:\n      host-paths:\n        windowsAllowedHostPaths: {paths: [{pathPrefix: 'C:\\logs', readOnly: true}, {pathPrefix: 'd:/data', readOnly: false}, {pathPrefix: '\\\\srv\\share', readOnly: true}]}\n"
	if _, errs := Parse("c.yaml", []byte(src)); len(errs) > 0 {
		t.Errorf("%v", errs)
	}
}
