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
				msg:     fmt.Sprintf("Privilege escalation container is not allowed: %s (allowPrivilegeEscalation: true)", ct.Label()),
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
			msg: "Privilege escalation container is not allowed: " + ct.Label() + " (allowPrivilegeEscalation is not set to false" + why + ")"}
		// Read as the fixed file holds them: a privileged: "true" that
		// the invalid-field fix unquotes is privileged.
		fv := p.asFixed()
		var used []int
		switch {
		case fv.privileged(ct, &used):
			vio.fixNote = "the container is privileged: the API server rejects allowPrivilegeEscalation: false next to privileged: true"
		case fv.sysAdmin(ct, &used):
			vio.fixNote = "the container adds CAP_SYS_ADMIN: the API server rejects allowPrivilegeEscalation: false with it"
		default:
			if o := sharedWithPrivileged(p, ct); o != nil {
				vio.fixNote = fmt.Sprintf("the securityContext is shared through an anchor with container %s, which is privileged or adds CAP_SYS_ADMIN: allowPrivilegeEscalation: false would reach it too and the API server would reject the Pod", o.Label())
			} else {
				vio.changes = []Change{{Map: ct.Node, Path: []string{"securityContext", "allowPrivilegeEscalation"}, Value: boolNode(false)}}
			}
		}
		rep.report(vio)
	}
}

// sharedWithPrivileged returns another container that is privileged or adds
// CAP_SYS_ADMIN and that the map the fix writes into (ct's securityContext,
// else ct itself) is part of, through an alias or a merge key (<<), or nil.
func sharedWithPrivileged(p *Pod, ct *Container) *Container {
	target := ct.SC
	if target == nil {
		target = source.Resolve(ct.Node)
	}
	for _, o := range p.Containers {
		if o == ct || !p.asFixed().escalationForbidden(o) {
			continue
		}
		if reaches(o.Node, target, 0) {
			return o
		}
	}
	return nil
}

// reaches: target is n or below it, following aliases. A container's
// securityContext is a few levels down (container, securityContext, <<,
// a sequence of merges); the bound keeps a hostile alias web cheap.
func reaches(n, target *yaml.Node, depth int) bool {
	n = source.Resolve(n)
	if n == nil || depth > 6 {
		return false
	}
	if n == target {
		return true
	}
	for _, c := range n.Content {
		if reaches(c, target, depth+1) {
			return true
		}
	}
	return false
}

func isTrue(n *yaml.Node) bool {
	b, ok := source.Bool(n)
	return ok && b
}
