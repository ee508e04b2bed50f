package lint

import (
	"fmt"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// privileged-containers: a container whose securityContext.privileged is
// true fails; a missing field passes (Azure v2 and gatekeeper-library agree).
func init() {
	register(&rule{id: "privileged-containers", skipWindows: true, compile: func(c *policy.Constraint) (checker, error) {
		ex, err := readExclusions(c.Params)
		return &privileged{ex: ex}, err
	}})
}

type privileged struct{ ex exclusions }

func (r *privileged) check(p *Pod, rep *reporter) {
	for _, ct := range p.Containers {
		if r.ex.skip(ct) {
			continue
		}
		if on, _ := source.Bool(source.Get(ct.SC, "privileged")); !on {
			continue
		}
		k, v, field := containerField(p, ct, "privileged")
		rep.report(violation{
			container: ct, key: k, value: v, field: field,
			msg:     fmt.Sprintf("Privileged container is not allowed: %s (securityContext.privileged: true)", ct.Label()),
			fixNote: "privileged: true changes what the workload can do; the fixer leaves it to you",
		})
	}
}

// addsSysAdmin reports whether the container adds the exact string
// CAP_SYS_ADMIN, the one the API server's validation rejects next to
// allowPrivilegeEscalation: false (SYS_ADMIN or sys_admin pass it).
func addsSysAdmin(ct *Container) bool {
	for _, c := range source.Strings(source.Path(ct.SC, "capabilities", "add")) {
		if c == "CAP_SYS_ADMIN" {
			return true
		}
	}
	return false
}
