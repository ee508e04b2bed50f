// Package helm renders a Helm chart in process, as `helm template` does, and
// resolves every node of the rendered objects to the chart file a person
// edits: the key of a values file when the node comes from a value, else the
// template line that produced it (see origin.go). It is the Helm half of the
// render stage (source.Render); nothing here runs a `helm` executable or
// reaches the network.
package helm

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// DefaultReleaseName is the release name `helm template` uses when none is
// given.
const DefaultReleaseName = "release-name"

// Options are what `helm template` takes on its command line.
type Options struct {
	// ReleaseName defaults to DefaultReleaseName.
	ReleaseName string
	// Namespace is .Release.Namespace (`helm template` prints "default"
	// when none is given). When set, objects without metadata.namespace are
	// judged in it, as `helm install --namespace` creates them there.
	Namespace string
	// ValuesFiles are -f files, in order: a later one wins.
	ValuesFiles []string
	// Set are --set KEY=VALUE assignments, in order, over the files.
	Set []string
	// ValueSetName names the value set of a configuration entry ("prod");
	// it only labels the findings.
	ValueSetName string
	// KubeVersion is .Capabilities.KubeVersion, as helm template
	// --kube-version ("1.37.0"); empty: Helm's default, the Kubernetes
	// minor of the client-go this binary is built with (what the helm
	// binary of the same Helm release reports; test binaries get 1.20).
	KubeVersion string
	// Limits bound the files read.
	Limits source.Limits
	// Cache, when set, is shared by the renders of one run: each origin
	// file (a values file, a template) is parsed once, so that every
	// render of the same chart (several value sets) points into the same
	// nodes and the fixer edits each file once. Nil: a cache of its own.
	Cache *Cache
	// Overlay replaces files on disk (after --diff, the fixed text).
	Overlay Overlay
}

// IsChart tells whether dir holds a chart.
func IsChart(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && info.Mode().IsRegular()
}

// Render renders the chart in dir. Errors (a chart that does not load, a
// dependency that is not vendored, a template error, a values file that
// does not parse) are returned in Render.Errors with the file and the line
// Helm gives; File is then nil.
func Render(dir string, opt Options) *source.Render {
	r := &renderer{dir: dir, opt: opt, out: &source.Render{OriginFiles: map[string]*source.File{}}}
	if r.opt.ReleaseName == "" {
		r.opt.ReleaseName = DefaultReleaseName
	}
	if r.opt.Cache == nil {
		r.opt.Cache = NewCache(r.opt.Overlay)
	}
	if r.opt.Limits == (source.Limits{}) {
		r.opt.Limits = source.DefaultLimits
	}
	r.out.Consumed = consumed(dir)
	for _, p := range r.opt.ValuesFiles {
		r.out.Consumed = append(r.out.Consumed, abs(p))
	}
	r.run()
	return r.out
}

type renderer struct {
	dir string
	opt Options
	out *source.Render

	chart *chart.Chart
	// subDirs maps a chart's path inside the rendered tree ("web/charts/db")
	// to its folder on disk, or to its archive for a .tgz.
	subDirs map[string]subchart
}

type subchart struct {
	dir     string // the folder (or, for an archive, the .tgz file)
	archive bool
	// fetched: a folder that a dependency of Chart.yaml names with a
	// remote repository (or one inside such a folder): `helm dependency
	// update` replaces it, so the fixer leaves it alone as an archive.
	fetched string
}

func (r *renderer) fail(p string, line int, format string, args ...any) {
	r.out.Errors = append(r.out.Errors, &source.Error{Path: p, Line: line, Msg: fmt.Sprintf(format, args...)})
	r.out.File = nil
}

