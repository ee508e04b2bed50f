// Package render is the stage between the walk and lint: it builds what a
// repository holds as sources rather than manifests (kustomizations today,
// Helm charts next) into documents that remember where each node came from
// (source.Origin), and takes the files a build consumed out of the plain
// inputs, so that a base or a patch is judged through what uses it and not
// alone. Lint, the reports and the fixer then work as they do on plain
// files.
package render

import (
	"github.com/secctx-lint/secctx-lint/render/kustomize"
	"github.com/secctx-lint/secctx-lint/source"
	"github.com/secctx-lint/secctx-lint/walk"
)

// Result is what the stage made of a walk.
type Result struct {
	// Renders are the builds, in walk order; a failed build has no File and
	// its Errors say why.
	Renders []*source.Render
	// Inputs are the walk's plain files that no build consumed.
	Inputs []source.Input
	// Dirs are the folders built, as spelled, one per Render (a chart once
	// per value set); Build(i, ...) again (after --fix) rebuilds them.
	Dirs []string
	// NotBuilt are the kustomization folders not built on their own: bases
	// and components that others use, and components nothing uses.
	NotBuilt []string
	// PathsDir is the renderer's Dir: what reported paths are relative to.
	PathsDir string

	// charts are the chart renders, the last len(charts) of Renders.
	charts []chartBuild
}

// Stage builds the kustomizations of a walk that nothing else in the walk
// uses (and those named), and filters the plain inputs.
func Stage(res *walk.Result, k *kustomize.Renderer) *Result {
	out := &Result{PathsDir: k.Dir}
	dirs := make([]string, len(res.Kustomizations))
	named := make([]bool, len(res.Kustomizations))
	for i, kz := range res.Kustomizations {
		dirs[i], named[i] = kz.Dir, kz.Named
	}
	out.Dirs = k.Roots(dirs, named)
	consumed := map[string]bool{}
	out.Renders = k.BuildAll(out.Dirs)
	for _, rd := range out.Renders {
		for _, c := range rd.Consumed {
			consumed[c] = true
		}
	}
	built := map[string]bool{}
	for _, d := range out.Dirs {
		built[d] = true
	}
	for _, d := range dirs {
		if !built[d] {
			// A base or component built through others (its files are in
			// their Consumed), or a component nothing uses: not judged alone.
			for _, f := range k.Referenced(d) {
				consumed[f] = true
			}
			out.NotBuilt = append(out.NotBuilt, d)
		}
	}
	abs := absPaths()
	for _, in := range res.Inputs {
		if in.Walked && consumed[abs(in.Path)] { // a named file is judged anyway
			continue
		}
		out.Inputs = append(out.Inputs, in)
	}
	return out
}

// absPaths makes the key Consumed uses: the absolute path, links resolved
// the way the builds read them (not at all), the working folder read once.
func absPaths() func(string) string {
	abs := walk.Absolute()
	return func(p string) string {
		if a, err := abs(p); err == nil {
			return a
		}
		return p
	}
}
