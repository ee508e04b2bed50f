package config

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// rawInitiative is an initiative as written, resolved lazily so that one
// may start from another defined later in the file.
type rawInitiative struct {
	name     string
	key      *yaml.Node
	fields   map[string]entry
	resolved *policy.Initiative
	busy     bool
}

func (p *parser) initiatives(e entry) {
	raws := map[string]*rawInitiative{}
	var order []string
	for _, pe := range p.pairs(e.val, "initiatives must be a mapping from a name to an initiative") {
		k, v := pe.key, pe.val
		name := k.Value
		if _, err := policy.Builtin(name); err == nil {
			p.fail(k, "initiative %q has the name of a built-in one; choose another name (start it with `from: %s`)", name, name)
			continue
		}
		f := p.fields(v, "initiative "+name, "from", "displayName", "policies", "remove")
		if f == nil {
			continue
		}
		raws[name] = &rawInitiative{name: name, key: k, fields: f}
		order = append(order, name)
	}
	for _, name := range order {
		if in := p.resolve(raws, raws[name]); in != nil {
			p.cfg.Initiatives[name] = in
		}
	}
}

// lookupInitiative finds a built-in or custom initiative by name.
func (p *parser) lookupInitiative(raws map[string]*rawInitiative, name string, at *yaml.Node) *policy.Initiative {
	if r, ok := raws[name]; ok {
		return p.resolve(raws, r)
	}
	if in, ok := p.cfg.Initiatives[name]; ok {
		return in
	}
	in, err := policy.Builtin(name)
	if err != nil {
		var custom []string
		for n := range raws {
			custom = append(custom, n)
		}
		for n := range p.cfg.Initiatives {
			if raws[n] == nil {
				custom = append(custom, n)
			}
		}
		msg := fmt.Sprintf("unknown initiative %q (built in: %s", name, strings.Join(policy.BuiltinNames(), ", "))
		if len(custom) > 0 {
			sortStrings(custom)
			msg += "; defined here: " + strings.Join(custom, ", ")
		}
		p.fail(at, "%s)", msg)
		return nil
	}
	return in
}

func (p *parser) resolve(raws map[string]*rawInitiative, r *rawInitiative) *policy.Initiative {
	if r.resolved != nil {
		return r.resolved
	}
	if r.busy {
		p.fail(r.key, "initiative %q starts from itself (a cycle of `from`)", r.name)
		return nil
	}
	r.busy = true
	defer func() { r.busy = false }()
	var in *policy.Initiative
	if e, ok := r.fields["from"]; ok {
		from, ok := p.str(e, "from")
		if !ok {
			return nil
		}
		base := p.lookupInitiative(raws, from, e.val)
		if base == nil {
			return nil
		}
		in = base.Clone(r.name)
		in.DisplayName = r.name + " (from " + base.Name + ")"
		in.ID, in.Version = "", ""
	} else {
		in = &policy.Initiative{Name: r.name, DisplayName: r.name}
	}
	if e, ok := r.fields["displayName"]; ok {
		if s, ok := p.str(e, "displayName"); ok {
			in.DisplayName = s
		}
	}
	errsBefore := len(p.errs)
	if e, ok := r.fields["remove"]; ok {
		if e.val.Kind != yaml.SequenceNode {
			p.fail(e.val, "remove must be a list of policies, not %s", source.Describe(e.val))
		}
		for _, it := range source.Items(e.val) {
			i := memberIndex(in, it.Value)
			if i < 0 {
				p.fail(it, "initiative %q has no policy %q to remove (it has: %s)", r.name, it.Value, memberNames(in))
				continue
			}
			in.Members = append(in.Members[:i], in.Members[i+1:]...)
		}
	}
	if e, ok := r.fields["policies"]; ok {
		p.policies(in, e)
	}
	if len(p.errs) > errsBefore {
		return nil
	}
	if len(in.Members) == 0 {
		p.fail(r.key, "initiative %q has no policy", r.name)
		return nil
	}
	r.resolved = in
	return in
}

// memberIndex finds a member by reference id, rule id or definition GUID.
func memberIndex(in *policy.Initiative, ref string) int {
	for i, m := range in.Members {
		if strings.EqualFold(m.ReferenceID, ref) {
			return i
		}
	}
	for i, m := range in.Members {
		if strings.EqualFold(m.Definition.Rule, ref) || strings.EqualFold(m.Definition.ID, ref) {
			return i
		}
	}
	return -1
}

