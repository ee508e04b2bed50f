package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/render"
	"github.com/secctx-lint/secctx-lint/render/kustomize"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
	"github.com/secctx-lint/secctx-lint/walk"
)

// walkAndRender is the front of the pipeline: walk the paths (ignore rules,
// excludes), build the kustomizations found, and return what is left to
// judge; the errors are those of the walk and of the builds.
func walkAndRender(cfg *config, paths []string, lim source.Limits, stderr io.Writer) (*render.Result, []*source.Error) {
	opts := walk.Options{Exclude: append(walk.Globs("", cfg.exclude...), walk.Globs(cfg.fileExcludeDir, cfg.fileExclude...)...), AsWalked: cfg.asWalked}
	res := walk.Walk(paths, opts)
	errs := res.Errors
	// Report paths as the walk spells them: relative to the working folder,
	// or absolute when the user named absolute paths.
	dir := "."
	for _, p := range paths {
		if filepath.IsAbs(p) {
			dir = ""
		}
	}
	var stage *render.Result
	quietly("kustomize", stderr, func() { stage = render.Stage(res, kustomize.New(dir, lim)) })
	quietly("helm", stderr, func() {
		stage.AddCharts(res, &render.Helm{Charts: cfg.fileCharts, Namespace: cfg.namespace, ReleaseName: cfg.helmRelease, Values: cfg.helmValues, Set: cfg.helmSet, Limits: lim})
	})
	for i, rd := range stage.Renders {
		errs = append(errs, rd.Errors...)
		if cfg.verbose {
			fmt.Fprintf(stderr, "secctx-lint: built %s (%s)\n", stage.Dirs[i], report.Plural(len(rd.Consumed), "file"))
		}
	}
	if cfg.verbose {
		for _, d := range stage.NotBuilt {
			fmt.Fprintf(stderr, "secctx-lint: not built alone: %s (judged through the kustomizations that use it, if any)\n", d)
		}
		walk.SortSkips(res.Skipped)
		for _, s := range res.Skipped {
			fmt.Fprintf(stderr, "secctx-lint: skipped %s: %s\n", s.Path, s.Reason)
		}
	}
	return stage, errs
}

// judgeRenders judges the built objects; their findings are about the
// origin files already (lint relocates them).
func judgeRenders(cfg *config, engine *lint.Engine, stage *render.Result, run *report.Run) {
	for _, j := range judgeBuilds(engine, stage.Renders) {
		reportRender(cfg, engine, j, run, "")
	}
}

// judgedRender is a build with its findings (none for a build that
// failed: its errors are reported already).
type judgedRender struct {
	rd *source.Render
	fs []lint.Finding
	st lint.Stats
}

// judgeBuilds judges each build once.
func judgeBuilds(engine *lint.Engine, rds []*source.Render) []judgedRender {
	out := make([]judgedRender, len(rds))
	for i, rd := range rds {
		out[i].rd = rd
		if rd.File != nil {
			out[i].fs, out[i].st = engine.File(rd.File)
		}
	}
	return out
}

// reportRender reports a judged build, first or again after --fix; with
// note set (the fixes were refused) every fixable finding is made
// unfixable with it.
func reportRender(cfg *config, engine *lint.Engine, j judgedRender, run *report.Run, note string) {
	if j.rd.File == nil {
		return
	}
	cfg.filter.AddRender(j.rd, engine.DefaultNamespace())
	if note != "" {
		for i := range j.fs {
			if j.fs[i].Fixable {
				j.fs[i].Fixable, j.fs[i].Changes, j.fs[i].FixNote = false, nil, note
			}
		}
	}
	run.AddFile(j.rd.File, j.st, nil, cfg.keep(j.fs))
	addOriginLines(run, j.rd)
}

// addOriginLines gives the reports the lines of every origin file a build
// pointed into (JSON 6902 patches too, which have no document), for
// snippets.
func addOriginLines(run *report.Run, rd *source.Render) {
	for path, f := range rd.OriginFiles {
		if f != nil && f.Src != nil {
			run.Sources[path] = f.Lines()
		}
	}
}

// printSkipped lists, with --verbose, the walked files that were not
// manifests.
func printSkipped(cfg *config, run *report.Run, stderr io.Writer) {
	if !cfg.verbose {
		return
	}
	for _, s := range run.Skipped {
		fmt.Fprintf(stderr, "secctx-lint: skipped %s: %s\n", s.Path, s.Msg)
	}
}
