package policy

import "testing"

func TestPresetsExpand(t *testing.T) {
	for _, name := range BuiltinNames() {
		in, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		a := &Assignment{Initiative: in, Effect: Audit, Match: Match{ExcludedNamespaces: in.DefaultExcludedNamespaces()}}
		cs, err := a.Constraints()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(cs) != len(in.Members) {
			t.Errorf("%s: %d constraints for %d members", name, len(cs), len(in.Members))
		}
	}
	for _, want := range []string{"mcsb", "aks-safeguards"} {
		if _, err := Builtin(want); err != nil {
			t.Error(err)
		}
	}
}

func TestCloneLeavesOriginal(t *testing.T) {
	in, _ := Builtin("restricted")
	c := in.Clone("mine")
	c.Members[0].Values = map[string]any{"x": 1}
	c.Members[4].Values["allowedCapabilities"] = []any{}
	if len(in.Members[4].Values["allowedCapabilities"].([]any)) != 14 || in.Members[0].Values != nil {
		t.Error("Clone shares member values with the original")
	}
}
