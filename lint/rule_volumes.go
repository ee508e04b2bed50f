package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func init() {
	register(&rule{id: "host-paths", skipWindows: true, compile: compileHostPaths})
	register(&rule{id: "volume-types", compile: compileVolumeTypes})
	register(&rule{id: "flexvolume-drivers", compile: compileFlex})
}

// host-paths: every hostPath volume needs an allowed entry whose pathPrefix
// matches it by path component; under a readOnly entry every mount of the
// volume must say readOnly: true (a missing readOnly is writable). Azure's
// excludedContainers only spare a container from the read-only check.
//
// Definition 6.3.0 (template v4) adds windowsAllowedHostPaths: a constraint
// that carries it judges Windows pods (nodeSelector kubernetes.io/os:
// windows, the test every Azure template uses) against that list, with
// Windows path rules (\ or / between components, case-insensitive; "C:\"
// allows the whole drive), instead of skipping them. Without it (the v3
// template of Azure's samples) Windows pods are skipped as before.
type hostPaths struct {
	ex       exclusions
	allowed  []allowedPath
	windows  *[]allowedPath
	upstream bool
}

// judgesWindows: the engine hands this rule Windows pods too.
func (r *hostPaths) judgesWindows() bool { return r.windows != nil }

type allowedPath struct {
	PathPrefix string `json:"pathPrefix"`
	ReadOnly   bool   `json:"readOnly"`
}

func compileHostPaths(c *policy.Constraint) (checker, error) {
	r := &hostPaths{upstream: c.Semantics == policy.Upstream}
	var err error
	if r.ex, err = readExclusions(c.Params); err != nil {
		return nil, err
	}
	var p struct {
		AllowedHostPaths        []allowedPath  `json:"allowedHostPaths"`
		WindowsAllowedHostPaths *[]allowedPath `json:"windowsAllowedHostPaths"`
	}
	if err := decodeParams(c.Params, &p); err != nil {
		return nil, err
	}
	r.allowed = p.AllowedHostPaths
	// The v3 template (Azure's samples) has no such parameter and skips
	// Windows pods whatever the constraint says.
	if !r.upstream && p.WindowsAllowedHostPaths != nil && !strings.EqualFold(c.Kind, "K8sAzureV3HostFilesystem") {
		r.windows = p.WindowsAllowedHostPaths
	}
	return r, nil
}

// windowsPathMatches is pathMatches for Windows paths: components split at
// \ or /, compared case-insensitively (C:\Data allows c:/data/logs).
func windowsPathMatches(prefix, path string) bool {
	split := func(p string) []string {
		return strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return r == '\\' || r == '/' })
	}
	return componentsPrefix(split(prefix), split(path))
}

func pathParts(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(strings.Trim(p, "/"), "/")
}

// pathMatches: /foo allows /foo and /foo/bar, not /fool.
func pathMatches(prefix, path string) bool {
	return componentsPrefix(pathParts(prefix), pathParts(path))
}

