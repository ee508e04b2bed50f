// Package policy models what Azure Policy models, in Azure's words: policy
// definitions at a major version with typed parameters and defaults,
// initiatives (named sets of definitions with parameter values), and the
// Gatekeeper constraints an assignment turns into. It holds data only; the
// semantics of each policy live in package lint.
package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Effect is an Azure Policy effect.
type Effect string

// The effects a pod security policy can have.
const (
	Audit    Effect = "Audit"
	Deny     Effect = "Deny"
	Disabled Effect = "Disabled"
)

// ParseEffect accepts Azure's spellings (any case) and Gatekeeper's
// enforcement actions (dryrun and warn audit, deny denies).
func ParseEffect(s string) (Effect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "audit", "dryrun", "warn", "":
		return Audit, nil
	case "deny":
		return Deny, nil
	case "disabled":
		return Disabled, nil
	}
	return "", fmt.Errorf("unknown effect %q (want Audit, Deny or Disabled; or dryrun, warn, deny)", s)
}

// Semantics says whose reading of a policy applies.
type Semantics int

const (
	// Azure is the managed Gatekeeper of Azure Policy (K8sAzure* templates):
	// excludedContainers/excludedImages, Windows pods skipped, and
	// certainty for the readings the reference marks UNVERIFIED.
	Azure Semantics = iota
	// Upstream is gatekeeper-library's K8sPSP* templates: exemptImages,
	// and verdicts that are exactly the library's Rego.
	Upstream
)

func (s Semantics) String() string {
	if s == Upstream {
		return "gatekeeper-library"
	}
	return "azure"
}

// Param is one parameter of a definition as an assignment sets it.
type Param struct {
	Name    string
	Type    string // String, Integer, Boolean, Array, Object
	Default any    // JSON value; nil with Required means the assignment must set it
	// Required is set where Azure gives no default.
	Required bool
	Allowed  []string
	Help     string
}

// Definition is a built-in policy definition at one major version.
type Definition struct {
	// Rule is secctx-lint's stable rule id (kebab-case).
	Rule        string
	ID          string // definition GUID
	Version     string // newest version of this major
	DisplayName string
	// Template is the Gatekeeper constraint kind Azure installs for it.
	Template string
	// OlderTemplates are kinds earlier minor versions installed (and Azure's
	// published samples still use), read with the same semantics.
	OlderTemplates []string
	DefaultEffect  Effect
	// Params are the policy-specific assignment parameters.
	Params []Param
	// ExcludedContainers and ExcludedImages tell whether the definition
	// takes those parameters.
	ExcludedContainers bool
	ExcludedImages     bool
	// Values maps template parameters to the assignment parameters that
	// feed them, as the definition's `values` block does: "name" or
	// "name.field" (Azure wraps lists in an object, e.g. allowedHostPaths.paths).
	// Template parameters not listed take the assignment parameter of the
	// same name.
	Values map[string]string
	// SampleOnly: the definition file is not in the shared copy of
	// Azure's built-ins (the Windows policies) or does not exist (the
	// disallowed-host-paths sample); what is known comes from Azure's
	// published sample template and the definition summary beside it.
	SampleOnly bool
}

// Major is the definition's major version number.
func (d *Definition) Major() string {
	major, _, _ := strings.Cut(d.Version, ".")
	return major
}

// Param returns the named policy-specific parameter.
func (d *Definition) Param(name string) (Param, bool) {
	for _, p := range d.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// TemplateParams turns assignment parameter values into the template
// parameters the constraint carries. Missing values take the defaults.
func (d *Definition) TemplateParams(assigned map[string]any) (map[string]any, error) {
	values := map[string]any{}
	for _, p := range d.Params {
		v, ok := assigned[p.Name]
		if !ok {
			if p.Required {
				return nil, fmt.Errorf("%s: parameter %s has no default and must be set", d.Rule, p.Name)
			}
			v = p.Default
		}
		values[p.Name] = v
	}
	for k, v := range assigned {
		if _, known := values[k]; known {
			continue
		}
		switch k {
		case "excludedContainers":
			if !d.ExcludedContainers {
				return nil, fmt.Errorf("%s %s has no parameter excludedContainers", d.Rule, d.Version)
			}
		case "excludedImages":
			if !d.ExcludedImages {
				return nil, fmt.Errorf("%s %s has no parameter excludedImages", d.Rule, d.Version)
			}
		case "effect", "excludedNamespaces", "namespaces", "labelSelector", "source", "warn":
			continue // scope and effect, not template parameters
		default:
			return nil, fmt.Errorf("%s %s has no parameter %s (it has: %s)", d.Rule, d.Version, k, strings.Join(d.ParamNames(), ", "))
		}
		values[k] = v
	}
	out := map[string]any{}
	mapped := map[string]bool{}
	for tmpl, expr := range d.Values {
		name, field, hasField := strings.Cut(expr, ".")
		mapped[name] = true
		v, ok := values[name]
		if !ok {
			continue
		}
		if hasField {
			obj, isObj := v.(map[string]any)
			if !isObj {
				return nil, fmt.Errorf("%s: parameter %s must be an object with %q", d.Rule, name, field)
			}
			v = obj[field]
		}
		setPath(out, tmpl, v)
	}
	for name, v := range values {
		if !mapped[name] {
			out[name] = v
		}
	}
	return out, nil
}

// setPath sets a dotted key ("runAsUser.rule") in nested maps.
func setPath(m map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		m[head] = v
		return
	}
	child, ok := m[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[head] = child
	}
	setPath(child, rest, v)
}

