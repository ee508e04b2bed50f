package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func init() {
	register(&rule{id: "selinux", skipWindows: true, compile: compileSELinux})
	register(&rule{id: "forbidden-sysctls", skipWindows: true, compile: compileSysctls})
	register(&rule{id: "automount-token", compile: func(c *policy.Constraint) (checker, error) {
		ex, err := readExclusions(c.Params)
		return &automount{ex: ex}, err
	}})
}

// selinux: seLinuxOptions at pod level and on each container are judged
// independently; a present field must equal the allowed entry's, a missing
// one matches anything. Missing options pass. With Azure's 8.x enforcePSS,
// user and role must be empty and type in allowedSELinuxTypes.
type seLinux struct {
	ex         exclusions
	options    []map[string]string
	enforcePSS bool
	types      []string
}

func compileSELinux(c *policy.Constraint) (checker, error) {
	r := &seLinux{}
	var err error
	if r.ex, err = readExclusions(c.Params); err != nil {
		return nil, err
	}
	var p struct {
		Options    []map[string]string `json:"allowedSELinuxOptions"`
		EnforcePSS bool                `json:"enforcePSS"`
		Types      []string            `json:"allowedSELinuxTypes"`
	}
	if err := decodeParams(c.Params, &p); err != nil {
		return nil, err
	}
	r.options, r.enforcePSS, r.types = p.Options, p.EnforcePSS, p.Types
	return r, nil
}

