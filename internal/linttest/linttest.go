// Package linttest builds the engines that tests of several packages judge
// with, so that they all mean the same thing by "restricted".
package linttest

import (
	"fmt"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// Restricted is Azure's restricted initiative with Audit and the default
// excluded namespaces, as the CLI assigns it by default.
func Restricted(tb testing.TB) *lint.Engine {
	tb.Helper()
	return Preset(tb, "restricted", nil, lint.Options{})
}

// Preset is a built-in initiative assigned as the CLI assigns one (Audit,
// the default excluded namespaces), with parameter overrides per member
// reference or rule id, judged with opts.
func Preset(tb testing.TB, name string, overrides map[string]map[string]any, opts lint.Options) *lint.Engine {
	tb.Helper()
	in, err := policy.Builtin(name)
	if err != nil {
		tb.Fatal(err)
	}
	cs, err := (&policy.Assignment{Initiative: in, Effect: policy.Audit, Overrides: overrides,
		Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}).Constraints()
	if err != nil {
		tb.Fatal(err)
	}
	e, err := lint.New(cs, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// MayRunAsConflict is two users-groups constraints at odds over field (a
// group ID): "asks" wants it MustRunAs 1-65535, so the fixer writes it;
// "may" allows it MayRunAs 1-100 only, which the default fix values are
// not.
func MayRunAsConflict(field string) string {
	return fmt.Sprintf(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAzureV3AllowedUsersGroups
metadata: {name: asks}
spec:
  parameters:
    runAsUser: {rule: RunAsAny}
    %[1]s: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sAzureV3AllowedUsersGroups
metadata: {name: may}
spec:
  parameters:
    runAsUser: {rule: RunAsAny}
    %[1]s: {rule: MayRunAs, ranges: [{min: 1, max: 100}]}
`, field)
}

// Constraints reads the constraints of a constraint file's text, which
// must parse and read without an error.
func Constraints(tb testing.TB, text string) []*policy.Constraint {
	tb.Helper()
	f, errs := source.Parse("constraints.yaml", []byte(text), source.DefaultLimits)
	if len(errs) > 0 {
		tb.Fatal(errs[0])
	}
	cs, _, cerrs := policy.ReadConstraints(f)
	if len(cerrs) > 0 {
		tb.Fatal(cerrs[0])
	}
	return cs
}

// Engine judges with the constraints of a constraint file's text.
func Engine(tb testing.TB, text string, opts lint.Options) *lint.Engine {
	tb.Helper()
	e, err := lint.New(Constraints(tb, text), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
