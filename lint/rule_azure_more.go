package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// Azure built-ins outside the pod security initiatives, each read from
// Azure's published template (samples in the shared conformance data):
// disallowed capabilities and its CAP_SYS_ADMIN variant, allowed sysctls,
// the disallowed-host-paths sample, and the two Windows container policies.
func init() {
	register(&rule{id: "disallowed-capabilities", skipWindows: true, compile: compileDisallowedCaps})
	register(&rule{id: "sys-admin-capability", skipWindows: true, compile: compileDisallowedCaps})
	register(&rule{id: "allowed-sysctls", skipWindows: true, compile: compileAllowedSysctls})
	register(&rule{id: "disallowed-host-paths", skipWindows: true, compile: compileDisallowedPaths})
	register(&rule{id: "windows-container-admin", compile: compileWindowsAdmin})
	register(&rule{id: "windows-usernames", compile: compileWindowsUsers})
}

// disallowed-capabilities (K8sAzureV3DisallowedCapabilities): a container
// fails when it adds a listed capability (exact, case-sensitive), or any
// container when the list holds "*". sys-admin-capability is the same
// template with the list fixed to SYS_ADMIN.
type disallowedCaps struct{ listRule }

func compileDisallowedCaps(c *policy.Constraint) (checker, error) {
	lr, err := readListRule(c, "disallowedCapabilities")
	if c.Rule == "sys-admin-capability" && len(lr.allowed) == 0 {
		lr.allowed = []string{"SYS_ADMIN"}
	}
	return &disallowedCaps{lr}, err
}

func (r *disallowedCaps) check(p *Pod, rep *reporter) {
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		addKey, add := source.Lookup(source.Get(ct.SC, "capabilities"), "add")
		bad := ""
		if contains(r.allowed, "*") {
			bad = "*"
		}
		for _, a := range source.Strings(add) {
			if bad == "" && contains(r.allowed, a) {
				bad = a
			}
		}
		if bad == "" {
			continue
		}
		key, field := addKey, ct.Path(p)+".securityContext.capabilities.add"
		if key == nil {
			key = ct.NameKey
		}
		rep.report(violation{container: ct, key: key, field: field,
			msg:     fmt.Sprintf("container <%s> has a disallowed capability. Disallowed capabilities are %s", ct.Label(), jsonText(r.allowed)),
			fixNote: "removing a capability changes what the container can do; the fixer leaves it to you"})
	}
}

// allowed-sysctls: every pod sysctl must be listed (exact, or a prefix*
// entry; "*" allows all). The template (allowed-sysctl-interfaces/v1) is
// not published; this is the allowedSysctls reading gatekeeper-library's
// forbidden-sysctls template has, which Azure's forks follow.
func compileAllowedSysctls(c *policy.Constraint) (checker, error) {
	allowed, err := stringList(c.Params, "allowedSysctls")
	return &sysctls{allowed: allowed, hasAllowed: true, allowedOnly: true}, err
}

// disallowed-host-paths (K8sAzureV1DisallowHostFilesystem): a hostPath
// volume (mounted or not) fails when its path is a listed path, lies below
// one or contains one ("/a/b" forbids /a and /a/b/c); "/" forbids all; an
// empty list allows all.
type disallowedPaths struct{ paths []string }

func compileDisallowedPaths(c *policy.Constraint) (checker, error) {
	paths, err := stringList(c.Params, "disallowedHostPaths")
	return &disallowedPaths{paths}, err
}

func (r *disallowedPaths) check(p *Pod, rep *reporter) {
	for i, vol := range volumes(p) {
		hk, hp := source.Lookup(vol, "hostPath")
		if hk == nil {
			continue
		}
		path, _ := source.Str(source.Get(hp, "path"))
		hit := ""
		for _, d := range r.paths {
			if d == "/" || (pathMatches(d, path) || pathMatches(path, d)) {
				hit = d
				break
			}
		}
		if hit == "" {
			continue
		}
		name, _ := source.Str(source.Get(vol, "name"))
		pk, pv := source.Lookup(hp, "path")
		if pk == nil {
			pk, pv = hk, nil
		}
		rep.report(violation{key: pk, value: pv, field: fmt.Sprintf("%s.volumes[%d].hostPath.path", p.SpecPath, i),
			msg:     fmt.Sprintf("HostPath volume %s (%s) is disallowed: it is, contains or lies below %s. Disallowed paths: %s", name, path, hit, strings.Join(r.paths, ", ")),
			fixNote: "hostPath volumes change what the workload can reach; the fixer leaves them to you"})
	}
}

