package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// users-groups: runAsUser, runAsGroup, supplementalGroups and fsGroup, each
// with a rule (MustRunAs, MayRunAs, MustRunAsNonRoot, RunAsAny) and ranges.
// The container's securityContext wins over the pod's; fsGroup and
// supplementalGroups exist at pod level only, so they are judged once per
// pod. An empty supplementalGroups list is dropped by the API server, so it
// counts as missing. Azure's v3 template reads max: -1 as "no upper bound";
// gatekeeper-library does not. Both accept runAsNonRoot: true in place of a
// non-zero runAsUser under MustRunAsNonRoot; Azure's v1 did not, so that
// case is a strict finding under Azure semantics.
func init() {
	register(&rule{id: "users-groups", skipWindows: true, compile: compileUsers})
}

type idRange struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

type idRule struct {
	Rule   string    `json:"rule"`
	Ranges []idRange `json:"ranges"`
	// text is String's answer, spelled once when compiled: messages of
	// every finding print it.
	text string
}

type usersParams struct {
	RunAsUser          *idRule `json:"runAsUser"`
	RunAsGroup         *idRule `json:"runAsGroup"`
	SupplementalGroups *idRule `json:"supplementalGroups"`
	FSGroup            *idRule `json:"fsGroup"`
}

type users struct {
	p        usersParams
	ex       exclusions
	upstream bool
}

func compileUsers(c *policy.Constraint) (checker, error) {
	u := &users{upstream: c.Semantics == policy.Upstream}
	var err error
	if u.ex, err = readExclusions(c.Params); err != nil {
		return nil, err
	}
	if c.Kind == "K8sPSPFSGroup" {
		// gatekeeper-library's fsgroup template takes {rule, ranges} at the top.
		var fs idRule
		if err := decodeParams(c.Params, &fs); err != nil {
			return nil, err
		}
		if fs.Rule != "" {
			u.p.FSGroup = &fs
		}
	} else if err := decodeParams(c.Params, &u.p); err != nil {
		return nil, err
	}
	for _, name := range []string{"runAsUser", "runAsGroup", "supplementalGroups", "fsGroup"} {
		r := u.rule(name)
		if r == nil {
			continue
		}
		allowed := []string{"MustRunAs", "MayRunAs", "RunAsAny"}
		if name == "runAsUser" {
			allowed = []string{"MustRunAs", "MustRunAsNonRoot", "RunAsAny"}
		}
		if !contains(allowed, r.Rule) {
			return nil, fmt.Errorf("%s rule %q is not one of %s", name, r.Rule, strings.Join(allowed, ", "))
		}
		for _, rg := range r.Ranges {
			if rg.Max != -1 && rg.Max < rg.Min {
				return nil, fmt.Errorf("%s range min %d is above max %d", name, rg.Min, rg.Max)
			}
		}
		r.text = r.spell()
	}
	return u, nil
}

// rule is the constraint's rule for one of its four fields.
func (u *users) rule(field string) *idRule {
	switch field {
	case "runAsUser":
		return u.p.RunAsUser
	case "runAsGroup":
		return u.p.RunAsGroup
	case "fsGroup":
		return u.p.FSGroup
	case "supplementalGroups":
		return u.p.SupplementalGroups
	}
	return nil
}

func (u *users) inRange(v int64, ranges []idRange) bool {
	for _, r := range ranges {
		if v >= r.Min && (v <= r.Max || (!u.upstream && r.Max == -1)) {
			return true
		}
	}
	return false
}

func (r *idRule) String() string {
	if r.text != "" {
		return r.text
	}
	return r.spell()
}

func (r *idRule) spell() string {
	var parts []string
	for _, rg := range r.Ranges {
		if rg.Max == -1 {
			parts = append(parts, fmt.Sprintf("%d and above", rg.Min))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", rg.Min, rg.Max))
		}
	}
	if len(parts) == 0 {
		if r.Rule == "MustRunAs" || r.Rule == "MayRunAs" {
			return r.Rule + " with no range (every value is refused)"
		}
		return r.Rule
	}
	return r.Rule + " " + strings.Join(parts, ", ")
}

// effective returns a field's value for a container: the container's when
// its securityContext has the key, else the pod's.
func effective(p *Pod, ct *Container, field string) (key, value *yaml.Node, atContainer bool) {
	if k, v := source.Lookup(ct.SC, field); k != nil && !source.IsNull(v) {
		return k, v, true
	}
	k, v := source.Lookup(p.PodSC(), field)
	if source.IsNull(v) {
		return nil, nil, false
	}
	return k, v, false
}

func (u *users) check(p *Pod, rep *reporter) {
	var targets []*Container
	for _, ct := range p.Containers {
		if !u.ex.skip(ct) {
			targets = append(targets, ct)
		}
	}
	if len(targets) == 0 {
		return
	}
	for _, ct := range targets {
		if u.p.RunAsUser != nil {
			u.checkUser(p, ct, rep)
		}
		if u.p.RunAsGroup != nil {
			u.checkID(p, ct, "runAsGroup", u.p.RunAsGroup, rep.fix().RunAsGroup, rep)
		}
	}
	if u.p.FSGroup != nil {
		u.checkID(p, nil, "fsGroup", u.p.FSGroup, rep.fix().FSGroup, rep)
	}
	if u.p.SupplementalGroups != nil {
		u.checkSupplemental(p, rep)
	}
}

