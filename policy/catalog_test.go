package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
)

func builtinDir(t *testing.T) string {
	return testshared.Path(t, "conformance", "azure-policy", "builtin")
}

type azureParam struct {
	Type          string `json:"type"`
	DefaultValue  any    `json:"defaultValue"`
	AllowedValues []any  `json:"allowedValues"`
}

type azureDefinition struct {
	Name       string `json:"name"`
	Properties struct {
		DisplayName string                   `json:"displayName"`
		Metadata    struct{ Version string } `json:"metadata"`
		Parameters  map[string]azureParam    `json:"parameters"`
	} `json:"properties"`
}

// The newest version of each definition matches Azure's own file: id,
// display name, version, parameters with types, defaults and allowed values.
func TestDefinitionsMatchAzure(t *testing.T) {
	dir := filepath.Join(builtinDir(t), "policyDefinitions")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	byID := map[string]azureDefinition{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d azureDefinition
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		byID[d.Name] = d
	}
	checked := 0
	for _, rule := range Rules() {
		def, err := Lookup(rule, "")
		if err != nil {
			t.Fatal(err)
		}
		az, ok := byID[def.ID]
		if def.SampleOnly {
			if ok {
				t.Errorf("%s: marked SampleOnly but %s is among Azure's files: compare it", rule, def.ID)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: definition %s not among Azure's files", rule, def.ID)
			continue
		}
		checked++
		if def.DisplayName != az.Properties.DisplayName || def.Version != az.Properties.Metadata.Version {
			t.Errorf("%s: %q %s, Azure says %q %s", rule, def.DisplayName, def.Version, az.Properties.DisplayName, az.Properties.Metadata.Version)
		}
		_, hasEC := az.Properties.Parameters["excludedContainers"]
		_, hasEI := az.Properties.Parameters["excludedImages"]
		if def.ExcludedContainers != hasEC || def.ExcludedImages != hasEI {
			t.Errorf("%s: excludedContainers %v excludedImages %v, Azure has %v %v", rule, def.ExcludedContainers, def.ExcludedImages, hasEC, hasEI)
		}
		common := map[string]bool{"effect": true, "excludedNamespaces": true, "namespaces": true, "labelSelector": true,
			"excludedContainers": true, "excludedImages": true, "source": true, "warn": true}
		for name, ap := range az.Properties.Parameters {
			if common[name] {
				continue
			}
			p, ok := def.Param(name)
			if !ok {
				t.Errorf("%s: Azure parameter %s missing", rule, name)
				continue
			}
			if p.Type != ap.Type || !sameJSON(p.Default, ap.DefaultValue) || (ap.DefaultValue == nil) != p.Required {
				t.Errorf("%s.%s: %s default %v required %v; Azure %s default %v", rule, name, p.Type, p.Default, p.Required, ap.Type, ap.DefaultValue)
			}
			if len(ap.AllowedValues) > 0 {
				var allowed []string
				for _, v := range ap.AllowedValues {
					allowed = append(allowed, v.(string))
				}
				if !reflect.DeepEqual(allowed, p.Allowed) {
					t.Errorf("%s.%s allowed %v, Azure %v", rule, name, p.Allowed, allowed)
				}
			}
		}
		for _, p := range def.Params {
			if _, ok := az.Properties.Parameters[p.Name]; !ok {
				t.Errorf("%s: parameter %s is not in Azure's definition", rule, p.Name)
			}
		}
		if eff := az.Properties.Parameters["effect"].DefaultValue; !strings.EqualFold(eff.(string), string(def.DefaultEffect)) {
			t.Errorf("%s: default effect %s, Azure %v", rule, def.DefaultEffect, eff)
		}
	}
	t.Logf("%d definitions compared with Azure's files", checked)
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

type azureInitiative struct {
	Name       string `json:"name"`
	Properties struct {
		DisplayName       string                   `json:"displayName"`
		Metadata          struct{ Version string } `json:"metadata"`
		Parameters        map[string]azureParam    `json:"parameters"`
		PolicyDefinitions []struct {
			ReferenceID       string                    `json:"policyDefinitionReferenceId"`
			DefinitionID      string                    `json:"policyDefinitionId"`
			DefinitionVersion string                    `json:"definitionVersion"`
			Parameters        map[string]map[string]any `json:"parameters"`
		} `json:"policyDefinitions"`
	} `json:"properties"`
}

// The built-in initiatives hold exactly Azure's members, pinned majors and
// the values Azure passes (initiative parameters resolved to their defaults).
func TestInitiativesMatchAzure(t *testing.T) {
	dir := filepath.Join(builtinDir(t), "policySetDefinitions")
	for name, file := range map[string]string{"baseline": "PSPBaselineStandard.json", "restricted": "PSPRestrictedStandard.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var az azureInitiative
		if err := json.Unmarshal(raw, &az); err != nil {
			t.Fatal(err)
		}
		in, _ := Builtin(name)
		if in.ID != az.Name || in.DisplayName != az.Properties.DisplayName || in.Version != az.Properties.Metadata.Version {
			t.Errorf("%s: %s %q %s; Azure %s %q %s", name, in.ID, in.DisplayName, in.Version, az.Name, az.Properties.DisplayName, az.Properties.Metadata.Version)
		}
		if len(in.Members) != len(az.Properties.PolicyDefinitions) {
			t.Fatalf("%s: %d members, Azure %d", name, len(in.Members), len(az.Properties.PolicyDefinitions))
		}
		for i, ref := range az.Properties.PolicyDefinitions {
			m := in.Members[i]
			if m.ReferenceID != ref.ReferenceID || !strings.HasSuffix(ref.DefinitionID, m.Definition.ID) || ref.DefinitionVersion != m.Definition.Major()+".*.*" {
				t.Errorf("%s member %d: %s %s %s; Azure %s %s %s", name, i, m.ReferenceID, m.Definition.ID, m.Definition.Version, ref.ReferenceID, ref.DefinitionID, ref.DefinitionVersion)
			}
			for param, wrapped := range ref.Parameters {
				v := wrapped["value"]
				if s, ok := v.(string); ok && strings.HasPrefix(s, "[parameters('") {
					initParam := strings.TrimSuffix(strings.TrimPrefix(s, "[parameters('"), "')]")
					v = az.Properties.Parameters[initParam].DefaultValue
				}
				switch param {
				case "effect", "excludedNamespaces", "namespaces":
					continue // the assignment's scope and effect
				}
				if !sameJSON(m.Values[param], v) {
					t.Errorf("%s %s.%s = %v, Azure passes %v", name, m.ReferenceID, param, m.Values[param], v)
				}
			}
			for param := range m.Values {
				if _, ok := ref.Parameters[param]; !ok {
					t.Errorf("%s %s: value %s is not passed by Azure", name, m.ReferenceID, param)
				}
			}
		}
	}
}

func TestTemplateParams(t *testing.T) {
	d, _ := Lookup("users-groups", "6")
	got, err := d.TemplateParams(map[string]any{"runAsGroupRule": "MustRunAs", "runAsGroupRanges": map[string]any{"ranges": []any{map[string]any{"min": 1, "max": 5}}}, "excludedImages": []any{"a*"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"excludedImages":["a*"],"fsGroup":{"ranges":[],"rule":"RunAsAny"},"runAsGroup":{"ranges":[{"max":5,"min":1}],"rule":"MustRunAs"},"runAsUser":{"ranges":[],"rule":"MustRunAsNonRoot"},"supplementalGroups":{"ranges":[],"rule":"RunAsAny"}}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if _, err := d.TemplateParams(map[string]any{"runAsUserRul": "x"}); err == nil || !strings.Contains(err.Error(), "has no parameter runAsUserRul") {
		t.Errorf("unknown parameter: %v", err)
	}
	sys, _ := Lookup("forbidden-sysctls", "")
	if _, err := sys.TemplateParams(nil); err == nil || !strings.Contains(err.Error(), "forbiddenSysctls has no default") {
		t.Errorf("required parameter: %v", err)
	}
}