// The Windows templates judge only pods with nodeSelector kubernetes.io/os:
// windows, and only containers and initContainers; they take
// excludedImages, not excludedContainers. The user a container runs as is
// its securityContext.windowsOptions.runAsUserName, else the pod's, else
// ContainerUser for nanoserver images and ContainerAdministrator for the
// rest.

// nanoServerRE is the templates' regex.match (unanchored).
var nanoServerRE = regexp.MustCompile(`mcr.microsoft.com/windows/nanoserver`)

func windowsUser(p *Pod, ct *Container) (user string, set bool) {
	if u, ok := source.Str(source.Path(ct.SC, "windowsOptions", "runAsUserName")); ok && u != "" {
		return u, true
	}
	if u, ok := source.Str(source.Path(p.PodSC(), "windowsOptions", "runAsUserName")); ok && u != "" {
		return u, true
	}
	if nanoServerRE.MatchString(ct.Image) {
		return "ContainerUser", false
	}
	return "ContainerAdministrator", false
}

// windowsTargets are the containers a Windows template judges.
func windowsTargets(p *Pod, ex exclusions) []*Container {
	if !p.Windows() {
		return nil
	}
	var out []*Container
	for _, ct := range p.Containers {
		if ct.List != "ephemeralContainers" && !ex.skip(ct) {
			out = append(out, ct)
		}
	}
	return out
}

// windows-container-admin: a container fails when it runs as
// ContainerAdministrator: named so, or with no user named anywhere, no
// runAsNonRoot: true (container, else pod) and a non-nanoserver image.
type windowsAdmin struct{ ex exclusions }

func compileWindowsAdmin(c *policy.Constraint) (checker, error) {
	ex, err := readExclusions(c.Params)
	return &windowsAdmin{ex}, err
}

func (r *windowsAdmin) check(p *Pod, rep *reporter) {
	for _, ct := range windowsTargets(p, r.ex) {
		user, set := windowsUser(p, ct)
		if set && user != "ContainerAdministrator" {
			continue
		}
		if !set {
			_, nonRoot, _ := effective(p, ct, "runAsNonRoot")
			if isTrue(nonRoot) || user == "ContainerUser" {
				continue
			}
		}
		key, _, field := containerField(p, ct, "windowsOptions", "runAsUserName")
		rep.report(violation{container: ct, key: key, field: field,
			msg:     fmt.Sprintf("Container <%s> has ContainerAdministrator runAsUsername.", ct.Label()),
			fixNote: "the user a Windows container runs as is the image's business; set windowsOptions.runAsUserName (ContainerUser) yourself"})
	}
}

// windows-usernames: the container's user (as above) must be listed, or be
// DOMAIN\user under an allowed DOMAIN\* entry.
type windowsUsers struct {
	ex      exclusions
	allowed []string
}

func compileWindowsUsers(c *policy.Constraint) (checker, error) {
	ex, err := readExclusions(c.Params)
	if err != nil {
		return nil, err
	}
	allowed, err := stringList(c.Params, "allowedUserNames")
	return &windowsUsers{ex, allowed}, err
}

var domainUserRE = regexp.MustCompile(`.+\\.+`)

func (r *windowsUsers) check(p *Pod, rep *reporter) {
	for _, ct := range windowsTargets(p, r.ex) {
		user, _ := windowsUser(p, ct)
		ok := contains(r.allowed, user)
		for _, a := range r.allowed {
			if domainUserRE.MatchString(user) && strings.HasSuffix(a, `\*`) && strings.HasPrefix(user, strings.TrimSuffix(a, `\*`)) {
				ok = true
			}
		}
		if ok {
			continue
		}
		key, _, field := containerField(p, ct, "windowsOptions", "runAsUserName")
		rep.report(violation{container: ct, key: key, field: field,
			// Azure's own wording (it lists the allowed users as "Disallowed
			// users"), kept so that the message can be searched for.
			msg:     fmt.Sprintf("Container <%s> has disallowed runAsUsername. Disallowed users are %s (it runs as %s; these are the allowed ones)", ct.Label(), jsonText(r.allowed), user),
			fixNote: "the fixer does not choose a Windows user; set windowsOptions.runAsUserName yourself"})
	}
}
