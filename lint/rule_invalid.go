package lint

import (
	"strings"

	"github.com/secctx-lint/secctx-lint/apitype"
	"github.com/secctx-lint/secctx-lint/policy"
)

// invalid-field: what the API server refuses before any admission webhook,
// Gatekeeper included, sees the Pod. The pod template's metadata and spec
// are checked against the k8s.io/api types as kubectl sends them (see
// source.Scalar): an unknown field (kubectl's default strict field
// validation) or a value of the wrong type means the object is never
// created. It is not a policy: it applies under every initiative and
// constraint set, at level error.

// RuleInvalidField is the rule id of API-type findings.
const RuleInvalidField = "invalid-field"

// InvalidFieldTitle names the check where a policy's display name would
// stand.
const InvalidFieldTitle = "Kubernetes API: the pod template's fields and types"

// invalidFields reports the pod's API-type problems.
func (e *Engine) invalidFields(p *Pod, out *[]Finding, owners *[]*Container) {
	var probs []apitype.Problem
	if p.Meta != nil {
		probs = apitype.Check(p.Meta, apitype.ObjectMeta, strings.TrimSuffix(p.SpecPath, "spec")+"metadata")
	}
	probs = append(probs, apitype.Check(p.Spec, apitype.PodSpec, p.SpecPath)...)
	for _, pr := range probs {
		f := Finding{
			Rule: RuleInvalidField, Policy: InvalidFieldTitle, Effect: policy.Deny,
			Level: LevelError, Certainty: Certain, File: p.Doc.File.Path,
			Kind: p.Kind, Namespace: p.Namespace, Name: p.Name,
			Field: pr.Field, Message: pr.Msg, Doc: p.Doc,
		}
		ct := p.containerOf(pr.Field)
		if ct != nil {
			f.Container = ct.Name
		}
		f.Line, f.Column, f.EndLine, f.EndColumn = span(pr.Key, pr.Value)
		switch {
		case pr.Rename != "":
			f.Changes = []Change{{Map: pr.Parent, Token: pr.Key, Text: pr.Rename}}
		case pr.Plain != "":
			f.Changes = []Change{{Token: pr.Value, Text: pr.Plain}}
		default:
			f.FixNote = invalidFixNote(pr)
		}
		f.Fixable = len(f.Changes) > 0
		*out = append(*out, f)
		if owners != nil {
			*owners = append(*owners, ct)
		}
	}
}

// invalidFixNote says why the fixer leaves a problem alone.
func invalidFixNote(pr apitype.Problem) string {
	switch {
	case pr.Unknown && len(pr.Suggest) > 1:
		return "more than one known field is as close; rename the key yourself"
	case pr.Unknown && len(pr.Suggest) == 1 && pr.Merged:
		return "the key comes from a merged anchor that other objects may share; rename it there yourself"
	case pr.Unknown && len(pr.Suggest) == 1 && pr.Rename == "":
		return "the closest field, " + pr.Suggest[0] + ", is set already (or another key is as close to it); remove or rename the key yourself"
	case pr.Unknown && len(pr.Suggest) == 0:
		return "no known field is close; remove the key or move it where it belongs"
	case !pr.Unknown && pr.Plain == "":
		return "the value has no single meaning of the right type; write it yourself"
	}
	return ""
}

// containerOf finds the container a field path is in.
func (p *Pod) containerOf(field string) *Container {
	for _, ct := range p.Containers {
		path := ct.Path(p)
		if field == path || strings.HasPrefix(field, path+".") {
			return ct
		}
	}
	return nil
}
