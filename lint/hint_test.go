package lint

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Hint names every change that writes a value, in order, and nothing for
// changes without one (token rewrites).
func TestHint(t *testing.T) {
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	for _, tt := range []struct {
		changes []Change
		want    string
	}{
		{nil, ""},
		{[]Change{{Token: scalar("x"), Text: "y"}}, ""},
		{[]Change{{Path: []string{"securityContext", "runAsUser"}, Value: scalar("1000")}}, "set securityContext.runAsUser: 1000"},
		{[]Change{
			{Path: []string{"runAsNonRoot"}, Value: scalar("true")},
			{Token: scalar("x"), Text: "y"},
			{Path: []string{"capabilities", "drop"}, Value: seqNode(scalar("ALL"), scalar(""), scalar("NET_RAW"))},
			{Path: []string{"add"}, Value: seqNode(scalar("A")), Append: true},
			{Path: []string{"a", "b", "c"}, Value: scalar("d")},
			{Path: []string{"e"}, Value: scalar("f")},
		}, "set runAsNonRoot: true, capabilities.drop: [ALL, NET_RAW], add: add [A], a.b.c: d, e: f"},
	} {
		if got := Hint(tt.changes); got != tt.want {
			t.Errorf("Hint = %q, want %q", got, tt.want)
		}
	}
}