func (r *seLinux) allowed(opts map[string]string) bool {
	if r.enforcePSS {
		return opts["user"] == "" && opts["role"] == "" && (opts["type"] == "" || contains(r.types, opts["type"]))
	}
	for _, a := range r.options {
		ok := true
		for _, f := range []string{"level", "role", "type", "user"} {
			if v, has := opts[f]; has && a[f] != v {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (r *seLinux) describe() string {
	if r.enforcePSS {
		return "no user or role, type empty or one of " + strings.Join(r.types, ", ")
	}
	return jsonText(r.options)
}

func (r *seLinux) check(p *Pod, rep *reporter) {
	if k, v := source.Lookup(p.PodSC(), "seLinuxOptions"); k != nil && source.Mapping(v) != nil && len(v.Content) > 0 {
		if !r.allowed(source.StringMap(v)) {
			rep.report(violation{key: k, value: v, field: p.SpecPath + ".securityContext.seLinuxOptions",
				msg:     fmt.Sprintf("SELinux options are not allowed at pod level; allowed options: %s", r.describe()),
				fixNote: "the fixer does not change SELinux labels"})
		}
	}
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		k, v, field := containerField(p, ct, "seLinuxOptions")
		if source.Mapping(v) == nil || len(v.Content) == 0 {
			continue
		}
		if !r.allowed(source.StringMap(v)) {
			rep.report(violation{container: ct, key: k, value: v, field: field,
				msg:     fmt.Sprintf("SELinux options are not allowed, container %s; allowed options: %s", ct.Label(), r.describe()),
				fixNote: "the fixer does not change SELinux labels"})
		}
	}
}

// forbidden-sysctls: each pod sysctl name must not be forbidden. Azure's
// v1 template treats every entry as a prefix (so kernel.msg also forbids
// kernel.msgmax); gatekeeper-library only entries ending in *, and it can
// also require names to be in allowedSysctls.
type sysctls struct {
	forbidden, allowed []string
	hasAllowed         bool
	upstream           bool
	// allowedOnly: Azure's allowed-sysctls, which reads the list as
	// gatekeeper-library does.
	allowedOnly bool
}

func compileSysctls(c *policy.Constraint) (checker, error) {
	r := &sysctls{upstream: c.Semantics == policy.Upstream}
	var err error
	if r.forbidden, err = stringList(c.Params, "forbiddenSysctls"); err != nil {
		return nil, err
	}
	if r.allowed, err = stringList(c.Params, "allowedSysctls"); err != nil {
		return nil, err
	}
	_, r.hasAllowed = c.Params["allowedSysctls"]
	return r, nil
}

func (r *sysctls) forbiddenName(name string) bool {
	for _, f := range r.forbidden {
		switch {
		case f == "*" || f == name:
			return true
		case r.upstream && strings.HasSuffix(f, "*") && strings.HasPrefix(name, strings.TrimSuffix(f, "*")):
			return true
		case !r.upstream && strings.HasPrefix(name, strings.Trim(f, "*")):
			return true
		}
	}
	return false
}

func (r *sysctls) allowedName(name string) bool {
	if (!r.upstream && !r.allowedOnly) || !r.hasAllowed {
		return true
	}
	for _, a := range r.allowed {
		if a == "*" || a == name || (strings.HasSuffix(a, "*") && strings.HasPrefix(name, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

func (r *sysctls) check(p *Pod, rep *reporter) {
	for i, s := range source.Items(source.Get(p.PodSC(), "sysctls")) {
		k, v := source.Lookup(s, "name")
		name, ok := source.Str(v)
		if !ok {
			continue
		}
		field := fmt.Sprintf("%s.securityContext.sysctls[%d].name", p.SpecPath, i)
		switch {
		case r.forbiddenName(name):
			rep.report(violation{key: k, value: v, field: field,
				msg:     fmt.Sprintf("The sysctl %s is not allowed; forbidden sysctls: %s", name, strings.Join(r.forbidden, ", ")),
				fixNote: "the fixer does not remove sysctls"})
		case !r.allowedName(name):
			rep.report(violation{key: k, value: v, field: field,
				msg:     fmt.Sprintf("The sysctl %s is not explicitly allowed; allowed sysctls: %s", name, strings.Join(r.allowed, ", ")),
				fixNote: "the fixer does not remove sysctls"})
		}
	}
}

// automount-token: Azure's template fails a pod whose
// automountServiceAccountToken is true, or unset while a container mounts
// /var/run/secrets/kubernetes.io/serviceaccount. The API server's
// ServiceAccount admission plugin adds that mount to every container unless
// the pod or its ServiceAccount turns automounting off, so an unset field
// fails unless a ServiceAccount in the same file says false.
type automount struct{ ex exclusions }

// tokenMounted models the ServiceAccount admission plugin: it adds a
// projected token volume (kube-api-access-<random>) to the pod and mounts it
// into every container unless the pod's automountServiceAccountToken, or
// else its ServiceAccount's (read from the same file), is false. explicit
// says the pod itself asks for it (true); key and value point at the field
// when written, else at the pod spec key.
func (p *Pod) tokenMounted() (mounted, explicit bool, key, value *yaml.Node) {
	k, v := source.Lookup(p.Spec, "automountServiceAccountToken")
	b, isBool := source.Bool(v)
	switch {
	case isBool:
		return b, b, k, v
	case p.ServiceAccountAutomountOff:
		return false, false, nil, nil
	}
	if k == nil {
		k = p.SpecKey
	}
	return true, false, k, nil
}

func (r *automount) check(p *Pod, rep *reporter) {
	if !anyIncluded(p, r.ex) {
		return
	}
	field := p.SpecPath + ".automountServiceAccountToken"
	mounted, explicit, k, v := p.tokenMounted()
	switch {
	case !mounted:
		return
	case explicit:
		rep.report(violation{key: k, value: v, field: field,
			msg:     "Automounting service account token is disallowed (automountServiceAccountToken: true)",
			fixNote: "automountServiceAccountToken: true was written on purpose; the fixer does not overwrite it"})
		return
	}
	rep.report(violation{key: k, field: field,
		msg:     "Automounting service account token is disallowed: automountServiceAccountToken is not set to false, so the API server mounts the token into every container",
		changes: []Change{{Map: p.Spec, Path: []string{"automountServiceAccountToken"}, Value: boolNode(false)}}})
}
