package lint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// MayForbidFix decides whether --fix may write files before every file is
// judged, so it must be true whenever some pod gets a finding with
// FixValueForbidden. Checked on every testdata manifest under the
// built-in initiatives with fix values inside and outside their ranges.
func TestMayForbidFixCoversForbiddenFindings(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("..", "testdata", "lint", "*.yaml"))
	values := []lint.FixValues{
		lint.DefaultFixValues,
		{RunAsUser: 1000, RunAsGroup: 0, FSGroup: 0, SupplementalGroups: []int64{0}},
		{RunAsUser: 70000, RunAsGroup: 70000, FSGroup: 70000, SupplementalGroups: []int64{70000}},
		{RunAsUser: 5, RunAsGroup: 5, FSGroup: 5},
	}
	seenForbidden, seenAllowed := false, false
	r := func(min, max int) map[string]any {
		return map[string]any{"ranges": []any{map[string]any{"min": min, "max": max}}}
	}
	must := map[string]any{
		"runAsUserRule": "MustRunAs", "runAsUserRanges": r(100, 200),
		"runAsGroupRule": "MustRunAs", "runAsGroupRanges": r(1, 65535),
		"supplementalGroupsRule": "MustRunAs", "supplementalGroupsRanges": r(1, 65535),
		"fsGroupRule": "MustRunAs", "fsGroupRanges": r(1, 65535),
	}
	for _, name := range []string{"restricted", "baseline", "mcsb", "aks-safeguards"} {
		for _, ranges := range []map[string]any{nil, must} {
			for _, v := range values {
				e := linttest.Preset(t, name, map[string]map[string]any{"users-groups": ranges}, lint.Options{Fix: v})
				forbidden := false
				for _, p := range inputs {
					src, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					f, _ := source.Parse(p, src, source.DefaultLimits)
					fs, _ := e.File(f)
					for _, fd := range fs {
						forbidden = forbidden || fd.FixValueForbidden
					}
				}
				if forbidden && !e.MayForbidFix() {
					t.Errorf("%s %v %+v: a finding refuses the fix value but MayForbidFix is false", name, ranges != nil, v)
				}
				seenForbidden = seenForbidden || forbidden
				seenAllowed = seenAllowed || !e.MayForbidFix()
			}
		}
	}
	if !seenForbidden || !seenAllowed {
		t.Errorf("the cases cover forbidden %v, never forbidden %v: both must occur", seenForbidden, seenAllowed)
	}
}