func memberNames(in *policy.Initiative) string {
	var names []string
	for _, m := range in.Members {
		n := m.Definition.Rule
		if m.ReferenceID != "" && m.ReferenceID != n {
			n = m.ReferenceID + " (" + n + ")"
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// policies applies `policies:` entries: each adds a policy or gives values
// to one the initiative already has.
func (p *parser) policies(in *policy.Initiative, e entry) {
	for _, pe := range p.pairs(e.val, "policies must be a mapping from a policy (rule id, reference id or definition id) to its parameter values") {
		k, v := pe.key, pe.val
		ref := k.Value
		if !source.IsNull(v) && v.Kind != yaml.MappingNode {
			p.fail(v, "policy %s takes a mapping of parameter values (or {}), not %s", ref, source.Describe(v))
			continue
		}
		version := ""
		if vk, vv := source.Lookup(v, "version"); vk != nil {
			s, ok := p.str(entry{vk, vv}, "version")
			if !ok {
				continue
			}
			version = s
		}
		idx := memberIndex(in, ref)
		var member policy.Member
		if idx >= 0 {
			member = in.Members[idx]
			if version != "" && !versionMatches(member.Definition, version) {
				d, err := policy.Lookup(member.Definition.ID, version)
				if err != nil {
					p.fail(k, "policy %s: %v (known versions: %s)", ref, err, knownVersions(member.Definition.Rule))
					continue
				}
				member.Definition = d
			}
		} else {
			d, err := policy.Lookup(ref, version)
			if err != nil {
				if version != "" && ruleKnown(ref) {
					p.fail(k, "policy %s: no version %q (known versions: %s)", ref, version, knownVersions(ref))
				} else {
					p.fail(k, "unknown policy %q (known: %s)", ref, strings.Join(policy.Rules(), ", "))
				}
				continue
			}
			member = policy.Member{ReferenceID: d.Rule, Definition: d, Values: map[string]any{}}
		}
		values := map[string]any{}
		for name, val := range member.Values {
			values[name] = val
		}
		ok := true
		for j := 0; v != nil && j+1 < len(v.Content); j += 2 {
			pk, pv := v.Content[j], source.Resolve(v.Content[j+1])
			if pk.Value == "version" {
				continue
			}
			val, good := p.param(member.Definition, pk, pv)
			if !good {
				ok = false
				continue
			}
			values[pk.Value] = val
		}
		if !ok {
			continue
		}
		if !p.checkMember(member.Definition, values, k, "policy "+ref) {
			continue
		}
		member.Values = values
		if idx >= 0 {
			in.Members[idx] = member
		} else {
			in.Members = append(in.Members, member)
		}
	}
}

func versionMatches(d *policy.Definition, version string) bool {
	major := strings.TrimSuffix(strings.TrimSuffix(version, ".*.*"), ".*")
	return d.Version == version || d.Major() == major
}

func ruleKnown(ref string) bool {
	for _, d := range policy.Definitions {
		if strings.EqualFold(d.Rule, ref) || strings.EqualFold(d.ID, ref) {
			return true
		}
	}
	return false
}

func knownVersions(ref string) string {
	var vs []string
	for _, d := range policy.Definitions {
		if strings.EqualFold(d.Rule, ref) || strings.EqualFold(d.ID, ref) {
			vs = append(vs, d.Version)
		}
	}
	return strings.Join(vs, ", ")
}

// checkMember makes sure the values make a constraint the engine accepts:
// required parameters set, and the rule's own checks (when the rule is
// implemented) pass.
func (p *parser) checkMember(d *policy.Definition, values map[string]any, at *yaml.Node, what string) bool {
	params, err := d.TemplateParams(values)
	if err != nil {
		p.fail(at, "%s: %v", what, err)
		return false
	}
	if !implemented(d.Rule) {
		return true
	}
	c := &policy.Constraint{Rule: d.Rule, Kind: d.Template, Semantics: policy.Azure, Definition: d,
		Name: at.Value, Params: params, Effect: policy.Audit, Origin: "policy " + at.Value}
	if _, err := lint.New([]*policy.Constraint{c}, lint.Options{}); err != nil {
		msg := err.Error()
		if _, after, found := strings.Cut(msg, "): "); found {
			msg = after
		}
		p.fail(at, "%s: %s", what, msg)
		return false
	}
	return true
}

func implemented(rule string) bool {
	for _, id := range lint.RuleIDs() {
		if id == rule {
			return true
		}
	}
	return false
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
