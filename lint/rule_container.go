package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

func init() {
	register(&rule{id: "readonly-root-filesystem", skipWindows: true, compile: func(c *policy.Constraint) (checker, error) {
		ex, err := readExclusions(c.Params)
		return &readOnlyRoot{ex: ex}, err
	}})
	register(&rule{id: "proc-mount", skipWindows: true, compile: compileProcMount})
}

// readonly-root-filesystem: a container fails unless its securityContext
// says readOnlyRootFilesystem: true. Missing fails.
type readOnlyRoot struct{ ex exclusions }

func (r *readOnlyRoot) check(p *Pod, rep *reporter) {
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		k, v, field := containerField(p, ct, "readOnlyRootFilesystem")
		if isTrue(v) {
			continue
		}
		vio := violation{container: ct, key: k, value: v, field: field,
			msg: fmt.Sprintf("Readonly root filesystem is required for container %s (readOnlyRootFilesystem is not true)", ct.Label())}
		if _, set := source.Bool(v); set {
			vio.fixNote = "readOnlyRootFilesystem: false was written on purpose; the fixer does not overwrite it"
		} else {
			vio.changes = []Change{{Map: ct.Node, Path: []string{"securityContext", "readOnlyRootFilesystem"}, Value: boolNode(true)}}
		}
		rep.report(vio)
	}
}

// proc-mount: only containers that set procMount are judged; with the
// allowed type Default, anything but "default" (any case) fails.
type procMount struct {
	ex      exclusions
	allowed string // "default" or "unmasked"
}

func compileProcMount(c *policy.Constraint) (checker, error) {
	r := &procMount{allowed: "default"}
	var err error
	if r.ex, err = readExclusions(c.Params); err != nil {
		return nil, err
	}
	if s, ok := c.Params["procMount"].(string); ok {
		switch strings.ToLower(s) {
		case "default", "unmasked":
			r.allowed = strings.ToLower(s)
		}
	}
	return r, nil
}

func (r *procMount) check(p *Pod, rep *reporter) {
	if r.allowed == "unmasked" {
		return
	}
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		k, v, field := containerField(p, ct, "procMount")
		pm, ok := source.Str(v)
		if !ok || strings.EqualFold(pm, "default") {
			continue
		}
		rep.report(violation{container: ct, key: k, value: v, field: field,
			msg:     fmt.Sprintf("ProcMount type %s is not allowed, container: %s; allowed procMount types: %s", pm, ct.Label(), r.allowed),
			fixNote: "procMount was written on purpose; the fixer does not overwrite it"})
	}
}
