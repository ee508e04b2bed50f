package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ReadConstraints parses Gatekeeper constraint objects from a file's
// documents: gatekeeper-library K8sPSP* kinds (upstream semantics) and
// Azure's K8sAzure* kinds (Azure semantics), also inside a `kind: List` as
// `kubectl get constraints -o yaml` prints them. Constraints of other kinds
// (a live cluster also holds AKS safeguards' resource limits, image rules,
// ...) are listed once per kind as not judged; objects that are not
// Gatekeeper constraints are errors, so that a wrong file is noticed.
func ReadConstraints(f *source.File) ([]*Constraint, []NotJudged, []*source.Error) {
	var out []*Constraint
	var skipped []NotJudged
	seenKinds := map[string]bool{}
	var errs []*source.Error
	fail := func(n *yaml.Node, format string, args ...any) {
		line, col := 0, 0
		if n != nil {
			line, col = n.Line, n.Column
		}
		errs = append(errs, &source.Error{Path: f.Path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
	}
	var visit func(obj *yaml.Node)
	visit = func(obj *yaml.Node) {
		kindKey, kindNode := source.Lookup(obj, "kind")
		kind, _ := source.Str(kindNode)
		if kind == "List" || strings.HasSuffix(kind, "List") {
			for _, it := range source.Items(source.Get(obj, "items")) {
				visit(it)
			}
			return
		}
		c, err := constraintFrom(obj, kind)
		if errors.Is(err, errOtherConstraint) {
			if !seenKinds[kind] {
				seenKinds[kind] = true
				name, _ := source.Str(source.Path(obj, "metadata", "name"))
				skipped = append(skipped, NotJudged{ReferenceID: name, DisplayName: kind,
					Reason: fmt.Sprintf("%s:%d: constraint kind %s is not a pod security policy secctx-lint judges", f.Path, obj.Line, kind)})
			}
			return
		}
		if err != nil {
			at := kindKey
			if at == nil {
				at = obj
			}
			fail(at, "%v", err)
			return
		}
		c.Origin = fmt.Sprintf("constraint %s (%s:%d)", c.Name, f.Path, obj.Line)
		out = append(out, c)
	}
	for _, d := range f.Docs {
		visit(d.Root)
	}
	return out, skipped, errs
}

// errOtherConstraint: a Gatekeeper constraint of a kind that is not one of
// the pod security policies.
var errOtherConstraint = errors.New("not a pod security constraint")

func constraintFrom(obj *yaml.Node, kind string) (*Constraint, error) {
	c := &Constraint{Kind: kind}
	if rule, ok := UpstreamKinds[kind]; ok {
		c.Rule, c.Semantics = rule, Upstream
	} else if d := ByTemplate(kind); d != nil {
		c.Rule, c.Semantics, c.Definition, c.Kind = d.Rule, Azure, d, d.Template
	} else if kind == "" {
		return nil, fmt.Errorf("object without kind; expected a Gatekeeper constraint")
	} else if apiVersion, _ := source.Str(source.Get(obj, "apiVersion")); strings.HasPrefix(apiVersion, "constraints.gatekeeper.sh/") {
		return nil, errOtherConstraint
	} else {
		return nil, fmt.Errorf("%s is not a pod security constraint kind secctx-lint knows (K8sPSP* from gatekeeper-library or K8sAzure* from Azure Policy)", kind)
	}
	c.Name, _ = source.Str(source.Path(obj, "metadata", "name"))
	spec := source.Mapping(source.Get(obj, "spec"))
	action, _ := source.Str(source.Get(spec, "enforcementAction"))
	eff, err := ParseEffect(action)
	if err != nil {
		return nil, err
	}
	c.Effect = eff
	c.Params = map[string]any{}
	if p := source.Get(spec, "parameters"); p != nil && !source.IsNull(p) {
		var params map[string]any
		if err := p.Decode(&params); err != nil {
			return nil, fmt.Errorf("spec.parameters: %v", err)
		}
		c.Params = params
	}
	match := source.Mapping(source.Get(spec, "match"))
	c.Match.Namespaces = source.Strings(source.Get(match, "namespaces"))
	c.Match.ExcludedNamespaces = source.Strings(source.Get(match, "excludedNamespaces"))
	if ls := source.Mapping(source.Get(match, "labelSelector")); ls != nil {
		sel := &LabelSelector{MatchLabels: source.StringMap(source.Get(ls, "matchLabels"))}
		for _, e := range source.Items(source.Get(ls, "matchExpressions")) {
			op, _ := source.Str(source.Get(e, "operator"))
			key, _ := source.Str(source.Get(e, "key"))
			sel.MatchExpressions = append(sel.MatchExpressions, LabelRequirement{Key: key, Operator: op, Values: source.Strings(source.Get(e, "values"))})
		}
		c.Match.LabelSelector = sel
	}
	return c, nil
}
