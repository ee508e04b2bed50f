package kustomize

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/secctx-lint/secctx-lint/internal/filetest"
	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

const tree = "../../testdata/kustomize"

// Our in-process build equals `kubectl kustomize` on the same folder: the
// expected builds under testdata/kustomize/expected were made with it
// (kubectl v1.32, kustomize v5.5.0; see its README), and so were those of
// the real trees under testdata/real (see its PROVENANCE.md), which name
// their folders with "_" for "/" as their names hold "-". under testdata/real (see its PROVENANCE.md) name their
// folders with "_" for "/", as their names hold "-".
func TestBuildEqualsKubectl(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(tree, "expected", "*.built"))
	real, err2 := filepath.Glob(filepath.Join("testdata", "real", "expected", "*.built"))
	if err != nil || err2 != nil || len(files) == 0 || len(real) == 0 {
		t.Fatalf("no expected builds: %v %v", err, err2)
	}
	for _, exp := range append(files, real...) {
		name := strings.TrimSuffix(filepath.Base(exp), ".built")
		dir := filepath.Join(tree, strings.ReplaceAll(name, "-", "/"))
		if strings.Contains(exp, "real") {
			dir = filepath.Join("testdata", "real", strings.ReplaceAll(name, "_", "/"))
		}
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(exp)
			if err != nil {
				t.Fatal(err)
			}
			rd := New(".", source.DefaultLimits).Build(dir)
			if len(rd.Errors) > 0 || rd.File == nil {
				t.Fatalf("build errors: %v", rd.Errors)
			}
			if got := string(rd.File.Src); got != string(want) {
				t.Errorf("build of %s differs from kubectl kustomize:\n%s\nwant:\n%s", dir, got, want)
			}
		})
	}
}

func restrictedEngine(tb testing.TB) *lint.Engine { return linttest.Restricted(tb) }

// wantRE reads expectations written beside the lines of the tree's files:
//
//   - name: app  # want(prod): seccomp, users-groups x2; want(staging): seccomp
//
// each the findings that building the named overlay reports on that line
// ("strict" marks a strict one, "xN" N findings of the rule).
var wantRE = regexp.MustCompile(`want\(([\w-]+)\):\s*([^;#]*)`)

