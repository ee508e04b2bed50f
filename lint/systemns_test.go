package lint_test

import (
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// Azure's policies never judge kube-system, gatekeeper-system and
// azure-arc, whatever an assignment's excludedNamespaces says ("always
// excluded by design" in every definition); the list decides for other
// namespaces, azure-extensions-usage-system included. A gatekeeper-library
// constraint's match alone decides.
func TestAzureSystemNamespacesAlwaysExcluded(t *testing.T) {
	pod := func(ns string) *source.File {
		f, errs := source.Parse(ns+".yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: "+ns+"\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n"), source.DefaultLimits)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return f
	}
	in, err := policy.Builtin("restricted")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := (&policy.Assignment{Initiative: in, Effect: policy.Deny, Match: policy.Match{ExcludedNamespaces: []string{"legacy"}}}).Constraints()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lint.New(cs, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for ns, judged := range map[string]bool{"kube-system": false, "gatekeeper-system": false, "azure-arc": false, "legacy": false, "azure-extensions-usage-system": true, "shop": true} {
		fs, _ := e.File(pod(ns))
		if (len(fs) > 0) != judged {
			t.Errorf("%s: %d findings, want judged %v", ns, len(fs), judged)
		}
	}
	ge := linttest.Engine(t, "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sPSPPrivilegedContainer\nmetadata: {name: gk}\nspec: {}\n", lint.Options{})
	if fs, _ := ge.File(pod("kube-system")); len(fs) == 0 {
		t.Error("a gatekeeper-library constraint without a namespace match does not judge kube-system")
	}
}
