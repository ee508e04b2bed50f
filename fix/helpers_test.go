package fix

import (
	"sync"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

var (
	engineOnce sync.Once
	testEngine *lint.Engine
	engineErr  error
)

// engine judges with the restricted initiative (Audit, Azure's default
// exclusions), keeping only the policies whose rules exist yet, so that the
// tests follow the rules as the lead adds them.
func engine(tb testing.TB) *lint.Engine {
	tb.Helper()
	engineOnce.Do(func() {
		in, err := policy.Builtin("restricted")
		if err != nil {
			engineErr = err
			return
		}
		a := &policy.Assignment{Initiative: in, Effect: policy.Audit,
			Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}
		cs, err := a.Constraints()
		if err != nil {
			engineErr = err
			return
		}
		have := map[string]bool{}
		for _, id := range lint.RuleIDs() {
			have[id] = true
		}
		var keep []*policy.Constraint
		for _, c := range cs {
			if have[c.Rule] {
				keep = append(keep, c)
			}
		}
		// Also require dropping NET_RAW, so that the tests exercise
		// capabilities.drop (creation and Append).
		keep = append(keep, &policy.Constraint{Rule: "capabilities", Kind: "K8sPSPCapabilities", Semantics: policy.Upstream,
			Name: "test-drop", Effect: policy.Audit, Origin: "test",
			Params: map[string]any{"allowedCapabilities": []any{"*"}, "requiredDropCapabilities": []any{"NET_RAW"}},
			Match:  policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}})
		testEngine, engineErr = lint.New(keep, lint.Options{})
	})
	if engineErr != nil {
		tb.Fatal(engineErr)
	}
	return testEngine
}

// fixBytes parses, lints and fixes src once.
func fixBytes(tb testing.TB, path string, src []byte) (*source.File, []lint.Finding, *Result, error) {
	tb.Helper()
	f, _ := source.Parse(path, src, source.DefaultLimits)
	fs, _ := engine(tb).File(f)
	res, err := File(f, fs)
	return f, fs, res, err
}

// fixable counts the findings the fixer should have fixed.
func fixable(fs []lint.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Fixable {
			n++
		}
	}
	return n
}
