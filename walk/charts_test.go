package walk

import (
	"path/filepath"
	"strings"
	"testing"
)

func chartDirs(dir string, res *Result) string {
	var got []string
	for _, c := range res.Charts {
		s := filepath.ToSlash(strings.TrimPrefix(c.Dir, dir+string(filepath.Separator)))
		if c.Named {
			s += "(named)"
		}
		got = append(got, s)
	}
	return strings.Join(got, " ")
}

// A folder holding Chart.yaml is a chart: rendered whole, nothing in it
// read as plain YAML (templates are not YAML), subcharts part of it. A
// file named inside a chart, as pre-commit names changed files, stands for
// the chart that renders it: a subchart's file for its parent.
func TestCharts(t *testing.T) {
	dir := tree(t, map[string]string{
		"deploy/pod.yaml":                          "kind: Pod\n",
		"deploy/web/Chart.yaml":                    "name: web\n",
		"deploy/web/values.yaml":                   "a: 1\n",
		"deploy/web/templates/deployment.yaml":     "kind: Deployment\nmetadata: {name: {{ .Release.Name }}}\n",
		"deploy/web/charts/db/Chart.yaml":          "name: db\n",
		"deploy/web/charts/db/templates/sts.yaml":  "kind: StatefulSet\n",
		"other/api/Chart.yaml":                     "name: api\n",
		"other/api/templates/tests/test-conn.yaml": "kind: Pod\n",
		"other/plain/kustomization.yaml":           "resources: []\n",
	})
	res := Walk([]string{filepath.Join(dir, "deploy")}, Options{})
	if got := rel(dir, res); strings.Join(got, " ") != "deploy/pod.yaml" {
		t.Errorf("inputs %q: nothing of a chart is read alone", got)
	}
	if got := chartDirs(dir, res); got != "deploy/web" {
		t.Errorf("charts %q", got)
	}
	res = Walk([]string{
		filepath.Join(dir, "deploy", "web", "templates", "deployment.yaml"),
		filepath.Join(dir, "deploy", "web", "charts", "db", "templates", "sts.yaml"),
		filepath.Join(dir, "other", "api", "templates", "tests"),
		filepath.Join(dir, "other", "api", "Chart.yaml"),
	}, Options{})
	if got := chartDirs(dir, res); got != "deploy/web(named) other/api(named)" || len(res.Inputs) != 0 || len(res.Errors) != 0 {
		t.Errorf("charts %q, inputs %v, errors %v", got, res.Inputs, res.Errors)
	}
	// A folder with only a chart is not "a folder with no manifest".
	res = Walk([]string{filepath.Join(dir, "other", "api")}, Options{})
	if len(res.Errors) != 0 || chartDirs(dir, res) != "other/api(named)" {
		t.Errorf("errors %v, charts %q", res.Errors, chartDirs(dir, res))
	}
}
