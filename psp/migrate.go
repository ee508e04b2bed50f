package psp

import (
	"fmt"
	"sort"
	"strings"
)

// Initiative is the migration of one PodSecurityPolicy: one entry per PSP
// field group, each with the Azure policy that expresses it (or none) and
// notes where Azure differs.
type Initiative struct {
	// Name is the initiative's name in the configuration file.
	Name   string
	PSP    *PSP
	Groups []Group
}

// Group is one PSP field group as Azure maps it.
type Group struct {
	// Fields names the PSP fields, Setting says what this PSP sets them to.
	Fields, Setting string
	// Policy is nil when no Azure policy is needed or possible.
	Policy *Policy
	Notes  []Note
}

// Policy is an Azure built-in at a major version with parameter values,
// by Azure's parameter names.
type Policy struct {
	Rule    string // secctx-lint rule id, the key under `policies:`
	Version string // major version pinned
	Params  []Param
}

// Param is one parameter value. Values are bool, int64, string, []string,
// []Obj or Obj.
type Param struct {
	Name  string
	Value any
}

// Obj is a JSON object with its keys in the order Azure documents them.
type Obj []Param

// NoteKind sorts notes by what they warn about.
type NoteKind int

const (
	// Omitted: the group has no policy, and why.
	Omitted NoteKind = iota
	// NoCounterpart: Azure cannot express exactly what the PSP said.
	NoCounterpart
	// Mutation: PSP changed pods (defaults), Azure only judges them.
	Mutation
	// Info explains a value.
	Info
)

// Note is one comment on a group.
type Note struct {
	Kind NoteKind
	Text string
}

// Policies lists the policies of the initiative, in group order.
func (in *Initiative) Policies() []*Policy {
	var out []*Policy
	for _, g := range in.Groups {
		if g.Policy != nil {
			out = append(out, g.Policy)
		}
	}
	return out
}

// InitiativeName is the configuration name of a PSP's initiative: psp-
// and the PSP's name, reduced to lower-case letters, digits, dots and
// dashes. The prefix keeps it apart from the built-in names (a PSP called
// restricted is common).
func InitiativeName(pspName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(pspName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = "unnamed"
	}
	return "psp-" + name
}

// Migrate maps a PodSecurityPolicy to an initiative, one group per PSP
// field group in the order the PSP documentation lists them.
//
// A group the PSP leaves fully open gets no policy: a policy with
// allow-everything parameters judges nothing, and several Azure policies
// (privileged, host namespaces, privilege escalation, read-only root
// filesystem) have no parameter to allow what they forbid, so omitting is
// the one rule that works for every group. The comment says why.
func Migrate(p *PSP) *Initiative {
	in := &Initiative{Name: InitiativeName(p.Name), PSP: p}
	for _, group := range []func(*PSP) Group{
		privileged, privilegeEscalation, hostNetworkPorts, hostNamespaces, hostPaths,
		usersGroups, volumeTypes, flexVolumes, readOnlyRoot, capabilities, procMount,
		seccomp, appArmor, seLinux, sysctls, withoutCounterpart,
	} {
		if g := group(p); g.Fields != "" {
			in.Groups = append(in.Groups, g)
		}
	}
	return in
}

func omitted(format string, args ...any) Note {
	return Note{Omitted, fmt.Sprintf(format, args...)}
}

func gap(format string, args ...any) Note {
	return Note{NoCounterpart, fmt.Sprintf(format, args...)}
}

func mutation(format string, args ...any) Note {
	return Note{Mutation, fmt.Sprintf(format, args...)}
}

func privileged(p *PSP) Group {
	g := Group{Fields: "privileged", Setting: fmt.Sprintf("privileged: %v", p.Privileged)}
	if p.Privileged {
		g.Notes = append(g.Notes, omitted("the PSP allows privileged containers, and Azure's policy has no parameter that allows them."))
		return g
	}
	g.Policy = &Policy{Rule: "privileged-containers", Version: "9"}
	return g
}

