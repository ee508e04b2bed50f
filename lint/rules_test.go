package lint_test

import (
	"slices"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
)

// TestEveryDefinitionHasARule: every policy of the catalog is judged, so no
// caller needs to filter constraints by what the engine implements.
func TestEveryDefinitionHasARule(t *testing.T) {
	ids := lint.RuleIDs()
	for _, d := range policy.Definitions {
		if !slices.Contains(ids, d.Rule) {
			t.Errorf("definition %s %s (%s) has no rule in the engine", d.Rule, d.Version, d.DisplayName)
		}
	}
	for _, rule := range policy.UpstreamKinds {
		if !slices.Contains(ids, rule) {
			t.Errorf("gatekeeper-library kind for %s has no rule in the engine", rule)
		}
	}
}
