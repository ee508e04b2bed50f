// Package psp turns Kubernetes PodSecurityPolicy objects (policy/v1beta1,
// removed in Kubernetes 1.25) into secctx-lint initiatives: sets of Azure
// Policy built-ins with Azure's parameter names, written as the
// `initiatives:` section of .secctx-lint.yaml.
//
// The data flow is read (PSP documents → PSP values with positions) →
// migrate (PSP → one policy per PSP field group, with notes where Azure
// differs) → render (YAML text with comments).
package psp

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Annotation keys PSP read its seccomp and AppArmor settings from.
const (
	SeccompAllowedAnnotation  = "seccomp.security.alpha.kubernetes.io/allowedProfileNames"
	SeccompDefaultAnnotation  = "seccomp.security.alpha.kubernetes.io/defaultProfileName"
	AppArmorAllowedAnnotation = "apparmor.security.beta.kubernetes.io/allowedProfileNames"
	AppArmorDefaultAnnotation = "apparmor.security.beta.kubernetes.io/defaultProfileName"
)

// apiVersions PodSecurityPolicy was served at.
var apiVersions = []string{"policy/v1beta1", "extensions/v1beta1"}

// PSP is one PodSecurityPolicy as written. Unset fields keep their zero
// value except where the API server defaulted them (AllowPrivilegeEscalation).
type PSP struct {
	Name string
	// Path, Line and Column locate the object.
	Path         string
	Line, Column int

	Privileged               bool
	AllowPrivilegeEscalation bool // unset means true
	// DefaultAllowPrivilegeEscalation is nil when unset.
	DefaultAllowPrivilegeEscalation *bool
	HostNetwork, HostPID, HostIPC   bool
	HostPorts                       []Range
	ReadOnlyRootFilesystem          bool

	AllowedCapabilities      []string
	RequiredDropCapabilities []string
	DefaultAddCapabilities   []string

	// Volumes is nil when unset (no volume allowed).
	Volumes            []string
	AllowedHostPaths   []HostPath
	AllowedFlexVolumes []string // driver names
	AllowedCSIDrivers  []string

	RunAsUser          IDStrategy
	RunAsGroup         IDStrategy // Rule "" when unset
	SupplementalGroups IDStrategy
	FSGroup            IDStrategy
	SELinux            SELinuxStrategy

	AllowedProcMountTypes []string // nil when unset (Default only)
	AllowedUnsafeSysctls  []string
	ForbiddenSysctls      []string
	RuntimeClass          bool // spec.runtimeClass is set

	// Seccomp and AppArmor come from annotations; Set tells whether the
	// allowed list was written.
	Seccomp, AppArmor Profiles
}

// Range is an inclusive range of IDs or ports.
type Range struct{ Min, Max int64 }

// HostPath is one allowedHostPaths entry.
type HostPath struct {
	PathPrefix string
	ReadOnly   bool
}

// IDStrategy is a runAsUser, runAsGroup, supplementalGroups or fsGroup
// strategy.
type IDStrategy struct {
	Rule   string
	Ranges []Range
}

// SELinuxStrategy is spec.seLinux.
type SELinuxStrategy struct {
	Rule    string
	Options map[string]string // user, role, type, level as written
}

// Profiles are the allowed and default profile names of an annotation pair.
type Profiles struct {
	Set     bool
	Allowed []string
	Default string
}

// Result is what Read found in a file: the policies, and notes about the
// documents it skipped or fields it ignored.
type Result struct {
	PSPs  []*PSP
	Notes []*source.Error
}

// Read collects the PodSecurityPolicies of a parsed file: top-level
// documents and the items of a List (as `kubectl get psp -o yaml` prints
// them). Other objects are skipped with a note. A PSP with a field of the
// wrong type is an error at that field's position.
func Read(f *source.File) (Result, []*source.Error) {
	r := &reader{path: f.Path}
	var visit func(obj *yaml.Node)
	visit = func(obj *yaml.Node) {
		kindKey, kindNode := source.Lookup(obj, "kind")
		kind, _ := source.Str(kindNode)
		if strings.HasSuffix(kind, "List") && kind != "List" && kind != "PodSecurityPolicyList" {
			r.note(kindKey, "skipped a %s: not a PodSecurityPolicy", kind)
			return
		}
		if strings.HasSuffix(kind, "List") {
			itemsKey, items := source.Lookup(obj, "items")
			if itemsKey != nil && !source.IsNull(items) && items.Kind != yaml.SequenceNode {
				r.fail(items, "items must be a list, not %s", source.Describe(items))
				return
			}
			for _, it := range source.Items(items) {
				if source.Mapping(it) == nil {
					r.fail(it, "a List item must be an object, not %s", source.Describe(it))
					continue
				}
				visit(it)
			}
			return
		}
		if kind != "PodSecurityPolicy" {
			at := kindKey
			if at == nil {
				at = obj
			}
			name, _ := source.Str(source.Path(obj, "metadata", "name"))
			what := kind
			if what == "" {
				what = "an object without kind"
			}
			if name != "" {
				what += " " + name
			}
			r.note(at, "skipped %s: not a PodSecurityPolicy", what)
			return
		}
		if p := r.psp(obj); p != nil {
			r.out.PSPs = append(r.out.PSPs, p)
		}
	}
	for _, d := range f.Docs {
		visit(d.Root)
	}
	return r.out, r.errs
}

