package lint

import (
	"fmt"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// privilege-escalation. gatekeeper-library (and Azure's v1, and PSS
// restricted) fail every container whose allowPrivilegeEscalation is not
// exactly false. Azure's v3 template (definition 7.x, which the initiatives
// pin) fails it only when allowPrivilegeEscalation is true, or missing with
// a non-zero runAsUser (the container's, else the pod's). So a missing field
// without a non-zero runAsUser is a strict finding under Azure semantics,
// unless 8.x's forcePrivilegeEscalationToBeFalse makes it certain.
func init() {
	register(&rule{id: "privilege-escalation", skipWindows: true, compile: func(c *policy.Constraint) (checker, error) {
		ex, err := readExclusions(c.Params)
		if err != nil {
			return nil, err
		}
		force, _ := c.Params["forcePrivilegeEscalationToBeFalse"].(bool)
		return &escalation{ex: ex, upstream: c.Semantics == policy.Upstream, force: force}, nil
	}})
}

type escalation struct {
	ex       exclusions
	upstream bool
	force    bool
}

func (r *escalation) check(p *Pod, rep *reporter) {
	podUser, podHasUser := source.Int(source.Get(p.PodSC(), "runAsUser"))
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		k, v, field := containerField(p, ct, "allowPrivilegeEscalation")
		ape, isBool := source.Bool(v)
		if isBool && !ape {
			continue
		}
		if isBool && ape {
			rep.report(violation{container: ct, key: k, value: v, field: field,
				msg:     fmt.Sprintf("Privilege escalation container is not allowed: %s (allowPrivilegeEscalation: true)", ct.Name),
				fixNote: "allowPrivilegeEscalation: true was written on purpose; the fixer does not overwrite it"})
			continue
		}
		certainty := Certain
		why := ""
		if !r.upstream && !r.force {
			user, has := source.Int(source.Get(ct.SC, "runAsUser"))
			_, containerSetsUser := source.Lookup(ct.SC, "runAsUser")
			nonZero := (has && user != 0) || (containerSetsUser == nil && podHasUser && podUser != 0)
			if !nonZero {
				certainty = Strict
				why = "; Azure's current template tolerates this without a non-zero runAsUser, PSS restricted and older templates do not"
			}
		}
		vio := violation{container: ct, key: k, value: v, field: field, certainty: certainty,
			msg: fmt.Sprintf("Privilege escalation container is not allowed: %s (allowPrivilegeEscalation is not set to false%s)", ct.Name, why)}
		switch {
		case isTrue(source.Get(ct.SC, "privileged")):
			vio.fixNote = "the container is privileged: the API server rejects allowPrivilegeEscalation: false next to privileged: true"
		case addsSysAdmin(ct):
			vio.fixNote = "the container adds SYS_ADMIN: the API server rejects allowPrivilegeEscalation: false with it"
		default:
			vio.changes = []Change{{Map: ct.Node, Path: []string{"securityContext", "allowPrivilegeEscalation"}, Value: boolNode(false)}}
		}
		rep.report(vio)
	}
}

func isTrue(n *yaml.Node) bool {
	b, ok := source.Bool(n)
	return ok && b
}
