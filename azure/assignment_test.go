package azure

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/policy"
)

// podIn is a pod that passes the restricted initiative's defaults but
// drops no capability, in the given namespace.
func podIn(namespace string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: p, namespace: %s}
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [2000]
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: app:1
      securityContext:
        allowPrivilegeEscalation: false
`, namespace)
}

func manifestIn(namespaces ...string) []byte {
	var docs []string
	for _, ns := range namespaces {
		docs = append(docs, podIn(ns))
	}
	return []byte(strings.Join(docs, "---\n"))
}

// loadAssignment runs what --azure-assignment FILE runs.
func loadAssignment(t *testing.T, data []byte) []*policy.Constraint {
	t.Helper()
	cs, nj, err := Load(nil, "", map[string][]byte{"assignment.json": data}, []string{"assignment.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(nj) != 0 {
		t.Errorf("not judged: %+v", nj)
	}
	return cs
}

// withField returns the assignment JSON with one top-level field changed.
func withField(t *testing.T, data []byte, key string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m[key] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An assignment written by hand in the shape `az policy assignment show`
// prints changes effect, parameters and scope as it says.
func TestAzCLIAssignment(t *testing.T) {
	data := read(t, "testdata/az-assignment-show.json")
	cs := loadAssignment(t, data)
	if len(cs) != 8 {
		t.Fatalf("%d constraints, want the restricted initiative's 8", len(cs))
	}
	for _, c := range cs {
		if c.Effect != policy.Deny {
			t.Errorf("%s: effect %s, want Deny", c.Name, c.Effect)
		}
		if c.Origin != "azure assignment Pod security restricted (payments and shop, deny)" {
			t.Errorf("%s: origin %q", c.Name, c.Origin)
		}
	}
	manifest := manifestIn("payments", "shop-web", "shop-legacy", "other")

	// requiredDropCapabilities [ALL] fails a container that drops nothing,
	// which restricted's defaults ([]) let pass; Deny makes it an error;
	// namespaces [payments, shop-*] minus shop-legacy is the scope.
	got := verdicts(t, cs, manifest, "capabilities")
	want := "payments/p capabilities error\nshop-web/p capabilities error"
	if got != want {
		t.Errorf("capabilities verdicts:\n%s\nwant\n%s", got, want)
	}
	if got := verdicts(t, preset(t, "restricted"), manifest, "capabilities"); got != "" {
		t.Errorf("restricted's defaults should pass a container that drops nothing: %q", got)
	}

	// A bare pod fails the users policy (runAsUser, runAsGroup, fsGroup,
	// supplementalGroups): errors in scope, nothing outside.
	bare := []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: payments}\nspec:\n  containers: [{name: c, image: c}]\n" +
		"---\napiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: other}\nspec:\n  containers: [{name: c, image: c}]\n")
	if got := verdicts(t, cs, bare, "users-groups"); got != strings.TrimSuffix(strings.Repeat("payments/bare users-groups error\n", 4), "\n") {
		t.Errorf("users-groups verdicts: %q", got)
	}

	// Without the namespace parameters the initiative's defaults apply:
	// every namespace but Azure's four.
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	params := m["parameters"].(map[string]any)
	delete(params, "namespaces")
	delete(params, "excludedNamespaces")
	got = verdicts(t, loadAssignment(t, withField(t, data, "parameters", params)), manifestIn("payments", "other", "kube-system"), "capabilities")
	if got != "payments/p capabilities error\nother/p capabilities error" {
		t.Errorf("default scope:\n%s", got)
	}
}

// enforcementMode DoNotEnforce: Azure installs the constraints with
// enforcementAction dryrun, so Deny only audits: warnings, not errors.
func TestAzCLIAssignmentDoNotEnforce(t *testing.T) {
	data := withField(t, read(t, "testdata/az-assignment-show.json"), "enforcementMode", "DoNotEnforce")
	cs := loadAssignment(t, data)
	for _, c := range cs {
		if c.Effect != policy.Audit {
			t.Errorf("%s: effect %s, want Audit under DoNotEnforce", c.Name, c.Effect)
		}
	}
	got := verdicts(t, cs, manifestIn("payments", "other"), "capabilities")
	if got != "payments/p capabilities warning" {
		t.Errorf("verdicts: %q", got)
	}
	// Disabled stays disabled whatever the mode.
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	m["parameters"].(map[string]any)["effect"] = map[string]any{"value": "Disabled"}
	b, _ := json.Marshal(m)
	if cs := loadAssignment(t, b); len(cs) != 0 {
		t.Errorf("effect Disabled: %d constraints", len(cs))
	}
}

// A parameter the set definition does not have, or a value it does not
// allow, is an error naming the assignment file.
func TestAzCLIAssignmentErrors(t *testing.T) {
	data := read(t, "testdata/az-assignment-show.json")
	for _, tc := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"allowedHostPaths": map[string]any{"value": map[string]any{"paths": []any{}}}},
			"assignment.json: the assignment sets allowedHostPaths, which policy set \"Kubernetes cluster pod security restricted standards for Linux-based workloads\" has no parameter for"},
		{map[string]any{"effect": map[string]any{"value": "Block"}},
			`assignment.json: parameter effect: "Block" is not one of the allowed values`},
	} {
		_, _, err := Load(nil, "", map[string][]byte{"assignment.json": withField(t, data, "parameters", tc.params)}, []string{"assignment.json"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
	_, _, err := Load(nil, "", map[string][]byte{"assignment.json": read(t, "builtin/PSPRestrictedStandard.json")}, []string{"assignment.json"})
	if err == nil || !strings.Contains(err.Error(), "no policyDefinitionId: not a policy assignment") {
		t.Errorf("a set definition given as assignment: %v", err)
	}
}

// overrides of kind policyEffect change the effect of the members their
// selectors pick, as Azure does, without a parameter for it.
func TestAzCLIAssignmentOverrides(t *testing.T) {
	data := read(t, "testdata/az-assignment-show.json")
	overrides := []any{map[string]any{
		"kind": "policyEffect", "value": "Audit",
		"selectors": []any{map[string]any{"kind": "policyDefinitionReferenceId", "in": []any{"ContainerCapabilities"}}},
	}, map[string]any{
		"kind": "policyEffect", "value": "Disabled",
		"selectors": []any{map[string]any{"kind": "policyDefinitionReferenceId", "in": []any{"allowedseccompprofiles"}}},
	}}
	cs := loadAssignment(t, withField(t, data, "overrides", overrides))
	effects := map[string]policy.Effect{}
	for _, c := range cs {
		effects[c.Name] = c.Effect
	}
	if len(cs) != 7 || effects["ContainerCapabilities"] != policy.Audit || effects["AllowedUsersGroups"] != policy.Deny {
		t.Errorf("effects after overrides: %v", effects)
	}
	if _, ok := effects["AllowedSeccompProfiles"]; ok {
		t.Errorf("the Disabled override (reference id matched ignoring case) should drop AllowedSeccompProfiles")
	}
	// notIn: every member but the one named.
	notIn := []any{map[string]any{"kind": "policyEffect", "value": "Audit",
		"selectors": []any{map[string]any{"kind": "policyDefinitionReferenceId", "notIn": []any{"NoPrivilegedContainers"}}}}}
	for _, c := range loadAssignment(t, withField(t, data, "overrides", notIn)) {
		if want := map[bool]policy.Effect{true: policy.Deny, false: policy.Audit}[c.Name == "NoPrivilegedContainers"]; c.Effect != want {
			t.Errorf("notIn: %s has %s, want %s", c.Name, c.Effect, want)
		}
	}
	// What secctx-lint cannot honour is refused, not ignored.
	for _, bad := range []any{
		[]any{map[string]any{"kind": "definitionVersion", "value": "2.*.*"}},
		[]any{map[string]any{"kind": "policyEffect", "value": "Audit", "selectors": []any{map[string]any{"kind": "resourceLocation", "in": []any{"eastus"}}}}},
	} {
		_, _, err := Load(nil, "", map[string][]byte{"assignment.json": withField(t, data, "overrides", bad)}, []string{"assignment.json"})
		if err == nil || !strings.Contains(err.Error(), "is not supported") {
			t.Errorf("override %v: %v", bad, err)
		}
	}
	// A selector naming a member the set does not have matches nothing:
	// a misspelt reference id would leave the effect it meant to change.
	typo := []any{map[string]any{"kind": "policyEffect", "value": "Audit",
		"selectors": []any{map[string]any{"kind": "policyDefinitionReferenceId", "in": []any{"AllowedUserGroups"}}}}}
	if _, _, err := Load(nil, "", map[string][]byte{"a.json": withField(t, data, "overrides", typo)}, []string{"a.json"}); err == nil || !strings.Contains(err.Error(), "the selector names AllowedUserGroups, which") {
		t.Errorf("a misspelt reference id: %v", err)
	}
	// A pin of the set's version that the definition at hand does not
	// meet is refused, not judged with another version's members.
	for pin, ok := range map[string]bool{"1.*.*": false, "2.*.*": true} {
		_, _, err := Load(nil, "", map[string][]byte{"a.json": withField(t, data, "definitionVersion", pin)}, []string{"a.json"})
		if (err == nil) != ok || err != nil && !strings.Contains(err.Error(), "the assignment pins version "+pin) {
			t.Errorf("definitionVersion %s: %v", pin, err)
		}
	}
	// enforcementMode takes Default or DoNotEnforce only.
	if _, _, err := Load(nil, "", map[string][]byte{"a.json": withField(t, data, "enforcementMode", "Disabled")}, []string{"a.json"}); err == nil || !strings.Contains(err.Error(), `enforcementMode "Disabled": want Default or DoNotEnforce`) {
		t.Errorf("enforcementMode Disabled: %v", err)
	}
}
