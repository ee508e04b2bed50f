package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A chart is listed with its value sets; paths are relative to the folder
// of the configuration file.
func TestCharts(t *testing.T) {
	src := `charts:
  - path: deploy/web
    releaseName: web
    namespace: shop
    valueSets:
      - name: prod
        values: [deploy/web/values-prod.yaml]
        set: [replicaCount=3]
      - name: staging
        values: [deploy/web/values-staging.yaml]
  - path: deploy/worker
`
	cfg, errs := Parse(filepath.Join("repo", ".secctx-lint.yaml"), []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []Chart{
		{Path: filepath.Join("repo", "deploy", "web"), ReleaseName: "web", Namespace: "shop", Line: 2, ValueSets: []ValueSet{
			{Name: "prod", Values: []string{filepath.Join("repo", "deploy", "web", "values-prod.yaml")}, Set: []string{"replicaCount=3"}},
			{Name: "staging", Values: []string{filepath.Join("repo", "deploy", "web", "values-staging.yaml")}},
		}},
		{Path: filepath.Join("repo", "deploy", "worker"), Line: 11},
	}
	if !reflect.DeepEqual(cfg.Charts, want) {
		t.Errorf("charts\n%+v\nwant\n%+v", cfg.Charts, want)
	}
}

func TestChartErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"charts: {path: x}\n", "1:9: charts must be a list of charts"},
		{"charts:\n  - releaseName: x\n", "2:5: a charts entry needs path"},
		{"charts:\n  - path: x\n    valueSets:\n      - values: [a.yaml]\n", "4:9: a value set needs a name"},
		{"charts:\n  - path: x\n    valueSets:\n      - {name: prod}\n      - {name: prod}\n", `5:16: value set "prod" is listed twice`},
		{"charts:\n  - path: x\n    values: [a.yaml]\n", `3:5: unknown key "values" in a charts entry`},
	} {
		_, errs := Parse("c.yaml", []byte(c.src))
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		if all := strings.Join(msgs, "\n"); !strings.Contains(all, c.want) {
			t.Errorf("%q:\n got %s\nwant %s", c.src, all, c.want)
		}
	}
}

// A configuration found by Find has an absolute path; the charts and
// values files under the working folder are still spelled relative to it,
// as the walk and --helm-values spell paths, so findings, renderedFrom,
// SARIF and diff headers do not carry absolute paths (a review found
// /tmp/.../values-prod.yaml in all of them).
func TestChartPathsRelativeToWorkingFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	src := "charts:\n  - path: web\n    valueSets:\n      - {name: prod, values: [web/values-prod.yaml, /abs/values.yaml]}\n"
	cfg, errs := Parse(filepath.Join(dir, ".secctx-lint.yaml"), []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c := cfg.Charts[0]
	if c.Path != "web" {
		t.Errorf("chart path %q, want web", c.Path)
	}
	if want := []string{filepath.Join("web", "values-prod.yaml"), "/abs/values.yaml"}; !reflect.DeepEqual(c.ValueSets[0].Values, want) {
		t.Errorf("values %q, want %q", c.ValueSets[0].Values, want)
	}
}