func (u *users) checkUser(p *Pod, ct *Container, rep *reporter) {
	rule := u.p.RunAsUser
	if rule.Rule == "RunAsAny" {
		return
	}
	k, v, atContainer := effective(p, ct, "runAsUser")
	if v != nil {
		uid, ok := source.Int(v)
		if !ok {
			return // not a number: the API server rejects the object
		}
		allowed := uid != 0
		if rule.Rule == "MustRunAs" {
			allowed = u.inRange(uid, rule.Ranges)
		}
		if allowed {
			return
		}
		field := ct.Path(p) + ".securityContext.runAsUser"
		if !atContainer {
			field = p.SpecPath + ".securityContext.runAsUser"
		}
		rep.report(violation{container: ct, key: k, value: v, field: field,
			msg:     fmt.Sprintf("Container %s is attempting to run as disallowed user %d (allowed runAsUser: %s)", ct.Label(), uid, rule),
			fixNote: "runAsUser is set; the fixer does not overwrite values you wrote"})
		return
	}
	// runAsUser is missing at both levels.
	_, nonRootNode, _ := effective(p, ct, "runAsNonRoot")
	nonRoot, _ := source.Bool(nonRootNode)
	certainty := Certain
	msg := "Container " + ct.Label() + " is attempting to run without a required securityContext/runAsNonRoot or securityContext/runAsUser != 0"
	if rule.Rule == "MustRunAs" {
		msg = "Container " + ct.Label() + " is attempting to run without a required securityContext/runAsUser (allowed: " + rule.String() + ")"
	} else if nonRoot {
		if u.upstream {
			return
		}
		certainty = Strict
		msg = fmt.Sprintf("Container %s sets runAsNonRoot: true but no runAsUser; Azure's current template accepts that, its v1 template required an explicit non-zero runAsUser", ct.Label())
	}
	key, _, _ := containerField(p, ct, "runAsUser")
	vio := violation{container: ct, key: key, field: p.SpecPath + ".securityContext.runAsUser", msg: msg, certainty: certainty}
	uid := rep.fix().RunAsUser
	switch {
	case uid == 0 || (rule.Rule == "MustRunAs" && !u.inRange(uid, rule.Ranges)):
		vio.fixNote = fmt.Sprintf("the fix value runAsUser %d is not allowed by %s (%s); choose another with --run-as-user or fix.runAsUser in the configuration", uid, constraintRef(rep.ck.c), rule)
		vio.fixForbidden = true
	case nonRootNode != nil && !nonRoot:
		vio.fixNote = "runAsNonRoot: false is set; the fixer does not overwrite it"
	default:
		// runAsUser alone satisfies every reading; runAsNonRoot: true is
		// added for clarity, unless a sibling container runs as root on
		// purpose: it would inherit the flag and the kubelet would refuse
		// to start it.
		if !nonRoot && !someContainerRunsAsRoot(p) {
			vio.changes = append(vio.changes, Change{Map: p.Spec, Path: []string{"securityContext", "runAsNonRoot"}, Value: boolNode(true)})
		}
		vio.changes = append(vio.changes, Change{Map: p.Spec, Path: []string{"securityContext", "runAsUser"}, Value: intNode(uid)})
	}
	rep.report(vio)
}

// someContainerRunsAsRoot: a container sets runAsUser: 0 itself and would
// inherit a pod-level runAsNonRoot, read as the fixed file holds it (a
// runAsUser: "0" that the invalid-field fix unquotes is root).
func someContainerRunsAsRoot(p *Pod) bool {
	fv := p.asFixed()
	for _, ct := range p.Containers {
		if fv.runsAsRoot(ct) {
			return true
		}
	}
	return false
}

