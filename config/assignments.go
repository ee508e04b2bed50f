package config

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var assignmentKeys = []string{"name", "initiative", "effect", "namespaces", "excludedNamespaces",
	"excludedContainers", "excludedImages", "labelSelector", "parameters"}

func (p *parser) assignments(e entry) {
	if source.IsNull(e.val) {
		return
	}
	if e.val.Kind != yaml.SequenceNode {
		p.fail(e.val, "assignments must be a list, not %s", source.Describe(e.val))
		return
	}
	for i, it := range source.Items(e.val) {
		if a := p.assignment(it, i+1); a != nil {
			p.cfg.Assignments = append(p.cfg.Assignments, a)
		}
	}
}

func (p *parser) assignment(n *yaml.Node, index int) *policy.Assignment {
	what := fmt.Sprintf("assignment %d", index)
	f := p.fields(n, what, assignmentKeys...)
	if f == nil {
		return nil
	}
	errsBefore := len(p.errs)
	if e, ok := f["name"]; ok {
		if s, ok := p.str(e, "name"); ok {
			what = fmt.Sprintf("assignment %q", s)
		}
	}
	ie, ok := f["initiative"]
	if !ok {
		p.fail(n, "%s needs an initiative: %s or one defined under initiatives", what, strings.Join(policy.BuiltinNames(), ", "))
		return nil
	}
	name, ok := p.str(ie, "initiative")
	if !ok {
		return nil
	}
	in := p.cfg.Initiatives[name]
	if in == nil {
		in = p.lookupInitiative(nil, name, ie.val)
	}
	if in == nil {
		return nil
	}
	a := &policy.Assignment{Initiative: in, Effect: policy.Audit, Overrides: map[string]map[string]any{}}
	if e, ok := f["effect"]; ok {
		if s, ok := p.str(e, "effect"); ok {
			switch strings.ToLower(s) {
			case "audit":
				a.Effect = policy.Audit
			case "deny":
				a.Effect = policy.Deny
			case "disabled":
				a.Effect = policy.Disabled
			default:
				p.fail(e.val, "effect %q is not one of Audit, Deny, Disabled", s)
			}
		}
	}
	if e, ok := f["namespaces"]; ok {
		a.Match.Namespaces, _ = p.strList(e, "namespaces")
	}
	a.Match.ExcludedNamespaces = append([]string(nil), in.DefaultExcludedNamespaces()...)
	if e, ok := f["excludedNamespaces"]; ok {
		a.Match.ExcludedNamespaces, _ = p.strList(e, "excludedNamespaces")
	}
	for _, key := range []string{"excludedContainers", "excludedImages"} {
		e, ok := f[key]
		if !ok {
			continue
		}
		list, ok := p.strList(e, key)
		if !ok {
			continue
		}
		if key == "excludedImages" && !p.imagePatterns(e.val) {
			continue
		}
		vals := make([]any, len(list))
		for i, s := range list {
			vals[i] = s
		}
		// Like an initiative parameter: fed to every member that takes it.
		for _, m := range in.Members {
			if (key == "excludedContainers" && m.Definition.ExcludedContainers) || (key == "excludedImages" && m.Definition.ExcludedImages) {
				p.override(a, m.ReferenceID, key, vals)
			}
		}
	}
	if e, ok := f["labelSelector"]; ok {
		a.Match.LabelSelector = p.labelSelector(e.val)
	}
	if e, ok := f["parameters"]; ok {
		p.assignmentParams(a, e)
	}
	if len(p.errs) > errsBefore {
		return nil
	}
	return a
}

func (p *parser) override(a *policy.Assignment, ref, key string, v any) {
	if a.Overrides[ref] == nil {
		a.Overrides[ref] = map[string]any{}
	}
	a.Overrides[ref][key] = v
}

// assignmentParams applies `parameters:` the way an initiative's own
// parameters work in Azure: a value goes to every member that has a
// parameter of that name.
func (p *parser) assignmentParams(a *policy.Assignment, e entry) {
	for _, pe := range p.pairs(e.val, "parameters must be a mapping of Azure parameter names to values") {
		k, v := pe.key, pe.val
		used := false
		for _, mem := range a.Initiative.Members {
			if _, has := mem.Definition.Param(k.Value); !has {
				continue
			}
			val, ok := p.param(mem.Definition, k, v)
			if !ok {
				used = true
				break
			}
			values := map[string]any{}
			for kk, vv := range mem.Values {
				values[kk] = vv
			}
			for kk, vv := range a.Overrides[mem.ReferenceID] {
				values[kk] = vv
			}
			values[k.Value] = val
			if !p.checkMember(mem.Definition, values, k, "parameter "+k.Value+" for "+mem.ReferenceID) {
				used = true
				break
			}
			p.override(a, mem.ReferenceID, k.Value, val)
			used = true
		}
		if !used {
			p.fail(k, "no policy of initiative %s has a parameter %s (its policies: %s)", a.Initiative.Name, k.Value, memberNames(a.Initiative))
		}
	}
}

func (p *parser) labelSelector(n *yaml.Node) *policy.LabelSelector {
	f := p.fields(n, "labelSelector", "matchLabels", "matchExpressions")
	if f == nil {
		return nil
	}
	sel := &policy.LabelSelector{}
	if e, ok := f["matchLabels"]; ok {
		if e.val.Kind != yaml.MappingNode {
			p.fail(e.val, "matchLabels must be a mapping of label to value, not %s", source.Describe(e.val))
		} else {
			sel.MatchLabels = map[string]string{}
			for i := 0; i+1 < len(e.val.Content); i += 2 {
				k, v := e.val.Content[i], source.Resolve(e.val.Content[i+1])
				if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
					p.fail(v, "label %s must have a string value, not %s", k.Value, source.Describe(v))
					continue
				}
				sel.MatchLabels[k.Value] = v.Value
			}
		}
	}
	if e, ok := f["matchExpressions"]; ok {
		if e.val.Kind != yaml.SequenceNode {
			p.fail(e.val, "matchExpressions must be a list, not %s", source.Describe(e.val))
		}
		for _, it := range source.Items(e.val) {
			xf := p.fields(it, "a matchExpressions item", "key", "operator", "values")
			if xf == nil {
				continue
			}
			var req policy.LabelRequirement
			ke, hasKey := xf["key"]
			oe, hasOp := xf["operator"]
			if !hasKey || !hasOp {
				p.fail(it, "a matchExpressions item needs key and operator")
				continue
			}
			req.Key, _ = p.str(ke, "key")
			req.Operator, _ = p.str(oe, "operator")
			if ve, ok := xf["values"]; ok {
				req.Values, _ = p.strList(ve, "values")
			}
			switch req.Operator {
			case "In", "NotIn":
				if len(req.Values) == 0 {
					p.fail(oe.val, "operator %s needs a non-empty values list", req.Operator)
				}
			case "Exists", "DoesNotExist":
				if len(req.Values) > 0 {
					p.fail(xf["values"].key, "operator %s takes no values", req.Operator)
				}
			default:
				p.fail(oe.val, "operator %q is not one of In, NotIn, Exists, DoesNotExist", req.Operator)
			}
			sel.MatchExpressions = append(sel.MatchExpressions, req)
		}
	}
	return sel
}