type reader struct {
	path string
	out  Result
	errs []*source.Error
}

func (r *reader) at(n *yaml.Node, format string, args ...any) *source.Error {
	e := &source.Error{Path: r.path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

func (r *reader) fail(n *yaml.Node, format string, args ...any) {
	r.errs = append(r.errs, r.at(n, format, args...))
}

func (r *reader) note(n *yaml.Node, format string, args ...any) {
	r.out.Notes = append(r.out.Notes, r.at(n, format, args...))
}

// specFields are the fields of PodSecurityPolicySpec.
var specFields = []string{"privileged", "defaultAddCapabilities", "requiredDropCapabilities", "allowedCapabilities",
	"volumes", "hostNetwork", "hostPorts", "hostPID", "hostIPC", "seLinux", "runAsUser", "runAsGroup",
	"supplementalGroups", "fsGroup", "readOnlyRootFilesystem", "defaultAllowPrivilegeEscalation",
	"allowPrivilegeEscalation", "allowedHostPaths", "allowedFlexVolumes", "allowedCSIDrivers",
	"allowedUnsafeSysctls", "forbiddenSysctls", "allowedProcMountTypes", "runtimeClass"}

func (r *reader) psp(obj *yaml.Node) *PSP {
	errsBefore := len(r.errs)
	p := &PSP{Path: r.path, Line: obj.Line, Column: obj.Column, AllowPrivilegeEscalation: true}
	avKey, av := source.Lookup(obj, "apiVersion")
	version, _ := source.Str(av)
	switch {
	case avKey == nil:
		r.note(obj, "PodSecurityPolicy without apiVersion; read as policy/v1beta1")
	case !contains(apiVersions, version):
		r.fail(av, "apiVersion %q: PodSecurityPolicy was served only as %s", version, strings.Join(apiVersions, " and "))
		return nil
	}
	meta := r.mapping(obj, "metadata")
	nameKey, nameNode := source.Lookup(meta, "name")
	p.Name, _ = source.Str(nameNode)
	if p.Name == "" {
		at := nameKey
		if at == nil {
			at = obj
		}
		r.fail(at, "PodSecurityPolicy without metadata.name; the initiative is named after it")
		return nil
	}
	annotations := r.mapping(meta, "annotations")
	p.Seccomp = r.profiles(annotations, SeccompAllowedAnnotation, SeccompDefaultAnnotation)
	p.AppArmor = r.profiles(annotations, AppArmorAllowedAnnotation, AppArmorDefaultAnnotation)

	spec := r.mapping(obj, "spec")
	if spec == nil {
		r.fail(obj, "PodSecurityPolicy %s has no spec", p.Name)
		return nil
	}
	for i := 0; i+1 < len(spec.Content); i += 2 {
		if k := spec.Content[i]; !contains(specFields, k.Value) {
			r.note(k, "unknown PodSecurityPolicy field spec.%s ignored", k.Value)
		}
	}
	p.Privileged = r.boolean(spec, "privileged", false)
	p.AllowPrivilegeEscalation = r.boolean(spec, "allowPrivilegeEscalation", true)
	if k, _ := source.Lookup(spec, "defaultAllowPrivilegeEscalation"); k != nil {
		v := r.boolean(spec, "defaultAllowPrivilegeEscalation", false)
		p.DefaultAllowPrivilegeEscalation = &v
	}
	p.HostNetwork = r.boolean(spec, "hostNetwork", false)
	p.HostPID = r.boolean(spec, "hostPID", false)
	p.HostIPC = r.boolean(spec, "hostIPC", false)
	p.ReadOnlyRootFilesystem = r.boolean(spec, "readOnlyRootFilesystem", false)
	p.HostPorts = r.ranges(spec, "hostPorts", "spec.hostPorts", 0, 65535)

	p.AllowedCapabilities = r.strings(spec, "allowedCapabilities")
	p.RequiredDropCapabilities = r.strings(spec, "requiredDropCapabilities")
	p.DefaultAddCapabilities = r.strings(spec, "defaultAddCapabilities")
	p.Volumes = r.strings(spec, "volumes")
	p.AllowedUnsafeSysctls = r.strings(spec, "allowedUnsafeSysctls")
	p.ForbiddenSysctls = r.strings(spec, "forbiddenSysctls")
	p.AllowedProcMountTypes = r.strings(spec, "allowedProcMountTypes")
	for _, d := range r.objects(spec, "allowedCSIDrivers") {
		p.AllowedCSIDrivers = append(p.AllowedCSIDrivers, r.str(d, "name", "spec.allowedCSIDrivers[].name"))
	}
	for _, d := range r.objects(spec, "allowedFlexVolumes") {
		p.AllowedFlexVolumes = append(p.AllowedFlexVolumes, r.str(d, "driver", "spec.allowedFlexVolumes[].driver"))
	}
	for _, h := range r.objects(spec, "allowedHostPaths") {
		hp := HostPath{PathPrefix: r.str(h, "pathPrefix", "spec.allowedHostPaths[].pathPrefix"), ReadOnly: r.boolean(h, "readOnly", false)}
		if k, v := source.Lookup(h, "pathPrefix"); k != nil && !strings.HasPrefix(hp.PathPrefix, "/") {
			r.fail(v, "spec.allowedHostPaths[].pathPrefix %q must be an absolute path", hp.PathPrefix)
		}
		p.AllowedHostPaths = append(p.AllowedHostPaths, hp)
	}
	if k, _ := source.Lookup(spec, "runtimeClass"); k != nil {
		p.RuntimeClass = true
		r.mapping(spec, "runtimeClass")
	}

	users := []string{"MustRunAs", "MustRunAsNonRoot", "RunAsAny"}
	groups := []string{"MustRunAs", "MayRunAs", "RunAsAny"}
	p.RunAsUser = r.idStrategy(spec, "runAsUser", users, true)
	p.RunAsGroup = r.idStrategy(spec, "runAsGroup", groups, false)
	p.SupplementalGroups = r.idStrategy(spec, "supplementalGroups", groups, true)
	p.FSGroup = r.idStrategy(spec, "fsGroup", groups, true)
	p.SELinux = r.seLinux(spec)
	if len(r.errs) > errsBefore {
		return nil
	}
	return p
}

// mapping returns the mapping under key, failing when it is something else.
func (r *reader) mapping(m *yaml.Node, key string) *yaml.Node {
	_, v := source.Lookup(m, key)
	if source.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		r.fail(v, "%s must be a mapping, not %s", key, source.Describe(v))
		return nil
	}
	return v
}

func (r *reader) boolean(m *yaml.Node, key string, unset bool) bool {
	_, v := source.Lookup(m, key)
	if source.IsNull(v) {
		return unset
	}
	b, ok := source.Bool(v)
	if !ok {
		r.fail(v, "%s must be true or false, not %s", key, source.Describe(v))
		return unset
	}
	return b
}

func (r *reader) str(m *yaml.Node, key, what string) string {
	k, v := source.Lookup(m, key)
	if k == nil || source.IsNull(v) {
		r.fail(m, "%s is required", what)
		return ""
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		r.fail(v, "%s must be a string, not %s", what, source.Describe(v))
		return ""
	}
	return v.Value
}

// strings reads a list of strings; nil when the key is unset or null, an
// empty non-nil slice for [].
func (r *reader) strings(m *yaml.Node, key string) []string {
	_, v := source.Lookup(m, key)
	if source.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		r.fail(v, "%s must be a list of strings, not %s", key, source.Describe(v))
		return nil
	}
	out := []string{}
	for _, it := range source.Items(v) {
		if it.Kind != yaml.ScalarNode || it.Tag != "!!str" {
			r.fail(it, "%s must be a list of strings; this item is %s", key, source.Describe(it))
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

// objects reads a list of mappings.
func (r *reader) objects(m *yaml.Node, key string) []*yaml.Node {
	_, v := source.Lookup(m, key)
	if source.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		r.fail(v, "%s must be a list, not %s", key, source.Describe(v))
		return nil
	}
	var out []*yaml.Node
	for _, it := range source.Items(v) {
		if it.Kind != yaml.MappingNode {
			r.fail(it, "%s items must be mappings, not %s", key, source.Describe(it))
			continue
		}
		out = append(out, it)
	}
	return out
}

// ranges reads a list of {min, max} within [lo, hi].
func (r *reader) ranges(m *yaml.Node, key, what string, lo, hi int64) []Range {
	var out []Range
	for _, it := range r.objects(m, key) {
		var rg Range
		ok := true
		for _, f := range []struct {
			name string
			into *int64
		}{{"min", &rg.Min}, {"max", &rg.Max}} {
			k, v := source.Lookup(it, f.name)
			if k == nil {
				r.fail(it, "a %s range needs min and max", what)
				ok = false
				break
			}
			n, isInt := source.Int(v)
			if !isInt {
				r.fail(v, "%s.%s must be an integer, not %s", what, f.name, source.Describe(v))
				ok = false
				continue
			}
			if n < lo || n > hi {
				r.fail(v, "%s.%s %d is outside %d-%d", what, f.name, n, lo, hi)
				ok = false
				continue
			}
			*f.into = n
		}
		if ok && rg.Max < rg.Min {
			r.fail(it, "%s: min %d is above max %d", what, rg.Min, rg.Max)
			ok = false
		}
		if ok {
			out = append(out, rg)
		}
	}
	return out
}

// idStrategy reads {rule, ranges}. A required strategy that is missing is
// an error: the API server refused such a PodSecurityPolicy.
func (r *reader) idStrategy(spec *yaml.Node, key string, rules []string, required bool) IDStrategy {
	k, _ := source.Lookup(spec, key)
	m := r.mapping(spec, key)
	if m == nil {
		if k == nil && required {
			r.fail(spec, "spec.%s is required (the API server refuses a PodSecurityPolicy without it)", key)
		}
		return IDStrategy{}
	}
	s := IDStrategy{Rule: r.str(m, "rule", "spec."+key+".rule")}
	if s.Rule != "" && !contains(rules, s.Rule) {
		_, v := source.Lookup(m, "rule")
		r.fail(v, "spec.%s.rule %q is not one of %s", key, s.Rule, strings.Join(rules, ", "))
	}
	s.Ranges = r.ranges(m, "ranges", "spec."+key+".ranges", 0, 2147483647)
	if (s.Rule == "MustRunAs" || s.Rule == "MayRunAs") && len(s.Ranges) == 0 {
		r.fail(m, "spec.%s.rule %s needs ranges", key, s.Rule)
	}
	return s
}

func (r *reader) seLinux(spec *yaml.Node) SELinuxStrategy {
	k, _ := source.Lookup(spec, "seLinux")
	m := r.mapping(spec, "seLinux")
	if m == nil {
		if k == nil {
			r.fail(spec, "spec.seLinux is required (the API server refuses a PodSecurityPolicy without it)")
		}
		return SELinuxStrategy{}
	}
	s := SELinuxStrategy{Rule: r.str(m, "rule", "spec.seLinux.rule")}
	switch s.Rule {
	case "", "RunAsAny":
	case "MustRunAs":
		opts := r.mapping(m, "seLinuxOptions")
		if opts == nil {
			r.fail(m, "spec.seLinux.rule MustRunAs needs seLinuxOptions")
			break
		}
		s.Options = map[string]string{}
		for i := 0; i+1 < len(opts.Content); i += 2 {
			ok, ov := opts.Content[i], source.Resolve(opts.Content[i+1])
			if !contains([]string{"user", "role", "type", "level"}, ok.Value) {
				r.fail(ok, "unknown key %q in spec.seLinux.seLinuxOptions (want user, role, type, level)", ok.Value)
				continue
			}
			if ov.Kind != yaml.ScalarNode || ov.Tag != "!!str" {
				r.fail(ov, "spec.seLinux.seLinuxOptions.%s must be a string, not %s", ok.Value, source.Describe(ov))
				continue
			}
			s.Options[ok.Value] = ov.Value
		}
	default:
		_, v := source.Lookup(m, "rule")
		r.fail(v, "spec.seLinux.rule %q is not one of MustRunAs, RunAsAny", s.Rule)
	}
	return s
}

// profiles reads a comma-separated allowed list and a default from
// annotations.
func (r *reader) profiles(annotations *yaml.Node, allowedKey, defaultKey string) Profiles {
	var p Profiles
	if k, v := source.Lookup(annotations, allowedKey); k != nil {
		s, ok := source.Str(v)
		if !ok {
			r.fail(v, "annotation %s must be a string, not %s", allowedKey, source.Describe(v))
		}
		p.Set = true
		p.Allowed = []string{}
		for _, name := range strings.Split(s, ",") {
			if name = strings.TrimSpace(name); name != "" {
				p.Allowed = append(p.Allowed, name)
			}
		}
	}
	if k, v := source.Lookup(annotations, defaultKey); k != nil {
		s, ok := source.Str(v)
		if !ok {
			r.fail(v, "annotation %s must be a string, not %s", defaultKey, source.Describe(v))
		}
		p.Default = strings.TrimSpace(s)
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