// ParamNames lists the parameters an assignment may give the definition,
// sorted.
func (d *Definition) ParamNames() []string {
	var names []string
	for _, p := range d.Params {
		names = append(names, p.Name)
	}
	if d.ExcludedContainers {
		names = append(names, "excludedContainers")
	}
	if d.ExcludedImages {
		names = append(names, "excludedImages")
	}
	sort.Strings(names)
	return names
}

// Match is a constraint's scope.
type Match struct {
	// Namespaces, when not empty, is the only namespaces judged.
	Namespaces []string
	// ExcludedNamespaces are never judged. Entries may end in * (prefix).
	ExcludedNamespaces []string
	// LabelSelector selects pods by their (template) labels.
	LabelSelector *LabelSelector
}

// LabelSelector is a Kubernetes label selector.
type LabelSelector struct {
	MatchLabels      map[string]string
	MatchExpressions []LabelRequirement
}

// LabelRequirement is one matchExpressions entry.
type LabelRequirement struct {
	Key      string
	Operator string // In, NotIn, Exists, DoesNotExist
	Values   []string
}

// Matches reports whether labels satisfy the selector. A nil selector
// matches everything.
func (s *LabelSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return true
	}
	for k, v := range s.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	for _, r := range s.MatchExpressions {
		v, has := labels[r.Key]
		switch r.Operator {
		case "In":
			if !has || !contains(r.Values, v) {
				return false
			}
		case "NotIn":
			if has && contains(r.Values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		}
	}
	return true
}

// Covers reports whether the scope holds a namespace and a pod's labels.
func (m *Match) Covers(namespace string, labels map[string]string) bool {
	if len(m.Namespaces) > 0 && !matchAny(m.Namespaces, namespace) {
		return false
	}
	if matchAny(m.ExcludedNamespaces, namespace) {
		return false
	}
	return m.LabelSelector.Matches(labels)
}

// matchAny matches exact names and Gatekeeper's trailing-* prefixes.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if p == s || (strings.HasSuffix(p, "*") && strings.HasPrefix(s, strings.TrimSuffix(p, "*"))) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DefaultExcludedNamespaces are excluded by every Azure definition and
// initiative unless an assignment says otherwise.
var DefaultExcludedNamespaces = []string{"kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"}

// azureSystemNamespaces are left out by Azure Policy for Kubernetes
// whatever an assignment's excludedNamespaces says: every definition's
// text calls them "always excluded by design" (only
// azure-extensions-usage-system "is optional to remove").
var azureSystemNamespaces = []string{"kube-system", "gatekeeper-system", "azure-arc"}

// Judges tells whether the constraint judges a pod in namespace with
// labels: its match, and for Azure's policies their system namespaces,
// which no assignment can bring in. A gatekeeper-library constraint's
// match alone decides.
func (c *Constraint) Judges(namespace string, labels map[string]string) bool {
	if c.Semantics == Azure && contains(azureSystemNamespaces, namespace) {
		return false
	}
	return c.Match.Covers(namespace, labels)
}

// Constraint is one policy applied with parameters, an effect and a scope:
// what Gatekeeper holds in a cluster for each policy of an assignment.
type Constraint struct {
	// Rule is the secctx-lint rule that judges it.
	Rule string
	// Kind is the Gatekeeper constraint kind (K8sAzureV3AllowedUsersGroups,
	// K8sPSPAllowedUsers, ...).
	Kind      string
	Semantics Semantics
	// Definition is the Azure definition, or nil for gatekeeper-library kinds.
	Definition *Definition
	// Name names the constraint (or the initiative's policy reference).
	Name string
	// Params are the template parameters (not Azure's assignment names).
	Params map[string]any
	Effect Effect
	Match  Match
	// Origin says where the constraint came from, for messages.
	Origin string
}

// PolicyName is the name findings report: Azure's display name, or the
// constraint kind for gatekeeper-library constraints.
func (c *Constraint) PolicyName() string {
	if c.Definition != nil {
		return c.Definition.DisplayName
	}
	return c.Kind
}