func privilegeEscalation(p *PSP) Group {
	g := Group{Fields: "allowPrivilegeEscalation", Setting: fmt.Sprintf("allowPrivilegeEscalation: %v", p.AllowPrivilegeEscalation)}
	if p.DefaultAllowPrivilegeEscalation != nil {
		g.Setting += fmt.Sprintf(", defaultAllowPrivilegeEscalation: %v", *p.DefaultAllowPrivilegeEscalation)
	}
	if p.AllowPrivilegeEscalation {
		g.Notes = append(g.Notes, omitted("the PSP allows privilege escalation (an unset allowPrivilegeEscalation means true)."))
		if d := p.DefaultAllowPrivilegeEscalation; d != nil && !*d {
			g.Notes = append(g.Notes, mutation("defaultAllowPrivilegeEscalation: false set allowPrivilegeEscalation: false on containers that left it unset. Azure has no counterpart and changes no pod: write the field into your manifests."))
		}
		return g
	}
	// Version 8 with forcePrivilegeEscalationToBeFalse says what the PSP
	// said: every container runs with allowPrivilegeEscalation false. The
	// initiatives' 7.x tolerates an unset field without a non-zero runAsUser.
	g.Policy = &Policy{Rule: "privilege-escalation", Version: "8", Params: []Param{{"forcePrivilegeEscalationToBeFalse", true}}}
	g.Notes = append(g.Notes, mutation("the PSP set allowPrivilegeEscalation: false on containers that left it unset; Azure fails them instead. `secctx-lint --fix` writes the field."))
	return g
}

// hostNetworkPorts uses version 7, whose allowedHostPorts list holds every
// PSP range; 6.x (which the built-in initiatives pin) has one min-max range.
func hostNetworkPorts(p *PSP) Group {
	g := Group{Fields: "hostNetwork, hostPorts", Setting: fmt.Sprintf("hostNetwork: %v, hostPorts: %s", p.HostNetwork, describeRanges(p.HostPorts))}
	if p.HostNetwork && coversPorts(p.HostPorts) {
		g.Notes = append(g.Notes, omitted("the PSP allows the host network and every host port."))
		return g
	}
	ports := []string{}
	for _, r := range p.HostPorts {
		if r.Min == r.Max {
			ports = append(ports, fmt.Sprint(r.Min))
		} else {
			ports = append(ports, fmt.Sprintf("%d-%d", r.Min, r.Max))
		}
	}
	g.Policy = &Policy{Rule: "host-network-ports", Version: "7", Params: []Param{{"allowHostNetwork", p.HostNetwork}, {"allowedHostPorts", ports}}}
	return g
}

// coversPorts: hostPort 0 means no host port, so 1-65535 is every port.
func coversPorts(rs []Range) bool {
	sorted := append([]Range(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Min < sorted[j].Min })
	next := int64(1)
	for _, r := range sorted {
		if r.Min > next {
			return false
		}
		if r.Max+1 > next {
			next = r.Max + 1
		}
	}
	return next > 65535
}

func describeRanges(rs []Range) string {
	if len(rs) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%d-%d", r.Min, r.Max))
	}
	return strings.Join(parts, ", ")
}

func hostNamespaces(p *PSP) Group {
	g := Group{Fields: "hostPID, hostIPC", Setting: fmt.Sprintf("hostPID: %v, hostIPC: %v", p.HostPID, p.HostIPC)}
	if p.HostPID && p.HostIPC {
		g.Notes = append(g.Notes, omitted("the PSP allows both host namespaces."))
		return g
	}
	// Version 5 blocks hostPID and hostIPC; 6 also hostNetwork, which the
	// host-network-ports policy already judges as the PSP says.
	g.Policy = &Policy{Rule: "host-namespaces", Version: "5"}
	if p.HostPID || p.HostIPC {
		allowed := "hostPID"
		if p.HostIPC {
			allowed = "hostIPC"
		}
		g.Notes = append(g.Notes, gap("Azure's policy blocks hostPID and hostIPC together; this PSP allows %s, so pods using it now fail. Exclude those workloads (excludedImages, namespaces) or remove this policy to keep allowing them.", allowed))
	}
	return g
}

