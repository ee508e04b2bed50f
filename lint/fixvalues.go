package lint

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

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
				return fmt.Sprintf("the fix value %s %d is not allowed by %s (%s); choose another with --%s or fix.%s in the configuration", field, id, constraintRef(j.c), rule, flagName(field), field)
			}
		}
	}
	return ""
}

// seesPodLevel: a value written at pod level reaches a container this
// constraint judges: one it does not exclude, and for runAsUser and
// runAsGroup one without a value of its own.
func (u *users) seesPodLevel(p *Pod, field string) bool {
	for _, ct := range p.Containers {
		if u.ex.skip(ct) {
			continue
		}
		if field != "runAsGroup" && field != "runAsUser" {
			return true
		}
		if _, _, atContainer := effective(p, ct, field); !atContainer {
			return true
		}
	}
	return false
}

// constraintRef names a constraint in messages: one from a constraint
// file by its kind and name, an initiative's policy by its reference and
// the initiative (its kind is the template, the same for every
// assignment).
func constraintRef(c *policy.Constraint) string {
	if initiative, ok := strings.CutPrefix(c.Origin, "initiative "); ok {
		return c.Name + " of initiative " + initiative
	}
	return c.Kind + " " + c.Name
}

// maxID is the largest user or group ID Kubernetes accepts.
const maxID = math.MaxInt32

// hintFixValues ends the note of each refused fix value with the ID
// nearest to it that every users constraint judging the pod allows, or
// says that there is none and what each allows. Where two constraints
// judge a pod, the value one refusal names may be refused by the other
// next, and a pair of ranges may leave no value at all: the user should
// not have to find that out by trial. MayRunAs ranges count where the
// fixer refuses values they refuse (withMay: no suppressions).
func hintFixValues(p *Pod, fs []Finding, judges []judgedBy, withMay bool, fix FixValues) {
	for i := range fs {
		f := &fs[i]
		if !f.FixValueForbidden {
			continue
		}
		field := f.Field[strings.LastIndexByte(f.Field, '.')+1:]
		var want int64
		switch field {
		case "runAsUser":
			want = fix.RunAsUser
		case "runAsGroup":
			want = fix.RunAsGroup
		case "fsGroup":
			want = fix.FSGroup
		case "supplementalGroups":
			if len(fix.SupplementalGroups) > 0 {
				want = fix.SupplementalGroups[0]
			}
		default:
			continue
		}
		allowed := []idRange{{Min: 1, Max: maxID}}
		var each []string
		for _, j := range judges {
			rule := j.u.rule(field)
			if rule == nil || rule.Rule == "RunAsAny" || rule.Rule == "MayRunAs" && !withMay || !j.u.seesPodLevel(p, field) {
				continue
			}
			if rule.Rule == "MustRunAs" || rule.Rule == "MayRunAs" {
				allowed = intersectIDs(allowed, j.u.bounded(rule.Ranges))
			}
			each = append(each, constraintRef(j.c)+": "+rule.String())
		}
		if v, ok := nearestID(allowed, want); ok {
			if v != want {
				f.FixNote += fmt.Sprintf("; %d is allowed by every policy that judges this workload", v)
			}
		} else {
			f.FixNote += "; no " + field + " is allowed by every policy that judges this workload (" + strings.Join(each, "; ") + ")"
		}
	}
}

// bounded is ranges as closed intervals within 1..maxID: max -1 is no
// upper bound under Azure's templates (inRange), and empty under
// gatekeeper-library's.
func (u *users) bounded(ranges []idRange) []idRange {
	var out []idRange
	for _, r := range ranges {
		if r.Max == -1 && !u.upstream {
			r.Max = maxID
		}
		r.Min, r.Max = max(r.Min, 1), min(r.Max, maxID)
		if r.Min <= r.Max {
			out = append(out, r)
		}
	}
	return out
}

// intersectIDs is the IDs in both a and b, as sorted disjoint intervals
// (a is such; b is sorted here).
func intersectIDs(a, b []idRange) []idRange {
	b = slices.Clone(b)
	slices.SortFunc(b, func(x, y idRange) int { return cmp.Compare(x.Min, y.Min) })
	var out []idRange
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x.Min, y.Min), min(x.Max, y.Max)
			if lo > hi {
				continue
			}
			if n := len(out); n > 0 && lo <= out[n-1].Max+1 {
				out[n-1].Max = max(out[n-1].Max, hi)
			} else {
				out = append(out, idRange{Min: lo, Max: hi})
			}
		}
	}
	return out
}

// nearestID is the ID in the sorted intervals nearest to want (the lower
// one on a tie), or false when there is none.
func nearestID(in []idRange, want int64) (int64, bool) {
	best, found := int64(0), false
	for _, r := range in {
		v := min(max(want, r.Min), r.Max)
		if !found || abs64(v-want) < abs64(best-want) {
			best, found = v, true
		}
	}
	return best, found
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