func (r *renderer) run() {
	ch, err := r.opt.Overlay.load(r.dir)
	if err != nil {
		r.fail(filepath.Join(r.dir, "Chart.yaml"), 0, "the chart does not load: %v", err)
		return
	}
	r.chart = ch
	if !r.checkDependencies(ch, r.dir) {
		return
	}
	r.subDirs = map[string]subchart{}
	r.mapSubcharts(ch, r.dir, ch.Name(), "")
	// Before ProcessDependencies, which renames an aliased dependency.
	r.mapAliases(ch, ch.Name())

	vals, ok := r.userValues()
	if !ok {
		return
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		r.fail(filepath.Join(r.dir, "Chart.yaml"), 0, "chart dependencies: %v", err)
		return
	}
	caps := common.DefaultCapabilities.Copy()
	if r.opt.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(r.opt.KubeVersion)
		if err != nil {
			r.fail(r.dir, 0, "kube version %q: %v", r.opt.KubeVersion, err)
			return
		}
		caps.KubeVersion = *kv
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		r.fail(filepath.Join(r.dir, "Chart.yaml"), 0, "chart requires kubeVersion: %s which is incompatible with Kubernetes %s", ch.Metadata.KubeVersion, caps.KubeVersion.Version)
		return
	}
	ns := r.opt.Namespace
	if ns == "" {
		ns = "default" // as helm template prints it
	}
	relOpts := common.ReleaseOptions{Name: r.opt.ReleaseName, Namespace: ns, Revision: 1, IsInstall: true}
	top, err := util.ToRenderValuesWithSchemaValidation(ch, vals, relOpts, caps, false)
	if err != nil {
		r.fail(filepath.Join(r.dir, "values.yaml"), 0, "values: %v", err)
		return
	}
	files, err := newEngine().Render(ch, top)
	if err != nil {
		r.templateError(err)
		return
	}
	rendered := r.stream(files)
	f, errs := source.Parse(r.streamName(), rendered.src, r.opt.Limits)
	if len(errs) > 0 {
		// `helm template` refuses such a chart too ("YAML parse error").
		for _, e := range errs {
			seg := rendered.segmentAt(e.Line)
			if seg == nil {
				r.fail(r.dir, 0, "rendered output: %s", e.Msg)
				continue
			}
			r.fail(r.filePath(seg.name), 0, "the template renders to invalid YAML (line %d of its output): %s", e.Line-seg.startLine+1, e.Msg)
		}
		return
	}
	info := &source.Rendered{Kind: "helm", Dir: r.dir, ValuesFiles: r.opt.ValuesFiles, ValueSet: r.opt.Set, ValueSetName: r.opt.ValueSetName}
	res := newResolver(r, rendered, f)
	res.instrument(ch, top)
	for _, d := range f.Docs {
		d.Rendered = info
		o := res.forDoc(d)
		if r.opt.Namespace != "" {
			setNamespace(d.Root, r.opt.Namespace, o)
		}
		d.Origins = o
	}
	r.out.File = f
}

// userValues merges the -f files and --set values as `helm template` does
// (a later file wins; maps merge; --set last).
func (r *renderer) userValues() (map[string]any, bool) {
	base := map[string]any{}
	for _, p := range r.opt.ValuesFiles {
		raw, err := r.opt.Overlay.read(p)
		if err != nil {
			r.fail(p, 0, "values file: %v", unwrapPathError(err))
			return nil, false
		}
		m, err := loader.LoadValues(bytes.NewReader(raw))
		if err != nil {
			r.fail(p, yamlLine(err.Error()), "values file does not parse: %v", err)
			return nil, false
		}
		base = loader.MergeMaps(base, m)
	}
	for _, s := range r.opt.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			r.fail(r.dir, 0, "--helm-set %s: %v", s, err)
			return nil, false
		}
	}
	return base, true
}

// checkDependencies refuses a dependency Chart.yaml names that charts/
// does not hold: there is no network to fetch it (`helm template` refuses
// it too and asks for `helm dependency build`).
func (r *renderer) checkDependencies(ch *chart.Chart, dir string) bool {
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	ok := true
	for i, dep := range ch.Metadata.Dependencies {
		if have[dep.Name] {
			continue
		}
		// A v1 chart lists them in requirements.yaml, which the loader
		// reads into the same list.
		file := filepath.Join(dir, "Chart.yaml")
		line := dependencyLine(file, i)
		if req := filepath.Join(dir, "requirements.yaml"); line == 0 && ch.Metadata.APIVersion == chart.APIVersionV1 {
			if l := dependencyLine(req, i); l > 0 {
				file, line = req, l
			}
		}
		r.fail(file, line, "dependency %q (%s) is not in charts/; secctx-lint does not download charts: run `helm dependency build` and commit charts/, or vendor it", dep.Name, dep.Repository)
		ok = false
	}
	return ok
}