// componentsPrefix: the path components a start b.
func componentsPrefix(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// writableMounts lists the mounts of a volume that are not read-only.
func writableMounts(p *Pod, volume string, ex exclusions, honourExclusions bool) []*yaml.Node {
	var out []*yaml.Node
	for _, ct := range p.Containers {
		if honourExclusions && ex.skip(ct) {
			continue
		}
		for _, m := range source.Items(source.Get(ct.Node, "volumeMounts")) {
			name, _ := source.Str(source.Get(m, "name"))
			if name == volume && !isTrue(source.Get(m, "readOnly")) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (r *hostPaths) check(p *Pod, rep *reporter) {
	// Azure's template judges only volumes a non-excluded container mounts.
	var mounted map[string]bool
	if !r.upstream {
		mounted = mountedVolumes(p, r.ex)
	}
	for i, vol := range volumes(p) {
		hk, hp := source.Lookup(vol, "hostPath")
		if hk == nil {
			continue
		}
		path, _ := source.Str(source.Get(hp, "path"))
		name, _ := source.Str(source.Get(vol, "name"))
		if mounted != nil && !mounted[name] {
			continue
		}
		pk, pv := source.Lookup(hp, "path")
		if pk == nil {
			pk, pv = hk, nil
		}
		field := fmt.Sprintf("%s.volumes[%d].hostPath.path", p.SpecPath, i)
		writable := writableMounts(p, name, r.ex, !r.upstream)
		matched, allowed, readOnlyBroken := false, false, false
		list, matches, param := r.allowed, pathMatches, "allowed paths"
		if r.windows != nil && p.Windows() {
			list, matches, param = *r.windows, windowsPathMatches, "allowed Windows paths (windowsAllowedHostPaths)"
		}
		for _, a := range list {
			if !matches(a.PathPrefix, path) {
				continue
			}
			matched = true
			if a.ReadOnly && len(writable) > 0 {
				readOnlyBroken = true
			} else {
				allowed = true
			}
		}
		switch {
		case !matched:
			rep.report(violation{key: pk, value: pv, field: field,
				msg:     fmt.Sprintf("HostPath volume %s (%s) is not allowed; %s: %s", name, path, param, describePaths(list)),
				fixNote: "hostPath volumes change what the workload can reach; the fixer leaves them to you"})
		case readOnlyBroken && (!r.upstream || !allowed):
			m := writable[0]
			mk, mv := source.Lookup(m, "readOnly")
			if mk == nil {
				mk, mv = source.Lookup(m, "name")
			}
			rep.report(violation{key: mk, value: mv, field: field,
				msg:     fmt.Sprintf("HostPath volume %s (%s) does not meet the readonly requirement: it is mounted writable; %s: %s", name, path, param, describePaths(list)),
				fixNote: "making the mount read-only changes what the workload can do; the fixer leaves it to you"})
		}
	}
}

func describePaths(ps []allowedPath) string {
	if len(ps) == 0 {
		return "none"
	}
	var parts []string
	for _, a := range ps {
		s := a.PathPrefix
		if a.ReadOnly {
			s += " (read-only)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// volume-types: every key of a volume other than name is its type and must
// be allowed ("*" allows all). Azure's v2 template looks only at volumes
// that a non-excluded container mounts; gatekeeper-library at all. The
// projected token volume that the ServiceAccount admission plugin adds (see
// Pod.tokenMounted) is one of them: Gatekeeper sees the Pod after it.
type volumeTypes struct{ listRule }

func compileVolumeTypes(c *policy.Constraint) (checker, error) {
	lr, err := readListRule(c, "volumes")
	return &volumeTypes{lr}, err
}

func (r *volumeTypes) check(p *Pod, rep *reporter) {
	if contains(r.allowed, "*") {
		return
	}
	var mounted map[string]bool
	if !r.upstream {
		mounted = mountedVolumes(p, r.ex)
	}
	for i, vol := range volumes(p) {
		name, _ := source.Str(source.Get(vol, "name"))
		if mounted != nil && !mounted[name] {
			continue
		}
		for j := 0; j+1 < len(vol.Content); j += 2 {
			k := vol.Content[j]
			if k.Value == "name" || contains(r.allowed, k.Value) {
				continue
			}
			allowed := "none"
			if len(r.allowed) > 0 {
				allowed = strings.Join(r.allowed, ", ")
			}
			rep.report(violation{key: k, field: fmt.Sprintf("%s.volumes[%d].%s", p.SpecPath, i, k.Value),
				msg:     fmt.Sprintf("The volume type %s (volume %s) is not allowed; allowed volume types: %s", k.Value, name, allowed),
				fixNote: "changing a volume's type changes the workload; the fixer leaves it to you"})
		}
	}
	r.checkToken(p, rep)
}

// checkToken judges the token volume the API server adds.
func (r *volumeTypes) checkToken(p *Pod, rep *reporter) {
	if contains(r.allowed, "projected") || (!r.upstream && !anyIncluded(p, r.ex)) {
		return
	}
	mounted, _, k, v := p.tokenMounted()
	if !mounted {
		return
	}
	allowed := "none"
	if len(r.allowed) > 0 {
		allowed = strings.Join(r.allowed, ", ")
	}
	rep.report(violation{key: k, value: v, field: p.SpecPath + ".volumes[kube-api-access].projected",
		msg:     fmt.Sprintf("The volume type projected (the service account token volume kube-api-access-..., which the API server's ServiceAccount admission plugin adds to the Pod) is not allowed; allowed volume types: %s", allowed),
		fixNote: "the token volume is added unless automountServiceAccountToken is false; set it to false if the pod does not call the Kubernetes API, or allow projected volumes; the fixer leaves the choice to you"})
}

// flexvolume-drivers: each flexVolume's driver must be allowed. Azure lists
// driver names; gatekeeper-library lists {driver: name} objects.
type flexDrivers struct{ allowed []string }

func compileFlex(c *policy.Constraint) (checker, error) {
	r := &flexDrivers{}
	if c.Semantics == policy.Upstream {
		var p struct {
			AllowedFlexVolumes []struct {
				Driver string `json:"driver"`
			} `json:"allowedFlexVolumes"`
		}
		if err := decodeParams(c.Params, &p); err != nil {
			return nil, err
		}
		for _, d := range p.AllowedFlexVolumes {
			r.allowed = append(r.allowed, d.Driver)
		}
		return r, nil
	}
	var err error
	r.allowed, err = stringList(c.Params, "allowedFlexVolumeDrivers")
	return r, err
}

func (r *flexDrivers) check(p *Pod, rep *reporter) {
	for i, vol := range volumes(p) {
		fk, fv := source.Lookup(vol, "flexVolume")
		if fk == nil || source.Mapping(fv) == nil {
			continue
		}
		dk, dv := source.Lookup(fv, "driver")
		driver, _ := source.Str(dv)
		if contains(r.allowed, driver) {
			continue
		}
		if dk == nil {
			dk = fk
		}
		rep.report(violation{key: dk, value: dv, field: fmt.Sprintf("%s.volumes[%d].flexVolume.driver", p.SpecPath, i),
			msg:     fmt.Sprintf("FlexVolume driver %q is not allowed; allowed drivers: %s", driver, strings.Join(r.allowed, ", ")),
			fixNote: "the fixer does not change volume drivers"})
	}
}

// mountedVolumes names the volumes that non-excluded containers mount.
func mountedVolumes(p *Pod, ex exclusions) map[string]bool {
	mounted := map[string]bool{}
	for _, ct := range p.Containers {
		if ex.skip(ct) {
			continue
		}
		for _, m := range source.Items(source.Get(ct.Node, "volumeMounts")) {
			if n, ok := source.Str(source.Get(m, "name")); ok {
				mounted[n] = true
			}
		}
	}
	return mounted
}
