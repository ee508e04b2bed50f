package lint

import (
	"strings"

	"github.com/secctx-lint/secctx-lint/apitype"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fixedView reads a pod as the file will be once the invalid-field fixes
// are made: a key the fix renames is found under its new name, a quoted
// value it writes plain reads plain. The verdicts read what is written (a
// wrongly typed value is no value), but what a fix may add beside a value
// depends on that value as the fixed file holds it: privileged: "true",
// unquoted, must not get allowPrivilegeEscalation: false beside it, and
// runAsUser: "0", unquoted, must not get a pod-level runAsNonRoot: true
// above it.
type fixedView struct {
	probs []apitype.Problem
	// renamed: mapping → the name a key gets → the problem renaming it.
	renamed map[*yaml.Node]map[string]int
	// plain: value node → the problem writing it plain.
	plain map[*yaml.Node]int
	// withheld: problems whose fix is not made, and why.
	withheld map[int]string
}

// written is the view of the file as it is: no fix counted.
var written = &fixedView{}

// problems checks the pod template against the API types, once.
func (p *Pod) problems() []apitype.Problem {
	return p.asFixed().probs
}

// asFixed is the pod's fixed view, built on first use. Fixes that would
// make the API server refuse a container that it accepts as written
// (escalationClash) are withheld, and so left out of the view.
func (p *Pod) asFixed() *fixedView {
	if p.fixed != nil {
		return p.fixed
	}
	// A custom resource's template is checked for types only (see
	// apitype.CheckEmbedded): with no unknown-field problems there are no
	// renames either, and a key the CRD may own is never rewritten.
	check := apitype.Check
	if p.Custom {
		check = apitype.CheckEmbedded
	}
	var probs []apitype.Problem
	if p.Meta != nil {
		probs = check(p.Meta, apitype.ObjectMeta, strings.TrimSuffix(p.SpecPath, "spec")+"metadata")
	}
	probs = append(probs, check(p.Spec, apitype.PodSpec, p.SpecPath)...)
	fv := &fixedView{probs: probs, renamed: map[*yaml.Node]map[string]int{}, plain: map[*yaml.Node]int{}, withheld: map[int]string{}}
	for i, pr := range probs {
		switch {
		case pr.Rename != "":
			if fv.renamed[pr.Parent] == nil {
				fv.renamed[pr.Parent] = map[string]int{}
			}
			fv.renamed[pr.Parent][pr.Rename] = i
		case pr.Plain != "":
			fv.plain[pr.Value] = i
		}
	}
	for _, ct := range p.Containers {
		fv.keepEscalationValid(ct)
	}
	p.fixed = fv
	return fv
}

// get looks key up in mapping m as the fixed file holds it, appending to
// used the problems whose fixes the answer depends on.
func (fv *fixedView) get(m *yaml.Node, key string, used *[]int) *yaml.Node {
	m = source.Mapping(m)
	if m == nil {
		return nil
	}
	k, v := source.Lookup(m, key)
	if k == nil {
		i, ok := fv.renamed[m][key]
		if !ok {
			return nil
		}
		*used = append(*used, i)
		v = source.Resolve(fv.probs[i].Value)
	}
	if i, ok := fv.plain[v]; ok {
		*used = append(*used, i)
		return &yaml.Node{Kind: yaml.ScalarNode, Value: fv.probs[i].Plain}
	}
	return v
}

// sc is a container's securityContext mapping as fixed.
func (fv *fixedView) sc(ct *Container, used *[]int) *yaml.Node {
	return source.Mapping(fv.get(ct.Node, "securityContext", used))
}

// privileged: the container is privileged as fixed.
func (fv *fixedView) privileged(ct *Container, used *[]int) bool {
	var u []int
	if !isTrue(fv.get(fv.sc(ct, &u), "privileged", &u)) {
		return false
	}
	*used = append(*used, u...)
	return true
}

// sysAdmin: the container adds CAP_SYS_ADMIN as fixed (the API server's
// test is on that exact spelling).
func (fv *fixedView) sysAdmin(ct *Container, used *[]int) bool {
	var u []int
	caps := fv.get(fv.sc(ct, &u), "capabilities", &u)
	for _, c := range source.Strings(fv.get(caps, "add", &u)) {
		if c == "CAP_SYS_ADMIN" {
			*used = append(*used, u...)
			return true
		}
	}
	return false
}

// escalationForbidden: allowPrivilegeEscalation: false may not be written
// into the container, as the API server's ValidateSecurityContext refuses
// it beside privileged: true or an added CAP_SYS_ADMIN.
func (fv *fixedView) escalationForbidden(ct *Container) bool {
	var u []int
	return fv.privileged(ct, &u) || fv.sysAdmin(ct, &u)
}

// escalationClash reports that, as fixed, the container's securityContext
// holds allowPrivilegeEscalation: false with privileged: true or CAP_SYS_ADMIN,
// which the API server refuses ("cannot set `allowPrivilegeEscalation` to
// false and `privileged` to true"). ape and cause list the fixes that the
// two sides depend on.
func (fv *fixedView) escalationClash(ct *Container) (clash bool, ape, cause []int) {
	if allow, ok := source.Bool(fv.get(fv.sc(ct, &ape), "allowPrivilegeEscalation", &ape)); !ok || allow {
		return false, nil, nil
	}
	var priv, sys []int
	isPriv, isSys := fv.privileged(ct, &priv), fv.sysAdmin(ct, &sys)
	if !isPriv && !isSys {
		return false, nil, nil
	}
	// A side written by hand (no fix used) clashes whatever is withheld
	// on the other.
	if (isPriv && len(priv) == 0) || (isSys && len(sys) == 0) {
		cause = nil
	} else {
		cause = append(priv, sys...)
	}
	return true, ape, cause
}

// keepEscalationValid withholds the fixes that would make ct clash when it
// does not as written. A false that only a fix makes (a renamed key, an
// unquoted "false") is withheld first: privileged and CAP_SYS_ADMIN say
// what the container needs, and allowPrivilegeEscalation: false is
// meaningless beside them. Else the fixes that make the container
// privileged are withheld. A clash written by hand is left as it is, and
// reported (escalationClashes).
func (fv *fixedView) keepEscalationValid(ct *Container) {
	clash, ape, cause := fv.escalationClash(ct)
	if !clash {
		return
	}
	if c, _, _ := written.escalationClash(ct); c {
		return
	}
	withhold := ape
	if len(withhold) == 0 {
		withhold = cause
	}
	for _, i := range withhold {
		fv.withheld[i] = "with this fix the container would have allowPrivilegeEscalation: false beside privileged: true or capabilities.add CAP_SYS_ADMIN, which the API server refuses; decide which one you mean and write it yourself"
		pr := fv.probs[i]
		if pr.Rename != "" {
			delete(fv.renamed[pr.Parent], pr.Rename)
		} else {
			delete(fv.plain, pr.Value)
		}
	}
}

// runsAsRoot: the container sets runAsUser: 0 itself, as fixed, without a
// runAsNonRoot of its own, so it would inherit a pod-level runAsNonRoot.
func (fv *fixedView) runsAsRoot(ct *Container) bool {
	var u []int
	sc := fv.sc(ct, &u)
	uid, ok := source.Int(fv.get(sc, "runAsUser", &u))
	return ok && uid == 0 && fv.get(sc, "runAsNonRoot", &u) == nil
}
