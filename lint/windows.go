package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Windows pods. Azure's Linux templates skip a pod only when its
// nodeSelector says kubernetes.io/os: windows (Pod.Windows); a pod that is
// Windows only through spec.os.name or the legacy beta.kubernetes.io/os
// label is judged as Linux, so its findings stay, certain. But the fixer
// must not write what the API server forbids on a pod with spec.os.name:
// windows (the list is the one k8s.io/api documents on PodSpec.OS), and on
// a pod meant for Windows nodes Linux fields are meaningless anyway. For
// those pods a finding of a rule Azure skips on Windows is fixed instead
// with nodeSelector kubernetes.io/os: windows, which the scheduler needs
// anyway and which makes Azure skip the pod; any other is left with a note.

// windowsForbiddenPod and windowsForbiddenContainer are the securityContext
// fields that PodSpec.OS says must be unset when spec.os.name is windows.
var (
	windowsForbiddenPod = set("appArmorProfile", "seLinuxOptions", "seLinuxChangePolicy", "seccompProfile",
		"fsGroup", "fsGroupChangePolicy", "sysctls", "runAsUser", "runAsGroup", "supplementalGroups",
		"supplementalGroupsPolicy")
	windowsForbiddenContainer = set("appArmorProfile", "seLinuxOptions", "seccompProfile", "capabilities",
		"readOnlyRootFilesystem", "privileged", "allowPrivilegeEscalation", "procMount", "runAsUser", "runAsGroup")
	// windowsForbiddenSpec are pod spec fields forbidden on Windows pods.
	windowsForbiddenSpec = set("hostPID", "hostIPC", "hostUsers", "resources", "shareProcessNamespace")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// osLabel is the node label Azure's templates and the scheduler read; the
// beta label is its deprecated predecessor.
const (
	osLabel     = "kubernetes.io/os"
	osLabelBeta = "beta.kubernetes.io/os"
)

// windowsIntent says why a pod is meant for Windows nodes, or "".
func (p *Pod) windowsIntent() string {
	if os, _ := source.Str(source.Path(p.Spec, "os", "name")); os == "windows" {
		return "spec.os.name: windows"
	}
	if os, _ := source.Str(source.Path(p.Spec, "nodeSelector", osLabel)); os == "windows" {
		return "nodeSelector " + osLabel + ": windows"
	}
	if os, _ := source.Str(source.Path(p.Spec, "nodeSelector", osLabelBeta)); os == "windows" {
		return "nodeSelector " + osLabelBeta + ": windows"
	}
	if p.windowsByAffinity() {
		return "required node affinity " + osLabel + " In [windows]"
	}
	return ""
}

// windowsByAffinity: the pod's required node affinity lets it run on
// Windows nodes only (every term asks for the os label In [windows]). The
// scheduler then puts it on Windows nodes as surely as a nodeSelector
// would, so the fixer must not write Linux fields into it either.
func (p *Pod) windowsByAffinity() bool {
	terms := source.Items(source.Path(p.Spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"))
	if len(terms) == 0 {
		return false
	}
	for _, term := range terms {
		windows := false
		for _, ex := range source.Items(source.Get(term, "matchExpressions")) {
			key, _ := source.Str(source.Get(ex, "key"))
			op, _ := source.Str(source.Get(ex, "operator"))
			vals := source.Strings(source.Get(ex, "values"))
			if (key == osLabel || key == osLabelBeta) && op == "In" && len(vals) > 0 && !slices.ContainsFunc(vals, func(v string) bool { return v != "windows" }) {
				windows = true
			}
		}
		if !windows {
			return false
		}
	}
	return true
}

// forbiddenOnWindows names the first field a change would write that a
// Windows pod must not have, or "".
func (p *Pod) forbiddenOnWindows(ch Change) string {
	if len(ch.Path) == 0 || ch.Token != nil {
		return ""
	}
	if ch.Map == p.Spec {
		if ch.Path[0] == "securityContext" && len(ch.Path) > 1 && windowsForbiddenPod[ch.Path[1]] {
			return "spec.securityContext." + ch.Path[1]
		}
		if windowsForbiddenSpec[ch.Path[0]] {
			return "spec." + ch.Path[0]
		}
		return ""
	}
	if ch.Map == p.Meta && ch.Path[0] == "annotations" && len(ch.Path) > 1 && strings.HasPrefix(ch.Path[1], "container.apparmor.security.beta.kubernetes.io/") {
		return "the AppArmor annotation"
	}
	for _, ct := range p.Containers {
		if ch.Map == ct.Node && ch.Path[0] == "securityContext" && len(ch.Path) > 1 && windowsForbiddenContainer[ch.Path[1]] {
			return ct.List + "[*].securityContext." + ch.Path[1]
		}
	}
	return ""
}

// windowsFixes rewrites the changes of the pod's findings fs that would
// write a field forbidden on a Windows pod.
func (p *Pod) windowsFixes(fs []Finding) {
	why := p.windowsIntent()
	if why == "" {
		return
	}
	selector, hasSelector := source.Str(source.Path(p.Spec, "nodeSelector", osLabel))
	hasSelector = hasSelector && selector != ""
	for i := range fs {
		f := &fs[i]
		forbidden := ""
		for _, ch := range f.Changes {
			if forbidden = p.forbiddenOnWindows(ch); forbidden != "" {
				break
			}
		}
		if forbidden == "" {
			continue
		}
		r := rules[f.Rule]
		azureSkips := r != nil && r.skipWindows && f.Constraint != nil && f.Constraint.Semantics == policy.Azure
		switch {
		case azureSkips && !hasSelector:
			f.Changes = []Change{{Map: p.Spec, Path: []string{"nodeSelector", osLabel}, Value: strNode("windows")}}
			f.FixNote = ""
		case azureSkips:
			f.Changes, f.Fixable = nil, false
			f.FixNote = "the pod is meant for Windows (" + why + ") but its nodeSelector says " + osLabel + ": " + selector + "; " + forbidden + " cannot be set on a Windows pod, so the fixer leaves it to you"
		default:
			f.Changes, f.Fixable = nil, false
			f.FixNote = "the pod is meant for Windows (" + why + "): " + forbidden + " cannot be set on a Windows pod, and this policy does not skip Windows pods; not fixed"
		}
	}
}

// windowsClashes reports the fields a pod with spec.os.name: windows
// must not have: the API server's validation refuses the object
// (validateWindows), so it is an invalid-field error, as a wrong type is;
// the fields would otherwise also pass checks they only seem to meet
// (seccompProfile, allowPrivilegeEscalation). hostPID and hostIPC count
// when true; the others whenever they are set.
func (p *Pod) windowsClashes(out *[]Finding, owners *[]*Container) {
	if os, _ := source.Str(source.Path(p.Spec, "os", "name")); os != "windows" {
		return
	}
	refuses := "the API server refuses the object"
	if p.Custom {
		refuses = "the API server refuses the Pods made from this template"
	}
	report := func(ct *Container, m *yaml.Node, keys map[string]bool, prefix string) {
		m = source.Mapping(m)
		if m == nil {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if !keys[k.Value] || source.IsNull(v) {
				continue
			}
			if (k.Value == "hostPID" || k.Value == "hostIPC") && !isTrue(v) {
				continue
			}
			f := p.invalidFinding(ct, k, v, prefix+k.Value, fmt.Sprintf("%s%s cannot be set on a pod with spec.os.name: windows; %s", prefix, k.Value, refuses))
			f.FixNote = "remove it, or spec.os.name: windows if the pod is not meant for Windows"
			*out = append(*out, f)
			if owners != nil {
				*owners = append(*owners, ct)
			}
		}
	}
	report(nil, p.Spec, windowsForbiddenSpec, p.SpecPath+".")
	report(nil, p.PodSC(), windowsForbiddenPod, p.SpecPath+".securityContext.")
	for _, ct := range p.Containers {
		report(ct, ct.SC, windowsForbiddenContainer, ct.Path(p)+".securityContext.")
	}
}
