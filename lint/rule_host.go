package lint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// host-network-ports: hostNetwork: true fails unless allowed, and every
// hostPort must be allowed: within [minPort, maxPort] (Azure 6.x, v3
// template; gatekeeper-library's min/max), or in allowedHostPorts (Azure
// 7.x). The API server sets hostPort = containerPort on a hostNetwork Pod,
// so such a pod's container ports are judged as host ports.
func init() {
	register(&rule{id: "host-network-ports", skipWindows: true, compile: compileHostNetwork})
	register(&rule{id: "host-namespaces", skipWindows: true, compile: compileHostNamespaces})
}

type hostNetwork struct {
	ex           exclusions
	upstream     bool
	allowNetwork bool
	// hasRange: min/max given; list: allowedHostPorts given (7.x).
	hasRange     bool
	min, max     int64
	list         bool
	allowedPorts []portRange
}

type portRange struct{ lo, hi int64 }

func compileHostNetwork(c *policy.Constraint) (checker, error) {
	r := &hostNetwork{upstream: c.Semantics == policy.Upstream}
	var err error
	if r.ex, err = readExclusions(c.Params); err != nil {
		return nil, err
	}
	var p struct {
		AllowHostNetwork *bool  `json:"allowHostNetwork"`
		HostNetwork      *bool  `json:"hostNetwork"` // gatekeeper-library
		MinPort          *int64 `json:"minPort"`
		MaxPort          *int64 `json:"maxPort"`
		Min              *int64 `json:"min"` // gatekeeper-library
		Max              *int64 `json:"max"`
		AllowedHostPorts []any  `json:"allowedHostPorts"`
	}
	if err := decodeParams(c.Params, &p); err != nil {
		return nil, err
	}
	if p.AllowHostNetwork != nil {
		r.allowNetwork = *p.AllowHostNetwork
	}
	if p.HostNetwork != nil {
		r.allowNetwork = *p.HostNetwork
	}
	if p.MinPort == nil {
		p.MinPort = p.Min
	}
	if p.MaxPort == nil {
		p.MaxPort = p.Max
	}
	if p.MinPort != nil && p.MaxPort != nil {
		r.hasRange, r.min, r.max = true, *p.MinPort, *p.MaxPort
	}
	if _, ok := c.Params["allowedHostPorts"]; ok {
		r.list = true
		for _, v := range p.AllowedHostPorts {
			pr, err := parsePortRange(fmt.Sprint(v))
			if err != nil {
				return nil, err
			}
			r.allowedPorts = append(r.allowedPorts, pr)
		}
	}
	return r, nil
}

func parsePortRange(s string) (portRange, error) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
	}
	if err1 != nil || err2 != nil || b < a {
		return portRange{}, fmt.Errorf("allowedHostPorts entry %q is not a port or a range like 3000-5000", s)
	}
	return portRange{a, b}, nil
}

func (r *hostNetwork) portAllowed(port int64) bool {
	if r.list {
		for _, pr := range r.allowedPorts {
			if port >= pr.lo && port <= pr.hi {
				return true
			}
		}
		return false
	}
	if r.hasRange {
		return port >= r.min && port <= r.max
	}
	return true
}

func (r *hostNetwork) describe() string {
	if r.list {
		return fmt.Sprintf("allowHostNetwork %v, allowedHostPorts %v", r.allowNetwork, r.allowedPorts)
	}
	return fmt.Sprintf("allowHostNetwork %v, host ports %d-%d", r.allowNetwork, r.min, r.max)
}

func (r *hostNetwork) check(p *Pod, rep *reporter) {
	var targets []*Container
	for _, ct := range p.Containers {
		if !r.ex.skip(ct) {
			targets = append(targets, ct)
		}
	}
	hnKey, hnVal := source.Lookup(p.Spec, "hostNetwork")
	onHost := isTrue(hnVal)
	// Azure's template judges hostNetwork per non-excluded container;
	// gatekeeper-library's per pod, whatever the exemptions.
	if onHost && !r.allowNetwork && (r.upstream || len(targets) > 0) {
		rep.report(violation{key: hnKey, value: hnVal, field: p.SpecPath + ".hostNetwork",
			msg:     fmt.Sprintf("The specified hostNetwork and hostPort are not allowed (hostNetwork: true; allowed: %s)", r.describe()),
			fixNote: "hostNetwork changes how the workload is reached; the fixer leaves it to you"})
	}
	for _, ct := range targets {
		for i, port := range source.Items(source.Get(ct.Node, "ports")) {
			k, v := source.Lookup(port, "hostPort")
			hp, ok := source.Int(v)
			defaulted := false
			if !ok && onHost {
				// The API server defaults hostPort to containerPort on hostNetwork pods.
				k, v = source.Lookup(port, "containerPort")
				hp, ok = source.Int(v)
				defaulted = true
			}
			if !ok || r.portAllowed(hp) {
				continue
			}
			msg := fmt.Sprintf("The specified hostPort %d is not allowed, container: %s (allowed: %s)", hp, ct.Label(), r.describe())
			if defaulted {
				msg = fmt.Sprintf("containerPort %d of container %s becomes hostPort %d because the pod uses hostNetwork, and that port is not allowed (allowed: %s)", hp, ct.Label(), hp, r.describe())
			}
			rep.report(violation{container: ct, key: k, value: v, field: fmt.Sprintf("%s.ports[%d].hostPort", ct.Path(p), i), msg: msg,
				fixNote: "host ports change how the workload is reached; the fixer leaves them to you"})
		}
	}
}

// host-namespaces: hostPID or hostIPC true fails (and hostNetwork with
// Azure's 6.x definition). Missing fields pass.
type hostNamespaces struct {
	ex      exclusions
	network bool
}

func compileHostNamespaces(c *policy.Constraint) (checker, error) {
	ex, err := readExclusions(c.Params)
	network := c.Definition != nil && majorAtLeast(c.Definition, 6)
	return &hostNamespaces{ex: ex, network: network}, err
}

func (r *hostNamespaces) check(p *Pod, rep *reporter) {
	if !anyIncluded(p, r.ex) {
		return
	}
	fields := []string{"hostPID", "hostIPC"}
	if r.network {
		fields = append(fields, "hostNetwork")
	}
	for _, f := range fields {
		k, v := source.Lookup(p.Spec, f)
		if !isTrue(v) {
			continue
		}
		rep.report(violation{key: k, value: v, field: p.SpecPath + "." + f,
			msg:     fmt.Sprintf("Sharing the host namespace is not allowed: %s is set to true", f),
			fixNote: f + " changes what the workload can see; the fixer leaves it to you"})
	}
}

// anyIncluded reports whether some container is not excluded: pod-level
// templates fire only then.
func anyIncluded(p *Pod, ex exclusions) bool {
	for _, ct := range p.Containers {
		if !ex.skip(ct) {
			return true
		}
	}
	return false
}

// volumes returns the pod's volume entries with their index.
func volumes(p *Pod) []*yaml.Node {
	return source.Items(source.Get(p.Spec, "volumes"))
}

func majorAtLeast(d *policy.Definition, major int) bool {
	m, err := strconv.Atoi(d.Major())
	return err == nil && m >= major
}
