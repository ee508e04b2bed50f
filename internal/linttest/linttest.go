// Package linttest builds the engines that tests of several packages judge
// with, so that they all mean the same thing by "restricted".
package linttest

import (
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
)

// Restricted is Azure's restricted initiative with Audit and the default
// excluded namespaces, as the CLI assigns it by default.
func Restricted(tb testing.TB) *lint.Engine {
	tb.Helper()
	in, _ := policy.Builtin("restricted")
	cs, err := (&policy.Assignment{Initiative: in, Effect: policy.Audit,
		Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}).Constraints()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := lint.New(cs, lint.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