func hostPaths(p *PSP) Group {
	g := Group{Fields: "allowedHostPaths", Setting: "allowedHostPaths: " + describeHostPaths(p.AllowedHostPaths)}
	if len(p.AllowedHostPaths) == 0 {
		if volumeAllowed(p, "hostPath") {
			g.Notes = append(g.Notes, omitted("the PSP allows every host path."))
		} else {
			g.Notes = append(g.Notes, omitted("the PSP allows no hostPath volume, which volume-types already judges."))
		}
		return g
	}
	paths := []Obj{}
	for _, h := range p.AllowedHostPaths {
		paths = append(paths, Obj{{"pathPrefix", h.PathPrefix}, {"readOnly", h.ReadOnly}})
	}
	g.Policy = &Policy{Rule: "host-paths", Version: "6", Params: []Param{{"allowedHostPaths", Obj{{"paths", paths}}}}}
	return g
}

func describeHostPaths(hs []HostPath) string {
	if len(hs) == 0 {
		return "unset"
	}
	var parts []string
	for _, h := range hs {
		s := h.PathPrefix
		if h.ReadOnly {
			s += " (read-only)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// volumeAllowed reports whether the PSP allows a volume type.
func volumeAllowed(p *PSP, typ string) bool {
	return contains(p.Volumes, "*") || contains(p.Volumes, typ)
}

func usersGroups(p *PSP) Group {
	runAsGroup := p.RunAsGroup
	if runAsGroup.Rule == "" {
		runAsGroup.Rule = "RunAsAny" // unset: the PSP did not check runAsGroup
	}
	fields := []struct {
		name string
		s    IDStrategy
	}{{"runAsUser", p.RunAsUser}, {"runAsGroup", runAsGroup}, {"supplementalGroups", p.SupplementalGroups}, {"fsGroup", p.FSGroup}}
	var settings []string
	open := true
	for _, f := range fields {
		settings = append(settings, f.name+": "+describeStrategy(f.s))
		open = open && f.s.Rule == "RunAsAny"
	}
	g := Group{Fields: "runAsUser, runAsGroup, supplementalGroups, fsGroup", Setting: strings.Join(settings, "; ")}
	if open {
		g.Notes = append(g.Notes, omitted("every rule is RunAsAny."))
		return g
	}
	pol := &Policy{Rule: "users-groups", Version: "6"}
	for _, f := range fields {
		rs := []Obj{}
		for _, r := range f.s.Ranges {
			rs = append(rs, Obj{{"min", r.Min}, {"max", r.Max}})
		}
		pol.Params = append(pol.Params, Param{f.name + "Rule", f.s.Rule}, Param{f.name + "Ranges", Obj{{"ranges", rs}}})
		switch f.s.Rule {
		case "MustRunAs":
			g.Notes = append(g.Notes, mutation("the PSP set a missing %s to %d (the first range's min); Azure fails pods without it. `secctx-lint --fix` writes the value of `fix: %s`, which must be in range.", f.name, f.s.Ranges[0].Min, f.name))
		case "MustRunAsNonRoot":
			g.Notes = append(g.Notes, mutation("the PSP set runAsNonRoot: true on containers without runAsUser; Azure wants a non-zero runAsUser (its current template probably also accepts runAsNonRoot: true: a strict finding). `secctx-lint --fix` writes both."))
		}
	}
	if p.RunAsUser.Rule == "RunAsAny" {
		g.Notes = append(g.Notes, Note{Info, "runAsUserRule is written as RunAsAny because Azure's default is MustRunAsNonRoot."})
	}
	g.Policy = pol
	return g
}

func describeStrategy(s IDStrategy) string {
	if len(s.Ranges) == 0 {
		return s.Rule
	}
	return s.Rule + " " + describeRanges(s.Ranges)
}

// podVolumeKeys maps PSP volume type names to the keys of a pod's volume,
// which Azure compares with: the one that differs is cephFS.
var podVolumeKeys = map[string]string{"cephFS": "cephfs"}

func volumeTypes(p *PSP) Group {
	g := Group{Fields: "volumes", Setting: "volumes: " + describeList(p.Volumes)}
	if contains(p.Volumes, "*") {
		g.Notes = append(g.Notes, omitted("the PSP allows every volume type."))
		return g
	}
	types := []string{}
	var renamed []string
	for _, v := range p.Volumes {
		switch {
		case v == "none":
			continue // PSP's explicit "no volumes"
		case podVolumeKeys[v] != "":
			renamed = append(renamed, fmt.Sprintf("%s as %s", v, podVolumeKeys[v]))
			v = podVolumeKeys[v]
		}
		if !contains(types, v) {
			types = append(types, v)
		}
	}
	g.Policy = &Policy{Rule: "volume-types", Version: "5", Params: []Param{{"allowedVolumeTypes", types}}}
	if len(renamed) > 0 {
		g.Notes = append(g.Notes, gap("PSP's volume type name differs from the pod field Azure compares: written %s.", strings.Join(renamed, ", ")))
	}
	if p.Volumes == nil {
		g.Notes = append(g.Notes, gap("volumes is unset, so the PSP allowed no volume at all."))
	}
	g.Notes = append(g.Notes, gap("Azure's template judges only the volumes a container mounts; PSP judged every volume of the pod."))
	return g
}

func describeList(l []string) string {
	if l == nil {
		return "unset"
	}
	if len(l) == 0 {
		return "[]"
	}
	return strings.Join(l, ", ")
}

func flexVolumes(p *PSP) Group {
	g := Group{Fields: "allowedFlexVolumes", Setting: "allowedFlexVolumes: " + describeList(p.AllowedFlexVolumes)}
	if len(p.AllowedFlexVolumes) == 0 {
		if volumeAllowed(p, "flexVolume") {
			g.Notes = append(g.Notes, omitted("the PSP allows every FlexVolume driver."))
		} else {
			g.Notes = append(g.Notes, omitted("the PSP allows no flexVolume volume, which volume-types already judges."))
		}
		return g
	}
	g.Policy = &Policy{Rule: "flexvolume-drivers", Version: "5", Params: []Param{{"allowedFlexVolumeDrivers", p.AllowedFlexVolumes}}}
	return g
}

func readOnlyRoot(p *PSP) Group {
	g := Group{Fields: "readOnlyRootFilesystem", Setting: fmt.Sprintf("readOnlyRootFilesystem: %v", p.ReadOnlyRootFilesystem)}
	if !p.ReadOnlyRootFilesystem {
		g.Notes = append(g.Notes, omitted("the PSP does not require a read-only root filesystem."))
		return g
	}
	g.Policy = &Policy{Rule: "readonly-root-filesystem", Version: "6"}
	g.Notes = append(g.Notes, mutation("the PSP set readOnlyRootFilesystem: true on containers that left it unset; Azure fails them instead. `secctx-lint --fix` writes the field."))
	return g
}

func capabilities(p *PSP) Group {
	g := Group{Fields: "allowedCapabilities, requiredDropCapabilities, defaultAddCapabilities",
		Setting: fmt.Sprintf("allowedCapabilities: %s; requiredDropCapabilities: %s; defaultAddCapabilities: %s",
			describeList(p.AllowedCapabilities), describeList(p.RequiredDropCapabilities), describeList(p.DefaultAddCapabilities))}
	allowed := []string{}
	for _, c := range append(append([]string{}, p.AllowedCapabilities...), p.DefaultAddCapabilities...) {
		if !contains(allowed, c) {
			allowed = append(allowed, c)
		}
	}
	if contains(allowed, "*") {
		allowed = []string{"*"}
	}
	if len(p.DefaultAddCapabilities) > 0 {
		g.Notes = append(g.Notes, gap("defaultAddCapabilities has no counterpart: the PSP added %s to every container, Azure adds nothing. They are in allowedCapabilities so that containers listing them in capabilities.add pass; add them to your manifests where needed.", strings.Join(p.DefaultAddCapabilities, ", ")))
	}
	drop := append([]string{}, p.RequiredDropCapabilities...)
	if contains(allowed, "*") && len(drop) == 0 {
		g.Notes = append([]Note{omitted("the PSP allows every capability and requires none to be dropped.")}, g.Notes...)
		return g
	}
	g.Policy = &Policy{Rule: "capabilities", Version: "6", Params: []Param{{"allowedCapabilities", allowed}, {"requiredDropCapabilities", drop}}}
	if len(drop) > 0 {
		g.Notes = append(g.Notes, mutation("the PSP added %s to every container's capabilities.drop; Azure fails containers that do not drop them (drop: [ALL] counts). `secctx-lint --fix` writes drop: [ALL].", strings.Join(drop, ", ")))
	}
	return g
}

func procMount(p *PSP) Group {
	g := Group{Fields: "allowedProcMountTypes", Setting: "allowedProcMountTypes: " + describeList(p.AllowedProcMountTypes)}
	if contains(p.AllowedProcMountTypes, "Unmasked") {
		g.Notes = append(g.Notes, omitted("the PSP allows Unmasked, so every proc mount type."))
		return g
	}
	// Unset means Default only, which is what Azure's policy allows by default.
	g.Policy = &Policy{Rule: "proc-mount", Version: "8", Params: []Param{{"procMountType", "Default"}}}
	return g
}

func describeProfiles(p Profiles) string {
	s := "allowedProfileNames " + describeList(p.Allowed)
	if p.Default != "" {
		s += ", defaultProfileName " + p.Default
	}
	return s
}

func seccomp(p *PSP) Group {
	g := Group{Fields: "seccomp annotations", Setting: "seccomp " + describeProfiles(p.Seccomp)}
	switch {
	case !p.Seccomp.Set:
		g.Notes = append(g.Notes, gap("without allowedProfileNames the PSP allowed only pods that set no seccomp profile; Azure's policy cannot require a profile to be absent, so there is no policy."))
		if p.Seccomp.Default != "" {
			g.Notes = append(g.Notes, mutation("the PSP wrote the default profile %s into pods; Azure changes no pod.", p.Seccomp.Default))
		}
		return g
	case contains(p.Seccomp.Allowed, "*"):
		g.Notes = append(g.Notes, omitted("the PSP allows every seccomp profile."))
		return g
	}
	// PSP's names (runtime/default, docker/default, unconfined,
	// localhost/<file>) are the names Azure's allowedProfiles lists; the
	// seccompProfile field's types are matched against them.
	g.Policy = &Policy{Rule: "seccomp", Version: "7", Params: []Param{{"allowedProfiles", p.Seccomp.Allowed}}}
	if p.Seccomp.Default != "" {
		g.Notes = append(g.Notes, mutation("the PSP wrote %s into pods that set no profile; Azure fails those pods instead. `secctx-lint --fix` writes seccompProfile RuntimeDefault when runtime/default or docker/default is allowed.", p.Seccomp.Default))
		if p.Seccomp.Default == "unconfined" {
			g.Notes = append(g.Notes, gap("a pod without a profile ran unconfined under this PSP. To accept such pods, allowedProfiles [\"*\"] would do, but it also accepts every localhost profile."))
		}
	}
	return g
}

func appArmor(p *PSP) Group {
	g := Group{Fields: "AppArmor annotations", Setting: "AppArmor " + describeProfiles(p.AppArmor)}
	if !p.AppArmor.Set {
		g.Notes = append(g.Notes, omitted("the PSP does not restrict AppArmor profiles."))
		if p.AppArmor.Default != "" {
			g.Notes = append(g.Notes, mutation("the PSP wrote the default profile %s into pods; Azure changes no pod.", p.AppArmor.Default))
		}
		return g
	}
	g.Policy = &Policy{Rule: "apparmor", Version: "6", Params: []Param{{"allowedProfiles", p.AppArmor.Allowed}}}
	switch d := p.AppArmor.Default; {
	case d == "runtime/default":
		g.Notes = append(g.Notes, mutation("the PSP wrote runtime/default into containers that set no profile. Azure's current template probably reads a missing profile as runtime/default (its v1 template failed it: a strict finding). `secctx-lint --fix` writes appArmorProfile RuntimeDefault."))
	case d != "":
		g.Notes = append(g.Notes, mutation("the PSP wrote %s into containers that set no profile; Azure changes no pod and reads a missing profile as runtime/default.", d))
	default:
		g.Notes = append(g.Notes, gap("the PSP refused containers that set no profile; Azure's current template probably reads a missing profile as runtime/default."))
	}
	return g
}

func seLinux(p *PSP) Group {
	g := Group{Fields: "seLinux", Setting: "seLinux: " + p.SELinux.Rule}
	if p.SELinux.Rule != "MustRunAs" {
		g.Notes = append(g.Notes, omitted("the rule is RunAsAny."))
		return g
	}
	var opts Obj
	var parts []string
	for _, k := range []string{"level", "role", "type", "user"} {
		if v, ok := p.SELinux.Options[k]; ok {
			opts = append(opts, Param{k, v})
			parts = append(parts, k+" "+v)
		}
	}
	g.Setting += " " + strings.Join(parts, ", ")
	g.Policy = &Policy{Rule: "selinux", Version: "8", Params: []Param{{"enforcePSS", false}, {"allowedSELinuxOptions", Obj{{"options", []Obj{opts}}}}}}
	g.Notes = append(g.Notes,
		mutation("the PSP set these seLinuxOptions on pods that had none; Azure passes pods without seLinuxOptions and changes none."),
		gap("the PSP required exactly these options; Azure compares only the fields a pod sets."))
	return g
}

func sysctls(p *PSP) Group {
	g := Group{Fields: "forbiddenSysctls, allowedUnsafeSysctls",
		Setting: fmt.Sprintf("forbiddenSysctls: %s; allowedUnsafeSysctls: %s", describeList(p.ForbiddenSysctls), describeList(p.AllowedUnsafeSysctls))}
	if len(p.ForbiddenSysctls) > 0 {
		g.Policy = &Policy{Rule: "forbidden-sysctls", Version: "7", Params: []Param{{"forbiddenSysctls", p.ForbiddenSysctls}}}
		for _, s := range p.ForbiddenSysctls {
			if !strings.HasSuffix(s, "*") {
				g.Notes = append(g.Notes, gap("Azure's template reads every entry as a prefix: %s also forbids longer names that start with it.", s))
				break
			}
		}
	} else {
		g.Notes = append(g.Notes, omitted("forbiddenSysctls is unset."))
	}
	if !contains(p.ForbiddenSysctls, "*") {
		g.Notes = append(g.Notes, gap("the PSP refused unsafe sysctls unless allowedUnsafeSysctls listed them; Azure's generally available policies can only forbid names. The preview policy allowed-sysctls (which secctx-lint judges, see `secctx-lint policies`) can keep the PSP's rule: add it to the initiative with allowedSysctls listing Kubernetes' safe sysctls and the PSP's allowedUnsafeSysctls. The kubelet still refuses unsafe sysctls a node does not enable."))
	}
	return g
}

// withoutCounterpart names the PSP fields no Azure policy reads.
func withoutCounterpart(p *PSP) Group {
	var fields []string
	if len(p.AllowedCSIDrivers) > 0 {
		fields = append(fields, "allowedCSIDrivers")
	}
	if p.RuntimeClass {
		fields = append(fields, "runtimeClass")
	}
	if len(fields) == 0 {
		return Group{}
	}
	return Group{Fields: strings.Join(fields, ", "), Setting: strings.Join(fields, ", ") + " set",
		Notes: []Note{gap("no Azure pod security policy reads these fields; they are not migrated.")}}
}

// MigrateAll migrates every PSP; two PSPs whose names reduce to the same
// initiative name get -2, -3, ... suffixes.
func MigrateAll(ps []*PSP) []*Initiative {
	var out []*Initiative
	used := map[string]bool{}
	for _, p := range ps {
		in := Migrate(p)
		name := in.Name
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s-%d", in.Name, n)
		}
		used[name] = true
		in.Name = name
		out = append(out, in)
	}
	return out
}
