package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Member is one policy of an initiative with the values the initiative
// passes to it (assignment parameter names).
type Member struct {
	ReferenceID string
	Definition  *Definition
	Values      map[string]any
}

// Initiative is a named set of policies (an Azure policy set definition).
type Initiative struct {
	Name        string // short name used on the command line
	ID          string
	Version     string
	DisplayName string
	Members     []Member
	// ExcludedNamespaces is the initiative's default namespace exclusion;
	// nil means Azure's default four (DefaultExcludedNamespaces).
	ExcludedNamespaces []string
	// NotJudged lists the members secctx-lint does not judge (not pod
	// security policies, Windows, preview), so that they are named rather
	// than silently dropped.
	NotJudged []NotJudged
}

func mustLookup(rule, major string) *Definition {
	d, err := Lookup(rule, major)
	if err != nil {
		panic(err)
	}
	return d
}

func pssRange() map[string]any {
	return map[string]any{"ranges": []any{map[string]any{"min": 1, "max": 65535}}}
}

// Builtin initiatives, exactly as Azure ships them (PSPBaselineStandard.json
// and PSPRestrictedStandard.json; a test compares them with those files).
var builtins = map[string]*Initiative{
	"baseline": {
		Name: "baseline", ID: "a8640138-9b0a-4a28-b8cb-1666c838647d", Version: "1.4.0",
		DisplayName: "Kubernetes cluster pod security baseline standards for Linux-based workloads",
		Members: []Member{
			{ReferenceID: "NoPrivilegedContainers", Definition: mustLookup("privileged-containers", "9")},
			{ReferenceID: "BlockUsingHostNetwork", Definition: mustLookup("host-network-ports", "6"),
				Values: map[string]any{"allowHostNetwork": false, "minPort": 0, "maxPort": 0}},
			{ReferenceID: "BlockUsingHostProcessIDAndIPC", Definition: mustLookup("host-namespaces", "5")},
			{ReferenceID: "ContainerCapabilities", Definition: mustLookup("capabilities", "6"),
				Values: map[string]any{"allowedCapabilities": pssCapabilities, "requiredDropCapabilities": []any{}}},
			{ReferenceID: "NoHostPathVolume", Definition: mustLookup("host-paths", "6"),
				Values: map[string]any{"allowedHostPaths": map[string]any{"paths": []any{}}}},
		},
	},
	"restricted": {
		Name: "restricted", ID: "42b8ef37-b724-4e24-bbc8-7a7708edfe00", Version: "2.5.0",
		DisplayName: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
		Members: []Member{
			{ReferenceID: "NoPrivilegedContainers", Definition: mustLookup("privileged-containers", "9")},
			{ReferenceID: "NoPrivilegeEscalation", Definition: mustLookup("privilege-escalation", "7")},
			{ReferenceID: "BlockUsingHostNetwork", Definition: mustLookup("host-network-ports", "6"),
				Values: map[string]any{"allowHostNetwork": false, "minPort": 0, "maxPort": 0}},
			{ReferenceID: "BlockUsingHostProcessIDAndIPC", Definition: mustLookup("host-namespaces", "5")},
			{ReferenceID: "ContainerCapabilities", Definition: mustLookup("capabilities", "6"),
				Values: map[string]any{"allowedCapabilities": pssCapabilities, "requiredDropCapabilities": []any{}}},
			{ReferenceID: "AllowedVolumeTypes", Definition: mustLookup("volume-types", "5"),
				Values: map[string]any{"allowedVolumeTypes": []any{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}}},
			{ReferenceID: "AllowedUsersGroups", Definition: mustLookup("users-groups", "6"),
				Values: map[string]any{
					"runAsUserRule": "MustRunAsNonRoot", "runAsUserRanges": ranges(),
					"runAsGroupRule": "MustRunAs", "runAsGroupRanges": pssRange(),
					"supplementalGroupsRule": "MustRunAs", "supplementalGroupsRanges": pssRange(),
					"fsGroupRule": "MustRunAs", "fsGroupRanges": pssRange(),
				}},
			{ReferenceID: "AllowedSeccompProfiles", Definition: mustLookup("seccomp", "7"),
				Values: map[string]any{"allowedProfiles": []any{"runtime/default", "docker/default"}}},
		},
	},
}

// Builtin returns a built-in initiative by its short name.
func Builtin(name string) (*Initiative, error) {
	if in, ok := builtins[strings.ToLower(name)]; ok {
		return in, nil
	}
	return nil, fmt.Errorf("unknown initiative %q (built in: %s)", name, strings.Join(BuiltinNames(), ", "))
}

// BuiltinNames lists the built-in initiatives.
func BuiltinNames() []string {
	var names []string
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Assignment applies an initiative with an effect to a scope.
type Assignment struct {
	Initiative *Initiative
	Effect     Effect
	Match      Match
	// Overrides are assignment parameter values per member reference id
	// (or per rule id), applied over the initiative's values.
	Overrides map[string]map[string]any
}

// Constraints expands the assignment into one constraint per member, as
// Azure's add-on creates them in the cluster.
func (a *Assignment) Constraints() ([]*Constraint, error) {
	if a.Effect == Disabled {
		return nil, nil
	}
	var out []*Constraint
	for _, m := range a.Initiative.Members {
		values := map[string]any{}
		for k, v := range m.Values {
			values[k] = v
		}
		for _, key := range []string{m.ReferenceID, m.Definition.Rule} {
			for k, v := range a.Overrides[key] {
				values[k] = v
			}
		}
		params, err := m.Definition.TemplateParams(values)
		if err != nil {
			return nil, fmt.Errorf("initiative %s, %s: %w", a.Initiative.Name, m.ReferenceID, err)
		}
		out = append(out, &Constraint{
			Rule:       m.Definition.Rule,
			Kind:       m.Definition.Template,
			Semantics:  Azure,
			Definition: m.Definition,
			Name:       m.ReferenceID,
			Params:     params,
			Effect:     a.Effect,
			Match:      a.Match,
			Origin:     "initiative " + a.Initiative.Name,
		})
	}
	return out, nil
}
