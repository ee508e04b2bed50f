package lint

import (
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sharedSecurityContexts withholds the fixes to a securityContext map the
// pod and some of its containers share (one is an alias of the other, or
// merges it with <<). The fixer writes a shared map once, where it is
// defined, so container fields would land in the pod's PodSecurityContext
// and pod fields in the containers' SecurityContext, fields each type does
// not have: the API server would refuse the object.
func (p *Pod) sharedSecurityContexts(fs []Finding) {
	pod := p.PodSC()
	if pod == nil {
		return
	}
	var names []string
	sharing := map[*yaml.Node]bool{}
	for _, ct := range p.Containers {
		if ct.SC != nil && (ct.SC == pod || merges(ct.SC, pod) || merges(pod, ct.SC)) {
			names = append(names, ct.Label())
			sharing[ct.Node] = true
		}
	}
	if len(names) == 0 {
		return
	}
	note := "the pod's securityContext and that of container " + strings.Join(names, ", ") + " are one map (an alias or a << merge): a field written for one would reach the other, which the API server refuses; give each its own securityContext"
	withholdFixes(fs, false, func(ch Change) string {
		if ch.Token == nil && len(ch.Path) > 0 && ch.Path[0] == "securityContext" && (ch.Map == p.Spec || sharing[ch.Map]) {
			return note
		}
		return ""
	})
}

// withholdFixes leaves a finding unfixed, with why's reason as its fix
// note, when why gives one for any of its changes; forbidden marks the
// reason as a fix value the assignment refuses (FixValueForbidden).
func withholdFixes(fs []Finding, forbidden bool, why func(Change) string) {
	for i := range fs {
		f := &fs[i]
		for _, ch := range f.Changes {
			if note := why(ch); note != "" {
				f.Changes, f.Fixable, f.FixNote = nil, false, note
				f.FixValueForbidden = f.FixValueForbidden || forbidden
				break
			}
		}
	}
}

// merges: mapping m merges mapping src in with <<.
func merges(m, src *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			for _, s := range source.MergeSources(m.Content[i+1]) {
				if s == src {
					return true
				}
			}
		}
	}
	return false
}
