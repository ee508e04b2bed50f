package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A chart listed in the configuration with two value sets is rendered and
// judged once per set; the findings say which set, point into the values
// file each set takes the map from, and --fix writes there; afterwards
// nothing fixable is left in either set.
func TestHelmValueSets(t *testing.T) {
	chart := copyTree(t, filepath.Join("..", "..", "render", "helm", "testdata", "charts", "web"))
	dir := t.TempDir()
	prod := write(t, dir, "prod.yaml", "podSecurityContext:\n  runAsUser: 1001\n")
	cfg := write(t, dir, ".secctx-lint.yaml", `charts:
  - path: `+chart+`
    namespace: shop
    valueSets:
      - name: prod
        values: [prod.yaml]
      - name: staging
`)
	code, out, errs := runCLI(t, "", "--config", cfg, "--format", "json", chart)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	r := decodeRun(t, out)
	sets := map[string]int{}
	for _, f := range r.Findings {
		if f.RenderedFrom == nil || f.RenderedFrom.Kind != "helm" {
			t.Errorf("%s %s:%d: renderedFrom %+v", f.Rule, f.File, f.Line, f.RenderedFrom)
			continue
		}
		sets[f.RenderedFrom.ValueSet]++
		if f.RenderedFrom.ValueSet == "prod" && f.Kind == "Deployment" && strings.HasSuffix(f.Field, ".fsGroup") && f.File != prod {
			t.Errorf("prod fsGroup at %s:%d, want %s (its podSecurityContext)", f.File, f.Line, prod)
		}
		if f.RenderedFrom.ValueSet == "staging" && f.Kind == "Deployment" && strings.HasSuffix(f.Field, ".fsGroup") && f.File != filepath.Join(chart, "values.yaml") {
			t.Errorf("staging fsGroup at %s:%d, want the chart's values.yaml", f.File, f.Line)
		}
	}
	if sets["prod"] == 0 || sets["staging"] == 0 || len(sets) != 2 {
		t.Errorf("findings per value set %v", sets)
	}
	if code, out, errs := runCLI(t, "", "--config", cfg, "--fix", chart); code != 1 || !strings.Contains(out+errs, "fixed") {
		t.Fatalf("--fix: exit %d\n%s\n%s", code, out, errs)
	}
	b, _ := os.ReadFile(prod)
	if !strings.Contains(string(b), "fsGroup: 2000") || !strings.Contains(string(b), "runAsUser: 1001") {
		t.Errorf("prod.yaml after --fix:\n%s", b)
	}
	_, out, _ = runCLI(t, "", "--config", cfg, "--format", "json", chart)
	for _, f := range decodeRun(t, out).Findings {
		if f.Fixable {
			t.Errorf("after --fix still fixable: %s %s:%d", f.Rule, f.File, f.Line)
		}
	}
}
