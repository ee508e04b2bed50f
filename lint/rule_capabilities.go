package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// capabilities: every capabilities.add entry must be allowed ("*" allows
// all) and every required drop must be in capabilities.drop. Azure's v3
// template and gatekeeper-library compare case-insensitively and accept
// drop: [ALL] for any required list; Azure's v1 did neither, so a verdict
// that rests on those is strict under Azure semantics.
func init() {
	register(&rule{id: "capabilities", skipWindows: true, compile: func(c *policy.Constraint) (checker, error) {
		r := &capabilities{upstream: c.Semantics == policy.Upstream}
		var err error
		if r.ex, err = readExclusions(c.Params); err != nil {
			return nil, err
		}
		if r.allowed, err = stringList(c.Params, "allowedCapabilities"); err != nil {
			return nil, err
		}
		if r.requiredDrop, err = stringList(c.Params, "requiredDropCapabilities"); err != nil {
			return nil, err
		}
		return r, nil
	}})
}

type capabilities struct {
	ex           exclusions
	allowed      []string
	requiredDrop []string
	upstream     bool
}

// normCap upper-cases a capability and drops a CAP_ prefix.
func normCap(s string) string {
	return strings.TrimPrefix(strings.ToUpper(s), "CAP_")
}

func (r *capabilities) check(p *Pod, rep *reporter) {
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		r.checkAdd(p, ct, rep)
		r.checkDrop(p, ct, rep)
	}
}

func (r *capabilities) checkAdd(p *Pod, ct *Container, rep *reporter) {
	k, v, field := containerField(p, ct, "capabilities", "add")
	added := source.Strings(v)
	if len(added) == 0 || contains(r.allowed, "*") {
		return
	}
	// disallowed under case-insensitive (v3) and exact (v1) comparison
	loose, exact := notIn(added, r.allowed)
	certainty := Certain
	bad := loose
	if len(loose) == 0 {
		if r.upstream || len(exact) == 0 {
			return
		}
		certainty, bad = Strict, exact
	}
	allowed := "none"
	if len(r.allowed) > 0 {
		allowed = strings.Join(r.allowed, ", ")
	}
	msg := fmt.Sprintf("container %s has a disallowed capability %s; allowed capabilities are %s", ct.Label(), strings.Join(bad, ", "), allowed)
	if certainty == Strict {
		msg += " (they match only ignoring case, which Azure's v1 template did not)"
	}
	rep.report(violation{container: ct, key: k, value: v, field: field, certainty: certainty, msg: msg,
		fixNote: "removing a capability changes what the workload can do; the fixer leaves it to you"})
}

func (r *capabilities) checkDrop(p *Pod, ct *Container, rep *reporter) {
	if len(r.requiredDrop) == 0 {
		return
	}
	k, v, field := containerField(p, ct, "capabilities", "drop")
	dropped := source.Strings(v)
	missingLoose, missingExact := notIn(r.requiredDrop, dropped)
	allLoose, _ := notIn([]string{"ALL"}, dropped)
	hasAll := len(allLoose) == 0
	certainty := Certain
	switch {
	case len(missingLoose) > 0 && !hasAll:
	case r.upstream || len(missingExact) == 0:
		return
	default:
		certainty = Strict
	}
	must := fmt.Sprintf("all of %s or \"ALL\"", strings.Join(r.requiredDrop, ", "))
	if len(r.requiredDrop) == 1 && strings.EqualFold(r.requiredDrop[0], "ALL") {
		must = "\"ALL\""
	}
	msg := fmt.Sprintf("container %s is not dropping all required capabilities; it must drop %s", ct.Label(), must)
	if certainty == Strict {
		msg += " (it drops them only through ALL or in another case, which Azure's v1 template did not accept)"
	}
	vio := violation{container: ct, key: k, value: v, field: field, certainty: certainty, msg: msg}
	if !hasAll {
		// ALL, and for Azure's v1 reading every required capability by
		// its exact name too: with ALL alone that reading is still unmet,
		// and a second --fix would add the names. Another constraint may
		// require other names: the lists add up (Set).
		items := []*yaml.Node{strNode("ALL")}
		if !r.upstream {
			for _, m := range missingExact {
				if !slices.ContainsFunc(items, func(n *yaml.Node) bool { return n.Value == m }) {
					items = append(items, strNode(m))
				}
			}
		}
		vio.changes = []Change{{Map: ct.Node, Path: []string{"securityContext", "capabilities", "drop"}, Value: seqNode(items...), Append: len(dropped) > 0, Set: true}}
	} else {
		// Only Azure's v1 reading fails: name every required capability.
		var items []*yaml.Node
		for _, m := range missingExact {
			items = append(items, strNode(m))
		}
		vio.changes = []Change{{Map: ct.Node, Path: []string{"securityContext", "capabilities", "drop"}, Value: seqNode(items...), Append: true}}
	}
	rep.report(vio)
}

// notIn returns the items missing from list, comparing ignoring case
// (Azure v3, gatekeeper-library) and exactly (Azure v1).
func notIn(items, list []string) (loose, exact []string) {
	for _, it := range items {
		okLoose, okExact := false, false
		for _, l := range list {
			okLoose = okLoose || strings.EqualFold(it, l)
			okExact = okExact || it == l
		}
		if !okLoose {
			loose = append(loose, it)
		}
		if !okExact {
			exact = append(exact, it)
		}
	}
	return loose, exact
}
