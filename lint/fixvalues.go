package lint

import (
	"fmt"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// judgedBy is a users-groups constraint that judged a pod.
type judgedBy struct {
	c *policy.Constraint
	u *users
}

// refuseMayRunAsFixValues withholds the fixes that would write a group
// ID which a MayRunAs constraint judging the pod refuses. Such a
// constraint says nothing while the field is missing, so it has no
// finding of its own to refuse the value with, but it would have one
// once the fixer wrote it: one constraint asks for fsGroup MustRunAs
// 1-65535 and gets the fix value 2000, another allows fsGroup MayRunAs
// 1-100. The finding is refused as a fix value outside its own ranges is
// (FixValueForbidden): --fix stops and says which value to choose.
func refuseMayRunAsFixValues(p *Pod, fs []Finding, judges []judgedBy) {
	if len(judges) < 2 {
		return // a constraint never writes into its own MayRunAs field
	}
	withholdFixes(fs, true, func(ch Change) string { return mayRunAsRefusal(p, ch, judges) })
}

// mayRunAsRefusal says why a MayRunAs constraint refuses what ch writes,
// or "".
func mayRunAsRefusal(p *Pod, ch Change, judges []judgedBy) string {
	if len(ch.Path) == 0 || ch.Value == nil {
		return ""
	}
	field := ch.Path[len(ch.Path)-1]
	var values []*yaml.Node
	switch field {
	case "runAsGroup", "fsGroup":
		values = []*yaml.Node{ch.Value}
	case "supplementalGroups":
		values = ch.Value.Content
	default:
		return ""
	}
	for _, j := range judges {
		rule := j.u.rule(field)
		if rule == nil || rule.Rule != "MayRunAs" || !j.u.seesPodLevel(p, field) {
			continue
		}
		for _, v := range values {
			if id, ok := source.Int(v); ok && !j.u.inRange(id, rule.Ranges) {
				return fmt.Sprintf("the fix value %s %d is not allowed by %s %s (%s); choose another with --%s or fix.%s in the configuration", field, id, j.c.Kind, j.c.Name, rule, flagName(field), field)
			}
		}
	}
	return ""
}

// seesPodLevel: a value written at pod level reaches a container this
// constraint judges: one it does not exclude, and for runAsGroup one
// without a runAsGroup of its own.
func (u *users) seesPodLevel(p *Pod, field string) bool {
	for _, ct := range p.Containers {
		if u.ex.skip(ct) {
			continue
		}
		if field != "runAsGroup" {
			return true
		}
		if _, _, atContainer := effective(p, ct, field); !atContainer {
			return true
		}
	}
	return false
}
