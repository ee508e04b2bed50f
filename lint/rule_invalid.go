package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/apitype"
	"github.com/secctx-lint/secctx-lint/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// invalid-field: what the API server refuses before any admission webhook,
// Gatekeeper included, sees the Pod. The pod template's metadata and spec
// are checked against the k8s.io/api types as kubectl sends them (see
// source.Scalar): an unknown field (kubectl's default strict field
// validation) or a value of the wrong type means the object is never
// created. It is not a policy: it applies under every initiative and
// constraint set, at level error.
//
// That is the API server's reading of the built-in kinds. A custom
// resource's template (Knative Service, Argo Rollout) is validated
// against its CRD's schema, which may add fields beside the pod spec's
// (Knative's containerConcurrency) or keep unknown ones: there only the
// values of the wrong type for the pod spec's own fields are reported
// (apitype.CheckEmbedded), as the Pod made from the template cannot hold
// them either.

// RuleInvalidField is the rule id of API-type findings.
const RuleInvalidField = "invalid-field"

// InvalidFieldTitle names the check where a policy's display name would
// stand.
const InvalidFieldTitle = "Kubernetes API: the pod template's fields and types"

// invalidFields reports the pod's API-type problems.
func (e *Engine) invalidFields(p *Pod, out *[]Finding, owners *[]*Container) {
	fv := p.asFixed()
	for i, pr := range fv.probs {
		ct := p.containerOf(pr.Field)
		f := p.invalidFinding(ct, pr.Key, pr.Value, pr.Field, pr.Msg)
		switch {
		case fv.withheld[i] != "":
			f.FixNote = fv.withheld[i]
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

// escalationClashes reports the containers that say
// allowPrivilegeEscalation: false beside privileged: true or an added
// CAP_SYS_ADMIN: well typed, but the API server's validation refuses the
// pair (ValidateSecurityContext), so the object is never created. The
// fixer never writes such a pair (fixedView); one written by hand is the
// author's to resolve.
func (p *Pod) escalationClashes(out *[]Finding, owners *[]*Container) {
	for _, ct := range p.Containers {
		if clash, _, _ := written.escalationClash(ct); !clash {
			continue
		}
		// The API server's own words, one error per cause.
		var with, says []string
		var u []int
		if written.privileged(ct, &u) {
			with = append(with, "privileged: true")
			says = append(says, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
		}
		if written.sysAdmin(ct, &u) {
			with = append(with, "capabilities.add CAP_SYS_ADMIN")
			says = append(says, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN")
		}
		k, v, field := containerField(p, ct, "allowPrivilegeEscalation")
		// A custom resource's schema need not hold the pair against it,
		// but the Pod (or the Deployment) its controller makes is a
		// built-in object that the API server validates.
		refuses := "the API server refuses the object"
		if p.Custom {
			refuses = "the API server refuses the Pods made from this template"
		}
		f := p.invalidFinding(ct, k, v, field, fmt.Sprintf("allowPrivilegeEscalation: false beside %s; %s (%q)", strings.Join(with, " and "), refuses, strings.Join(says, "; ")))
		f.FixNote = "decide what the container needs: remove allowPrivilegeEscalation: false (it cannot hold for a privileged container), or " + strings.Join(with, " and ")
		*out = append(*out, f)
		if owners != nil {
			*owners = append(*owners, ct)
		}
	}
}

// invalidFinding is a finding of the API server's refusal at key (and
// value), in container ct (nil: pod level).
func (p *Pod) invalidFinding(ct *Container, key, value *yaml.Node, field, msg string) Finding {
	f := Finding{
		Rule: RuleInvalidField, Policy: InvalidFieldTitle, Effect: policy.Deny,
		Level: LevelError, Certainty: Certain, File: p.Doc.File.Path,
		Kind: p.Kind, Namespace: p.Namespace, Name: p.Name,
		Field: field, Message: msg, Doc: p.Doc,
	}
	if ct != nil {
		f.Container = ct.Name
	}
	f.Line, f.Column, f.EndLine, f.EndColumn = span(key, value)
	return f
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
