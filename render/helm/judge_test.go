package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

func restricted(tb testing.TB) *lint.Engine { return linttest.Restricted(tb) }

// testKubeVersion is what the binary reports (client-go v0.37): test
// binaries would otherwise get Helm's fixed 1.20, which the real charts
// refuse.
const testKubeVersion = "v1.37.0"

// judge renders a chart and lints it; findings come back as one line each,
// "file:line:col rule field fixable|note", paths relative to the chart's
// parent folder.
func judge(t *testing.T, e *lint.Engine, dir string, opt Options) (*source.Render, []lint.Finding, []string) {
	t.Helper()
	if opt.KubeVersion == "" {
		opt.KubeVersion = testKubeVersion
	}
	r := Render(dir, opt)
	var lines []string
	for _, err := range r.Errors {
		lines = append(lines, "error "+rel(dir, err.Error()))
	}
	if r.File == nil {
		return r, nil, lines
	}
	findings, _ := e.File(r.File)
	for _, f := range findings {
		fix := "fixable"
		if !f.Fixable {
			fix = "note: " + rel(dir, f.FixNote)
		}
		name := randomTestName.ReplaceAllString(f.Name, "-test-?????")
		lines = append(lines, fmt.Sprintf("%s:%d:%d %s %s/%s %s %s", rel(dir, f.File), f.Line, f.Column, f.Rule, f.Kind, name, f.Field, fix))
	}
	return r, findings, lines
}

// randomTestName is podinfo's test pod name suffix (randAlphaNum 5),
// which differs from render to render.
var randomTestName = regexp.MustCompile(`-test-[a-z0-9]{5}$`)

// rel strips the chart's parent folder from the paths in s, so goldens do
// not depend on where the test runs.
func rel(dir, s string) string {
	return strings.ReplaceAll(s, filepath.Dir(dir)+string(filepath.Separator), "")
}

// chartNames are the testdata charts that render: ours below charts/, the
// real ones below real/ (see real/PROVENANCE.md).
var chartNames = []string{"web", "cronjob", "parent", "archive", "real/podinfo", "real/ingress-nginx"}

// chartDir is where a testdata chart is: "web" is charts/web, "real/x" is
// real/x.
func chartDir(name string) string {
	if strings.Contains(name, "/") {
		return filepath.Join("testdata", filepath.FromSlash(name))
	}
	return filepath.Join("testdata", "charts", name)
}

// Each testdata chart renders and is judged with the findings of
// testdata/want/CHART.txt: one line per finding, at the file and line a
// person edits (values key, template line), fixable or with its note.
// Input errors carry the template file and line Helm gives.
func TestFindings(t *testing.T) {
	e := restricted(t)
	for _, name := range append(chartNames, "broken-required", "broken-dep", "broken-dep-v1") {
		t.Run(name, func(t *testing.T) {
			_, _, lines := judge(t, e, chartDir(name), Options{})
			got := strings.Join(lines, "\n") + "\n"
			want := filepath.Join("testdata", "want", name+".txt")
			if *update {
				_ = os.MkdirAll(filepath.Dir(want), 0o755)
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(b) {
				t.Errorf("findings:\n%s\nwant (%s):\n%s", got, want, b)
			}
		})
	}
}

// A value set's -f file wins over values.yaml: a finding about a map it
// sets points into it, and the fix goes there; --set changes the render;
// the findings carry the value set's name.
func TestValueSet(t *testing.T) {
	e := restricted(t)
	prod := filepath.Join("testdata", "values", "web-prod.yaml")
	r, findings, lines := judge(t, e, filepath.Join("testdata", "charts", "web"), Options{ValuesFiles: []string{prod}, Set: []string{"securityContext.runAsUser=0"}, ValueSetName: "prod", Namespace: "shop"})
	if r.File == nil {
		t.Fatal(lines)
	}
	var inProd, rootUser int
	for i, f := range findings {
		if f.RenderedFrom == nil || f.RenderedFrom.ValueSetName != "prod" || f.Namespace != "shop" {
			t.Errorf("%s: renderedFrom %+v namespace %s", lines[i], f.RenderedFrom, f.Namespace)
		}
		// fsGroup and supplementalGroups exist at the pod level only.
		if f.Kind == "Deployment" && (strings.HasSuffix(f.Field, ".fsGroup") || strings.HasSuffix(f.Field, ".supplementalGroups")) {
			if f.File != prod || f.Line != 2 {
				t.Errorf("%s: want %s:2 (the prod file's podSecurityContext)", lines[i], prod)
			}
			inProd++
		}
		if f.Field == "spec.template.spec.containers[0].securityContext.runAsUser" {
			rootUser++
		}
	}
	if inProd == 0 || rootUser != 1 {
		t.Errorf("pod-level findings in prod: %d, runAsUser 0 from --set: %d\n%s", inProd, rootUser, strings.Join(lines, "\n"))
	}
}

// An aliased subchart (name: db, alias: primary) is rendered by Helm as
// charts/primary; its findings still point into charts/db, and the
// parent's values under the alias.
func TestAliasedSubchart(t *testing.T) {
	dir := copyChart(t, "parent")
	chart := "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 0.1.0\n    alias: primary\n"
	if err := os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte(chart), 0o644); err != nil {
		t.Fatal(err)
	}
	values := "primary:\n  podSecurityContext:\n    runAsNonRoot: true\n"
	if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings, lines := judge(t, restricted(t), dir, Options{})
	inParent := 0
	for i, f := range findings {
		if strings.Contains(f.File, "primary") {
			t.Errorf("%s: points at a folder that does not exist", lines[i])
		}
		if f.File == filepath.Join(dir, "values.yaml") && f.Line == 2 {
			inParent++
		}
	}
	if inParent == 0 {
		t.Errorf("no finding at the parent's primary.podSecurityContext:\n%s", strings.Join(lines, "\n"))
	}
}