func wantsIn(t *testing.T, root string) []string {
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range wantRE.FindAllStringSubmatch(line, -1) {
				for _, item := range strings.Split(m[2], ",") {
					f := strings.Fields(item)
					if len(f) == 0 {
						continue
					}
					n, cert := 1, "certain"
					for _, w := range f[1:] {
						switch {
						case w == "strict":
							cert = "strict"
						case strings.HasPrefix(w, "x"):
							n, _ = strconv.Atoi(w[1:])
						}
					}
					for k := 0; k < n; k++ {
						out = append(out, fmt.Sprintf("%s:%d: %s %s %s", p, i+1, m[1], f[0], cert))
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// The findings of every overlay are where the expectations beside the
// lines say: in the base for what the base holds, in the strategic-merge
// patch for the container it adds, in the component for its container, in
// the JSON 6902 patch for the securityContext it sets; the overlay into
// kube-system has none (Azure's excluded namespaces); the remote resource
// is an input error at its line.
func TestFindingsBesideLines(t *testing.T) {
	r := New(".", source.DefaultLimits)
	engine := restrictedEngine(t)
	var got []string
	for _, o := range []string{"prod", "staging", "system"} {
		rd := r.Build(filepath.Join(tree, "overlays", o))
		if len(rd.Errors) > 0 {
			t.Fatalf("%s: %v", o, rd.Errors)
		}
		findings, _ := engine.File(rd.File)
		for _, f := range findings {
			if f.RenderedFrom == nil || f.RenderedFrom.Dir != filepath.Join(tree, "overlays", o) {
				t.Errorf("%s: renderedFrom %+v", f.Rule, f.RenderedFrom)
			}
			if want := map[string]string{"prod": "shop", "staging": "staging"}[o]; f.Namespace != want || !strings.HasPrefix(f.Name, o+"-") {
				t.Errorf("%s %s: object %s/%s, want the built object's namespace %s and prefixed name", o, f.Rule, f.Namespace, f.Name, want)
			}
			got = append(got, fmt.Sprintf("%s:%d: %s %s %s", f.File, f.Line, o, f.Rule, f.Certainty))
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff(wantsIn(t, tree), got); diff != "" {
		t.Errorf("findings differ from the expectations beside the lines (-want +got):\n%s", diff)
	}
	rd := r.Build(filepath.Join(tree, "remote"))
	if rd.File != nil || len(rd.Errors) != 1 || rd.Errors[0].Line != 4 || !strings.Contains(rd.Errors[0].Msg, "without network") {
		t.Errorf("remote resource: %+v", rd.Errors)
	}
}

const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n"

// A kustomization that does not build is an input error naming the
// kustomization and the cause, at the line of the entry when the cause is
// one; the other kustomizations still build.
func TestBadKustomizations(t *testing.T) {
	dir := filetest.Tree(t, map[string]string{
		"missing/kustomization.yaml":  "resources:\n  - pod.yaml\n  - nope.yaml\n",
		"missing/pod.yaml":            pod,
		"cycle/a/kustomization.yaml":  "resources:\n  - ../b\n",
		"cycle/b/kustomization.yaml":  "resources:\n  - ../a\n",
		"badpatch/kustomization.yaml": "resources:\n  - pod.yaml\npatches:\n  - path: patch.yaml\n",
		"badpatch/pod.yaml":           pod,
		"badpatch/patch.yaml":         "apiVersion: v1\nkind: Pod\nmetadata: {name: p\n",
		"helm/kustomization.yaml":     "resources:\n  - pod.yaml\nhelmCharts:\n  - name: web\n    repo: https://charts.example.com\n",
		"helm/pod.yaml":               pod,
		"outside/kustomization.yaml":  "resources:\n  - ../missing/pod.yaml\n",
		"good/kustomization.yaml":     "resources:\n  - pod.yaml\n",
		"config/kustomization.yaml":   "resources:\n  - pod.yaml\nconfigurations:\n  - kustomizeconfig/missing.yaml\n",
		"config/pod.yaml":             pod,
		"envs/kustomization.yaml":     "resources:\n  - pod.yaml\nconfigMapGenerator:\n  - name: c\n    envs:\n      - missing.env\n",
		"envs/pod.yaml":               pod,
		"good/pod.yaml":               pod,
	})
	r := New(dir, source.DefaultLimits)
	for _, c := range []struct {
		dir, file string
		line      int
		msg       string
	}{
		{"missing", "missing/kustomization.yaml", 3, "nope.yaml"},
		{"cycle/a", "cycle/a/kustomization.yaml", 2, "cycle"},
		{"badpatch", "badpatch/kustomization.yaml", 4, "patch.yaml"},
		{"config", "config/kustomization.yaml", 4, "missing.yaml"},
		{"envs", "envs/kustomization.yaml", 6, "missing.env"},

		{"outside", "outside/kustomization.yaml", 2, "security"},
	} {
		rd := r.Build(filepath.Join(dir, c.dir))
		if rd.File != nil || len(rd.Errors) != 1 {
			t.Errorf("%s: file %v, errors %v", c.dir, rd.File != nil, rd.Errors)
			continue
		}
		e := rd.Errors[0]
		if e.Path != c.file || e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: %v, want %s:%d: ...%s...", c.dir, e, c.file, c.line, c.msg)
		}
	}
	if rd := r.Build(filepath.Join(dir, "good")); len(rd.Errors) > 0 || rd.File == nil || len(rd.File.Docs) != 1 {
		t.Errorf("good: %+v", rd.Errors)
	}
	// helmCharts are reported at their line, and the rest is still built.
	rd := r.Build(filepath.Join(dir, "helm"))
	if len(rd.Errors) != 1 || rd.Errors[0].Line != 3 || !strings.Contains(rd.Errors[0].Msg, "helmCharts are not rendered") {
		t.Errorf("helm: errors %v", rd.Errors)
	}
	if rd.File == nil || len(rd.File.Docs) != 1 {
		t.Errorf("helm: the kustomization's resources were not built")
	}
}

// Kustomize drops comments, so a `# secctx-lint:ignore` beside a line of
// the base is read in the base: it silences that finding in every overlay.
func TestSuppressionCommentsInOrigins(t *testing.T) {
	dir := filetest.Tree(t, map[string]string{
		"base/kustomization.yaml": "resources: [pod.yaml]\n",
		"base/pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  # secctx-lint:ignore seccomp: the node's default profile applies\n  - name: app\n    image: x\n",
		"a/kustomization.yaml":    "namespace: a\nresources: [../base]\n",
		"b/kustomization.yaml":    "namespace: b\nresources: [../base]\n",
	})
	r := New(dir, source.DefaultLimits)
	engine := restrictedEngine(t)
	for _, o := range []string{"a", "b"} {
		rd := r.Build(filepath.Join(dir, o))
		findings, st := engine.File(rd.File)
		if st.Suppressed == 0 {
			t.Errorf("%s: nothing suppressed", o)
		}
		for _, f := range findings {
			if f.Rule == "seccomp" && f.Container == "app" {
				t.Errorf("%s: seccomp finding not silenced by the base's comment: %+v", o, f)
			}
		}
		if len(findings) == 0 {
			t.Errorf("%s: the comment silenced more than seccomp", o)
		}
	}
}

// An inline JSON 6902 patch's values are reported at their place in the
// kustomization file, not at their line and column inside the block scalar
// (which named the `resources:` line), and they stay not editable.
func TestInlineJSONPatchPositions(t *testing.T) {
	dir := filetest.Tree(t, map[string]string{
		"base/kustomization.yaml": "resources:\n- pod.yaml\n",
		"base/pod.yaml":           pod,
		"ov/kustomization.yaml": `namespace: prod
resources:
- ../base
patches:
- target: {kind: Pod}
  patch: |-
    - op: add
      path: /spec/hostNetwork
      value: true
`,
	})
	rd := New(".", source.DefaultLimits).Build(filepath.Join(dir, "ov"))
	if len(rd.Errors) > 0 {
		t.Fatal(rd.Errors)
	}
	findings, _ := restrictedEngine(t).File(rd.File)
	seen := false
	for _, f := range findings {
		if f.Rule != "host-network-ports" || f.Field != "spec.hostNetwork" {
			continue
		}
		seen = true
		if !strings.HasSuffix(filepath.ToSlash(f.File), "/ov/kustomization.yaml") || f.Line != 9 || f.Column != 14 {
			t.Errorf("hostNetwork from the inline patch at %s:%d:%d, want ov/kustomization.yaml:9:14", f.File, f.Line, f.Column)
		}
		if f.Fixable {
			t.Errorf("a field an inline patch sets is fixable")
		}
	}
	if !seen {
		t.Fatalf("no host-network-ports finding for spec.hostNetwork among %d findings", len(findings))
	}
}
