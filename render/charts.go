package render

import (
	"runtime"

	"github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/internal/parallel"
	"github.com/secctx-lint/secctx-lint/render/helm"
	"github.com/secctx-lint/secctx-lint/render/kustomize"
	"github.com/secctx-lint/secctx-lint/source"
	"github.com/secctx-lint/secctx-lint/walk"
)

// Helm says how the stage renders the charts of a walk.
type Helm struct {
	// Charts are the configuration's charts: a chart listed there is
	// rendered once per value set, with its release name and namespace.
	Charts []config.Chart
	// Namespace is the default release namespace (--namespace).
	Namespace string
	// ReleaseName, Values and Set are --helm-release, --helm-values and
	// --helm-set, for the charts without configured value sets.
	ReleaseName string
	Values, Set []string
	Limits      source.Limits
}

// chartBuild is one render of one chart: the folder and the options.
type chartBuild struct {
	dir string
	opt helm.Options
}

// builds lists the renders of the charts found by the walk.
func (h *Helm) builds(charts []walk.Chart) []chartBuild {
	abs := absPaths()
	byDir := map[string]config.Chart{}
	for _, c := range h.Charts {
		byDir[abs(c.Path)] = c
	}
	var out []chartBuild
	for _, c := range charts {
		base := helm.Options{ReleaseName: h.ReleaseName, Namespace: h.Namespace, ValuesFiles: h.Values, Set: h.Set, Limits: h.Limits}
		cc, ok := byDir[abs(c.Dir)]
		if !ok {
			out = append(out, chartBuild{c.Dir, base})
			continue
		}
		base.ValuesFiles, base.Set = nil, nil
		if cc.ReleaseName != "" {
			base.ReleaseName = cc.ReleaseName
		}
		if cc.Namespace != "" {
			base.Namespace = cc.Namespace
		}
		if len(cc.ValueSets) == 0 {
			out = append(out, chartBuild{c.Dir, base})
		}
		for _, vs := range cc.ValueSets {
			opt := base
			opt.ValuesFiles, opt.Set, opt.ValueSetName = vs.Values, vs.Set, vs.Name
			out = append(out, chartBuild{c.Dir, opt})
		}
	}
	return out
}

// AddCharts renders the charts of a walk, each with every value set, after
// the kustomizations. The values files a render read are taken out of the
// plain inputs: they are not manifests.
func (r *Result) AddCharts(res *walk.Result, h *Helm) {
	cache := helm.NewCache(nil)
	builds := h.builds(res.Charts)
	for i := range builds {
		builds[i].opt.Cache = cache
	}
	renders := renderCharts(builds)
	consumed := map[string]bool{}
	for i, b := range builds {
		r.Renders = append(r.Renders, renders[i])
		r.Dirs = append(r.Dirs, b.dir)
		r.charts = append(r.charts, b)
		for _, c := range renders[i].Consumed {
			consumed[c] = true
		}
	}
	kept := r.Inputs[:0]
	abs := absPaths()
	for _, in := range r.Inputs {
		if in.Path == "-" || !consumed[abs(in.Path)] {
			kept = append(kept, in)
		}
	}
	r.Inputs = kept
}

// BuildAgain renders again every source that rendered the first time, in
// order: the kustomizations with k, the charts with k's overlay (the fixed
// text, for --diff).
func (r *Result) BuildAgain(k *kustomize.Renderer) []*source.Render {
	nk := len(r.Dirs) - len(r.charts)
	var dirs []string
	for i, dir := range r.Dirs[:nk] {
		if r.Renders[i].File != nil { // else its errors are reported already
			dirs = append(dirs, dir)
		}
	}
	out := k.BuildAll(dirs)
	var again []chartBuild
	cache := helm.NewCache(k.Overlay)
	for j, b := range r.charts {
		if r.Renders[nk+j].File != nil {
			b.opt.Overlay, b.opt.Cache = k.Overlay, cache
			again = append(again, b)
		}
	}
	return append(out, renderCharts(again)...)
}

// renderCharts renders on every core, results in order: a chart renders
// twice (see helm's origin.go) and a repository may hold many.
func renderCharts(builds []chartBuild) []*source.Render {
	out := make([]*source.Render, len(builds))
	parallel.For(len(builds), runtime.GOMAXPROCS(0), func(i int) { out[i] = helm.Render(builds[i].dir, builds[i].opt) })
	return out
}
