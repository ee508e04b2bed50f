package render

import (
	"github.com/secctx-lint/secctx-lint/config"
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
	byDir := map[string]config.Chart{}
	for _, c := range h.Charts {
		byDir[absPath(c.Path)] = c
	}
	var out []chartBuild
	for _, c := range charts {
		base := helm.Options{ReleaseName: h.ReleaseName, Namespace: h.Namespace, ValuesFiles: h.Values, Set: h.Set, Limits: h.Limits}
		cc, ok := byDir[absPath(c.Dir)]
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
	consumed := map[string]bool{}
	for _, b := range h.builds(res.Charts) {
		b.opt.Cache = cache
		rd := helm.Render(b.dir, b.opt)
		r.Renders = append(r.Renders, rd)
		r.Dirs = append(r.Dirs, b.dir)
		r.charts = append(r.charts, b)
		for _, c := range rd.Consumed {
			consumed[c] = true
		}
	}
	kept := r.Inputs[:0]
	for _, in := range r.Inputs {
		if in.Path == "-" || !consumed[absPath(in.Path)] {
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
	for j, b := range r.charts {
		if r.Renders[nk+j].File == nil {
			continue
		}
		b.opt.Overlay, b.opt.Cache = k.Overlay, nil
		out = append(out, helm.Render(b.dir, b.opt))
	}
	return out
}
