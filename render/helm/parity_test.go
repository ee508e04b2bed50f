package helm

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/release/v1/util"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// helmTemplate renders a chart with Helm's own install action in client
// mode, exactly as `helm template` does (release-name, replace, no
// cluster), and returns its objects, manifests and hooks alike, as
// canonical JSON.
func helmTemplate(t *testing.T, dir string, vals map[string]any, ns string) []string {
	t.Helper()
	cfg := action.NewConfiguration()
	cfg.SetLogger(slog.NewTextHandler(io.Discard, nil))
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = DefaultReleaseName
	inst.Replace = true
	inst.Namespace = ns
	kv, err := common.ParseKubeVersion(testKubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	inst.KubeVersion = kv
	ch, err := loader.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := inst.Run(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	r := rel.(*release.Release)
	stream := r.Manifest
	for _, h := range r.Hooks {
		stream += "\n---\n" + h.Manifest
	}
	var out []string
	for _, doc := range util.SplitManifests(stream) {
		// A document of comments only is no object (kubectl skips it).
		if c := canonical(t, []byte(doc)); c != "null" {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func canonical(t *testing.T, doc []byte) string {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	b, _ := json.Marshal(v)
	// A name that ends in randAlphaNum 5 (podinfo's test pods) differs
	// from run to run, helm's own included: compare names without it.
	return randomSuffix.ReplaceAllString(string(b), `$1-?????"`)
}

var randomSuffix = regexp.MustCompile(`("name":"[^"]*)-[a-z0-9]{5}"`)

// Our in-process rendering gives the objects `helm template` gives, on
// every testdata chart that renders, with and without values files and
// --set, and on the real charts of testdata/real.
func TestParityWithHelmTemplate(t *testing.T) {
	cases := []struct {
		chart  string
		values []string
		set    []string
	}{
		{chart: "charts/web"},
		{chart: "charts/web", values: []string{"values/web-prod.yaml"}, set: []string{"securityContext.runAsUser=0", "service.port=8080"}},
		{chart: "charts/cronjob"},
		{chart: "charts/parent"},
		{chart: "charts/archive"},
	}
	reals, _ := filepath.Glob(filepath.Join("testdata", "real", "*", "Chart.yaml"))
	for _, r := range reals {
		rel, _ := filepath.Rel("testdata", filepath.Dir(r))
		cases = append(cases, struct {
			chart  string
			values []string
			set    []string
		}{chart: filepath.ToSlash(rel)})
	}
	// The charts' own CI value files: other kinds and features switched on.
	cases = append(cases,
		struct {
			chart  string
			values []string
			set    []string
		}{chart: "real/ingress-nginx", values: []string{"real/ingress-nginx/ci/controller-daemonset-metrics-values.yaml"}},
		struct {
			chart  string
			values []string
			set    []string
		}{chart: "real/podinfo", values: []string{"real/podinfo/values-prod.yaml"}})
	for _, c := range cases {
		t.Run(c.chart, func(t *testing.T) {
			dir := filepath.Join("testdata", c.chart)
			var files []string
			for _, v := range c.values {
				files = append(files, filepath.Join("testdata", v))
			}
			opt := Options{ValuesFiles: files, Set: c.set, KubeVersion: testKubeVersion}
			r := Render(dir, opt)
			if r.File == nil {
				t.Fatal(r.Errors)
			}
			// The same values, merged as helm's -f and --set merge them.
			vals, ok := (&renderer{opt: opt, out: r}).userValues()
			if !ok {
				t.Fatal(r.Errors)
			}
			want := helmTemplate(t, dir, vals, "default")
			var got []string
			for _, d := range r.File.Docs {
				b, err := yamlOf(d.Root)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, canonical(t, b))
			}
			sort.Strings(got)
			if len(got) != len(want) {
				t.Fatalf("%d objects, helm template gives %d:\nours:\n%s\nhelm:\n%s", len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("object differs from helm template's:\nours: %s\nhelm: %s", got[i], want[i])
				}
			}
		})
	}
}

func yamlOf(n *kyaml.Node) ([]byte, error) { return kyaml.Marshal(n) }