// dependencyLine finds the line of the i-th dependency in Chart.yaml (or
// a v1 chart's requirements.yaml), or 0.
func dependencyLine(file string, i int) int {
	f, _ := source.ReadFile(source.Input{Path: file}, nil, source.DefaultLimits)
	if f == nil || len(f.Docs) == 0 {
		return 0
	}
	deps := source.Get(f.Docs[0].Root, "dependencies")
	if deps == nil || i >= len(deps.Content) {
		return 0
	}
	return deps.Content[i].Line
}

// mapSubcharts records where each loaded subchart lives on disk: a folder
// of charts/ or an archive. The loader does not say, so it is found by the
// chart's name.
func (r *renderer) mapSubcharts(ch *chart.Chart, dir, full, fetched string) {
	entries, _ := os.ReadDir(filepath.Join(dir, "charts"))
	repos := map[string]string{}
	for _, d := range ch.Metadata.Dependencies {
		if d.Repository != "" && !strings.HasPrefix(d.Repository, "file://") {
			repos[d.Name] = d.Repository
		}
	}
	for _, sub := range ch.Dependencies() {
		p := path.Join(full, "charts", sub.Name())
		found := subchart{dir: filepath.Join(dir, "charts", sub.Name()), archive: true}
		for _, e := range entries {
			ep := filepath.Join(dir, "charts", e.Name())
			if e.IsDir() && chartName(ep) == sub.Metadata.Name {
				found = subchart{dir: ep}
				break
			}
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tgz") && strings.HasPrefix(e.Name(), sub.Metadata.Name+"-") {
				found = subchart{dir: ep, archive: true}
			}
		}
		if !found.archive {
			found.fetched = fetched
			if repo := repos[sub.Metadata.Name]; found.fetched == "" && repo != "" {
				found.fetched = repo
			}
		}
		r.subDirs[p] = found
		if !found.archive {
			r.mapSubcharts(sub, found.dir, p, found.fetched)
		}
	}
}

// mapAliases records an aliased subchart (dependencies: - name: db, alias:
// primary), which Helm renders as charts/primary, where charts/db is.
func (r *renderer) mapAliases(ch *chart.Chart, full string) {
	for _, dep := range ch.Metadata.Dependencies {
		if dep.Alias == "" {
			continue
		}
		if sc, ok := r.subDirs[path.Join(full, "charts", dep.Name)]; ok {
			r.subDirs[path.Join(full, "charts", dep.Alias)] = sc
		}
	}
	for _, sub := range ch.Dependencies() {
		if !r.subDirs[path.Join(full, "charts", sub.Name())].archive {
			r.mapAliases(sub, path.Join(full, "charts", sub.Name()))
		}
	}
}

func chartName(dir string) string {
	f, _ := source.ReadFile(source.Input{Path: filepath.Join(dir, "Chart.yaml")}, nil, source.DefaultLimits)
	if f == nil || len(f.Docs) == 0 {
		return ""
	}
	name, _ := source.Str(source.Get(f.Docs[0].Root, "name"))
	return name
}

// filePath turns a name of Helm's rendered tree ("web/templates/x.yaml",
// "web/charts/db/templates/y.yaml") into the file on disk, or the archive
// that holds it.
func (r *renderer) filePath(name string) string {
	chartPath, rest := r.locate(name)
	if chartPath.archive {
		return chartPath.dir
	}
	return filepath.Join(chartPath.dir, filepath.FromSlash(rest))
}

