package helm

import (
	"github.com/secctx-lint/secctx-lint/internal/filetest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// fixChart renders and lints a chart, applies the fixes to the origin
// files the findings point into, and returns the files it changed (paths
// relative to the chart) with their new bytes.
func fixChart(t *testing.T, e *lint.Engine, dir string, opt Options) map[string][]byte {
	t.Helper()
	_, findings, lines := judge(t, e, dir, opt)
	byFile := map[*source.File][]lint.Finding{}
	for _, f := range findings {
		if f.Fixable && f.Doc != nil {
			byFile[f.Doc.File] = append(byFile[f.Doc.File], f)
		}
	}
	out := map[string][]byte{}
	for file, fs := range byFile {
		res, err := fix.File(file, fs)
		if err != nil {
			t.Fatalf("%s: %v\n%s", file.Path, err, strings.Join(lines, "\n"))
		}
		if string(res.Src) == string(file.Src) {
			continue
		}
		if err := os.WriteFile(file.Path, res.Src, 0o644); err != nil {
			t.Fatal(err)
		}
		r, _ := filepath.Rel(dir, file.Path)
		out[filepath.ToSlash(r)] = res.Src
	}
	return out
}

// copyChart copies a testdata chart to a temporary folder.
func copyChart(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.CopyFS(dst, os.DirFS(chartDir(name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// --fix writes into values.yaml where the chart takes the field from a
// value, into the template for a plain securityContext block, nowhere else;
// the result matches testdata/fixed/CHART/FILE. Rendering the fixed chart
// again with the same values finds nothing fixable, and a second --fix
// changes nothing.
func TestFixCharts(t *testing.T) {
	e := restricted(t)
	for _, name := range chartNames {
		t.Run(name, func(t *testing.T) {
			dir := copyChart(t, name)
			changed := fixChart(t, e, dir, Options{})
			goldenDir := filepath.Join("testdata", "fixed", name)
			if *update {
				_ = os.RemoveAll(goldenDir)
				for p, src := range changed {
					g := filepath.Join(goldenDir, filepath.FromSlash(p))
					_ = os.MkdirAll(filepath.Dir(g), 0o755)
					if err := os.WriteFile(g, src, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			var want []string
			_ = filepath.WalkDir(goldenDir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					r, _ := filepath.Rel(goldenDir, p)
					want = append(want, filepath.ToSlash(r))
				}
				return nil
			})
			var got []string
			for p := range changed {
				got = append(got, p)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("changed files %v, want %v", got, want)
			}
			for _, p := range want {
				g, _ := os.ReadFile(filepath.Join(goldenDir, filepath.FromSlash(p)))
				if string(changed[p]) != string(g) {
					t.Errorf("%s:\n%s\nwant:\n%s", p, changed[p], g)
				}
			}
			_, findings, lines := judge(t, e, dir, Options{})
			for i, f := range findings {
				if f.Fixable {
					t.Errorf("after --fix still fixable: %s", lines[i])
				}
			}
			if again := fixChart(t, e, dir, Options{}); len(again) > 0 {
				t.Errorf("a second --fix changed %v", again)
			}
			// --diff renders the chart in place with the fixed text laid
			// over it: the same verdict.
			overlay := Overlay{}
			for p, src := range changed {
				abs, _ := filepath.Abs(filepath.Join(chartDir(name), filepath.FromSlash(p)))
				overlay[abs] = src
			}
			_, findings, lines = judge(t, e, chartDir(name), Options{Overlay: overlay})
			for i, f := range findings {
				if f.Fixable {
					t.Errorf("rendered over the fixed text, still fixable: %s", lines[i])
				}
			}
		})
	}
}

// A container of a plain template (no action in its lines) takes its
// securityContext in the template, as a plain map under a key does; one
// with an action on its lines is left with a note naming its first line.
func TestFixContainerOfPlainTemplate(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":           "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"values.yaml":          "tag: \"1\"\n",
		"templates/plain.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [1000], seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: curl\n    image: curlimages/curl\n",
		"templates/mixed.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mixed\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [1000], seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: app\n    image: \"nginx:{{ .Values.tag }}\"\n",
	})
	e := restricted(t)
	_, findings, _ := judge(t, e, dir, Options{})
	var notes []string
	for _, f := range findings {
		if f.Name == "mixed" && !f.Fixable {
			notes = append(notes, f.FixNote)
		}
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "mixed.yaml:8: the block that starts here holds template actions") {
		t.Errorf("the container with an action: notes %q", notes)
	}
	changed := fixChart(t, e, dir, Options{})
	want := "  - name: curl\n    image: curlimages/curl\n    securityContext:\n      allowPrivilegeEscalation: false\n"
	if got := string(changed["templates/plain.yaml"]); !strings.HasSuffix(got, want) {
		t.Errorf("plain.yaml after the fix:\n%s\nwant it to end with\n%s", got, want)
	}
	if _, ok := changed["templates/mixed.yaml"]; ok {
		t.Errorf("mixed.yaml was edited:\n%s", changed["templates/mixed.yaml"])
	}
}

// A security-context value that the template reads and values.yaml leaves
// out (`{{- with .Values.podSecurityContext }}`, as many charts ship) is
// added to values.yaml, not written into the template, where it would be
// a second securityContext key once someone sets the value; below a map
// that values.yaml has (app), the key goes into that map.
func TestFixAddsAbsentValues(t *testing.T) {
	tmpl := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      {{- with .Values.podSecurityContext }}\n      securityContext:\n        {{- toYaml . | nindent 8 }}\n      {{- end }}\n      containers:\n      - name: app\n        image: {{ .Values.image }}\n        {{- with .Values.app.securityContext }}\n        securityContext:\n          {{- toYaml . | nindent 10 }}\n        {{- end }}\n"
	dir := writeChart(t, map[string]string{
		"Chart.yaml":       "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"values.yaml":      "# values\nimage: nginx\napp:\n  replicas: 1\n",
		"templates/d.yaml": tmpl,
	})
	e := restricted(t)
	changed := fixChart(t, e, dir, Options{})
	if _, ok := changed["templates/d.yaml"]; ok || len(changed) != 1 {
		t.Fatalf("changed %v, want values.yaml alone", keysOf(changed))
	}
	want := "# values\nimage: nginx\napp:\n  replicas: 1\n  securityContext:\n    allowPrivilegeEscalation: false\npodSecurityContext:\n  fsGroup: 2000\n  runAsGroup: 3000\n  runAsNonRoot: true\n  runAsUser: 1000\n  seccompProfile:\n    type: RuntimeDefault\n  supplementalGroups:\n  - 2000\n"
	if got := string(changed["values.yaml"]); got != want {
		t.Errorf("values.yaml after the fix:\n%s\nwant:\n%s", got, want)
	}
	if _, findings, lines := judge(t, e, dir, Options{}); len(findings) != 0 {
		t.Errorf("after the fix:\n%s", strings.Join(lines, "\n"))
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// A subchart folder that Chart.yaml declares with a remote repository is
// what `helm dependency update` fetches again: the fixer leaves its values
// and templates alone, as it does an archive's, and says so; the parent's
// own values are still fixed. Declared without a repository (or file://),
// the folder is the chart's own and is fixed.
func TestFixLeavesFetchedSubcharts(t *testing.T) {
	for _, tt := range []struct {
		repo    string
		fetched bool
	}{{"https://charts.example.com", true}, {"file://charts/db", false}, {"", false}} {
		dir := copyChart(t, "parent")
		chartYAML := filepath.Join(dir, "Chart.yaml")
		b, err := os.ReadFile(chartYAML)
		if err != nil {
			t.Fatal(err)
		}
		if tt.repo != "" {
			b = []byte(strings.Replace(string(b), "    version: 0.1.0\n", "    version: 0.1.0\n    repository: "+tt.repo+"\n", 1))
			if err := os.WriteFile(chartYAML, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		changed := fixChart(t, restricted(t), dir, Options{})
		inSub := false
		for f := range changed {
			inSub = inSub || strings.HasPrefix(f, "charts/db/")
		}
		if inSub == tt.fetched || changed["values.yaml"] == nil {
			t.Errorf("repository %q: changed %v", tt.repo, keysOf(changed))
		}
		if !tt.fetched {
			continue
		}
		_, findings, lines := judge(t, restricted(t), dir, Options{})
		noted := false
		for _, f := range findings {
			noted = noted || strings.Contains(f.FixNote, "fetches from https://charts.example.com again")
			if strings.HasSuffix(f.File, filepath.Join("charts", "db", "values.yaml")) && f.Line == 0 {
				// The file is on disk: positions and suppression comments
				// hold, only the edit is refused.
				t.Errorf("%s %s: no line in the fetched chart's values", f.Rule, f.Field)
			}
		}
		if !noted {
			t.Errorf("no finding says the subchart is fetched:\n%s", strings.Join(lines, "\n"))
		}
	}
}

// A block whose lines go on in an action at its own depth (containers
// printed by `{{- include ... | nindent 8 }}` below `containers:`) is not
// plain: the parse with actions blanked out ends it at `containers:`, and
// the fixer wrote the pod's securityContext between the key and the
// include, so the containers rendered as supplementalGroups items.
func TestFixLeavesBlocksThatGoOnInAnAction(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":             "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
		"values.yaml":            "sidecar: true\n",
		"templates/_helpers.tpl": "{{- define \"demo.containers\" -}}\n- name: app\n  image: nginx\n{{- end }}\n",
		"templates/deploy.yaml":  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n    spec:\n      containers:\n        {{- include \"demo.containers\" . | nindent 8 }}\n",
	})
	e := restricted(t)
	if changed := fixChart(t, e, dir, Options{}); len(changed) != 0 {
		t.Errorf("changed %v:\n%s", keysOf(changed), changed["templates/deploy.yaml"])
	}
	_, findings, lines := judge(t, e, dir, Options{})
	for _, f := range findings {
		if f.Rule == lint.RuleInvalidField || f.Fixable {
			t.Errorf("after --fix:\n%s", strings.Join(lines, "\n"))
			break
		}
	}
}

// writeChart writes a chart's files (paths relative to the chart) into a
// folder "chart" of a temporary folder and returns the chart's folder.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "chart")
	filetest.Write(t, dir, files)
	return dir
}