// checkID judges runAsGroup (per container) or fsGroup (ct nil: pod level).
func (u *users) checkID(p *Pod, ct *Container, field string, rule *idRule, fixValue int64, rep *reporter) {
	if rule.Rule == "RunAsAny" {
		return
	}
	var k, v *yaml.Node
	atContainer := false
	if ct != nil {
		k, v, atContainer = effective(p, ct, field)
	} else {
		k, v = source.Lookup(p.PodSC(), field)
		if source.IsNull(v) {
			k, v = nil, nil
		}
	}
	name := ""
	if ct != nil {
		name = ct.Label()
	}
	if v != nil {
		gid, ok := source.Int(v)
		if !ok || u.inRange(gid, rule.Ranges) {
			return
		}
		path := p.SpecPath + ".securityContext." + field
		if atContainer {
			path = ct.Path(p) + ".securityContext." + field
		}
		who := "Pod"
		if ct != nil {
			who = "Container " + ct.Label()
		}
		rep.report(violation{container: ct, key: k, value: v, field: path,
			msg:     fmt.Sprintf("%s is attempting to run as disallowed group %d (allowed %s: %s)", who, gid, field, rule),
			fixNote: field + " is set; the fixer does not overwrite values you wrote"})
		return
	}
	if rule.Rule != "MustRunAs" {
		return
	}
	var key *yaml.Node
	if ct != nil {
		key, _, _ = containerField(p, ct, field)
	} else {
		key, _, _ = podField(p, field)
	}
	who := "Pod"
	if name != "" {
		who = "Container " + name
	}
	vio := violation{container: ct, key: key, field: p.SpecPath + ".securityContext." + field,
		msg: who + " is attempting to run without a required securityContext/" + field + " (allowed " + field + ": " + rule.String() + ")"}
	if u.inRange(fixValue, rule.Ranges) {
		vio.changes = []Change{{Map: p.Spec, Path: []string{"securityContext", field}, Value: intNode(fixValue)}}
	} else {
		vio.fixNote = fmt.Sprintf("the fix value %s %d is not allowed by %s (%s); choose another with --%s or fix.%s in the configuration", field, fixValue, constraintRef(rep.ck.c), rule, flagName(field), field)
		vio.fixForbidden = true
	}
	rep.report(vio)
}

func (u *users) checkSupplemental(p *Pod, rep *reporter) {
	rule := u.p.SupplementalGroups
	if rule.Rule == "RunAsAny" {
		return
	}
	k, v := source.Lookup(p.PodSC(), "supplementalGroups")
	if !source.IsNull(v) && v.Kind != yaml.SequenceNode {
		return // not a list: the API server refuses the object (invalid-field)
	}
	items := source.Items(v)
	if len(items) > 0 {
		for _, it := range items {
			gid, ok := source.Int(it)
			if ok && !u.inRange(gid, rule.Ranges) {
				rep.report(violation{key: k, value: v, field: p.SpecPath + ".securityContext.supplementalGroups",
					msg:     fmt.Sprintf("Pod is attempting to run with disallowed supplementalGroups %d (allowed: %s)", gid, rule),
					fixNote: "supplementalGroups is set; the fixer does not overwrite values you wrote"})
				return
			}
		}
		return
	}
	if rule.Rule != "MustRunAs" {
		return
	}
	key, _, _ := podField(p, "supplementalGroups")
	msg := "Pod is attempting to run without a required securityContext/supplementalGroups (allowed: " + rule.String() + ")"
	if v != nil && !source.IsNull(v) {
		msg += "; an empty list is dropped by the API server, so it counts as missing"
	}
	vio := violation{key: key, field: p.SpecPath + ".securityContext.supplementalGroups", msg: msg}
	fix := rep.fix().SupplementalGroups
	ok := len(fix) > 0
	var nodes []*yaml.Node
	for _, g := range fix {
		ok = ok && u.inRange(g, rule.Ranges)
		nodes = append(nodes, intNode(g))
	}
	if ok {
		vio.changes = []Change{{Map: p.Spec, Path: []string{"securityContext", "supplementalGroups"}, Value: seqNode(nodes...)}}
	} else {
		vio.fixNote = fmt.Sprintf("the fix value supplementalGroups %v is not allowed by %s (%s); choose others with --supplemental-groups or fix.supplementalGroups in the configuration", fix, constraintRef(rep.ck.c), rule)
		vio.fixForbidden = true
	}
	rep.report(vio)
}

func flagName(field string) string {
	switch field {
	case "runAsUser":
		return "run-as-user"
	case "runAsGroup":
		return "run-as-group"
	case "fsGroup":
		return "fs-group"
	case "supplementalGroups":
		return "supplemental-groups"
	}
	return field
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mayForbidFix tells whether some pod could make this constraint refuse
// a fix value (the checks above that set fixForbidden): a value outside
// a MustRunAs or MayRunAs range, or root for runAsUser. It depends on the parameters
// and the values only, so --fix knows before judging anything whether a
// run can be stopped by one.
func (u *users) mayForbidFix(v FixValues) bool {
	// MayRunAs ranges count too: another constraint may have the fixer
	// write the value (refuseMayRunAsFixValues).
	must := func(r *idRule) bool { return r != nil && (r.Rule == "MustRunAs" || r.Rule == "MayRunAs") }
	if r := u.p.RunAsUser; r != nil && r.Rule != "RunAsAny" && (v.RunAsUser == 0 || must(r) && !u.inRange(v.RunAsUser, r.Ranges)) {
		return true
	}
	if must(u.p.RunAsGroup) && !u.inRange(v.RunAsGroup, u.p.RunAsGroup.Ranges) {
		return true
	}
	if must(u.p.FSGroup) && !u.inRange(v.FSGroup, u.p.FSGroup.Ranges) {
		return true
	}
	if r := u.p.SupplementalGroups; must(r) {
		if len(v.SupplementalGroups) == 0 {
			return true
		}
		for _, g := range v.SupplementalGroups {
			if !u.inRange(g, r.Ranges) {
				return true
			}
		}
	}
	return false
}