// locate finds the chart (folder or archive) a rendered name belongs to and
// the name's path inside it.
func (r *renderer) locate(name string) (subchart, string) {
	best, bestLen := subchart{dir: r.dir}, 0
	root := r.chart.Name() + "/"
	rest := strings.TrimPrefix(name, root)
	for p, sc := range r.subDirs {
		if strings.HasPrefix(name, p+"/") && len(p) > bestLen {
			best, bestLen, rest = sc, len(p), name[len(p)+1:]
		}
	}
	return best, rest
}

func (r *renderer) streamName() string {
	return "helm template " + r.dir
}

// locationRE finds the template positions in Helm's error messages:
// "template: web/templates/x.yaml:12:5: executing ..." and
// "execution error at (web/templates/x.yaml:3:4): ...".
var locationRE = regexp.MustCompile(`([^\s():"]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?`)

// templateError reports a render failure at the template and line Helm
// names (the innermost one it names, where `required` or `fail` ran).
func (r *renderer) templateError(err error) {
	msg := strings.TrimSpace(err.Error())
	m := locationRE.FindAllStringSubmatch(msg, -1)
	if len(m) == 0 {
		r.fail(filepath.Join(r.dir, "Chart.yaml"), 0, "the chart does not render: %s", oneLine(msg))
		return
	}
	loc := m[0]
	line, _ := strconv.Atoi(loc[2])
	out := &source.Error{Path: r.filePath(loc[1]), Line: line, Msg: "the chart does not render: " + oneLine(msg)}
	if loc[3] != "" {
		out.Column, _ = strconv.Atoi(loc[3])
	}
	r.out.Errors = append(r.out.Errors, out)
	r.out.File = nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(msg string) int {
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// consumed lists every file of the chart folder, absolute: the walk judges
// none of them alone (a template is not YAML; values.yaml is not a
// manifest).
func consumed(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, abs(p))
		}
		return nil
	})
	return out
}

// abs is how Consumed spells paths (source.Render): absolute.
func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// segment is one template's output in the rendered stream.
type segment struct {
	name      string // Helm's name: "web/templates/deployment.yaml"
	startLine int    // first line of the output in the stream (1-based)
	lines     int
	text      string
}

type stream struct {
	src      []byte
	segments []*segment
}

func (s *stream) segmentAt(line int) *segment {
	for _, seg := range s.segments {
		if line >= seg.startLine && line < seg.startLine+seg.lines {
			return seg
		}
	}
	return nil
}

// stream writes the manifests as `helm template` prints them: each
// template's output after a `# Source:` comment, NOTES.txt, partials and
// empty output left out, hooks and test pods included.
func (r *renderer) stream(files map[string]string) *stream {
	names := make([]string, 0, len(files))
	for name, text := range files {
		base := path.Base(name)
		if base == "NOTES.txt" || strings.HasPrefix(base, "_") || strings.TrimSpace(text) == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	s := &stream{}
	line := 1
	for _, name := range names {
		text := files[name]
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n", name)
		line += 2
		n := strings.Count(text, "\n")
		s.segments = append(s.segments, &segment{name: name, startLine: line, lines: n, text: text})
		b.WriteString(text)
		line += n
	}
	s.src = b.Bytes()
	return s
}

// setNamespace writes the release namespace into an object that has none,
// as the API server does when Helm installs it there; the new nodes point
// at the metadata (or the object) they were added to.
func setNamespace(root *yaml.Node, ns string, o *docOrigins) {
	meta := source.Mapping(source.Get(root, "metadata"))
	if meta == nil || source.Get(meta, "namespace") != nil {
		return
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "namespace"}
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ns}
	meta.Content = append(meta.Content, k, v)
	if at, ok := o.Of(meta); ok {
		at.Inherited, at.Editable = true, false
		o.OriginMap[k], o.OriginMap[v] = at, at
	}
}

// CheckSet says whether a --helm-set value reads as `helm template --set`
// reads it, so that a malformed one is a usage error when the flags are
// read, chart or no chart.
func CheckSet(s string) error { return strvals.ParseInto(s, map[string]any{}) }
