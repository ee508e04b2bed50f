package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/render"
	"github.com/secctx-lint/secctx-lint/render/kustomize"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// renderFix is --fix over the built objects: the edits land in their
// origin files (a base shared by two overlays is one file, fixed once).
type renderFix struct {
	files     []originFix
	forbidden []refusal
	// invalid: the invalid-field findings of the builds before the fix
	// (invalidKey), which the builds of the fixed sources may keep.
	invalid map[string]bool
}

// invalidKey names an invalid-field finding apart from its lines, which
// the fix moves.
func invalidKey(f *lint.Finding) string { return f.File + "\x00" + f.Field + "\x00" + f.Message }

// originFix is one origin file and its fixed bytes.
type originFix struct {
	file   *source.File
	out    []byte
	fields int
	notes  []fix.Note
	err    *source.Error
}

// planRenders judges every build and plans the fixes of all of them
// together, per origin file.
func planRenders(engine *lint.Engine, stage *render.Result, lim source.Limits) *renderFix {
	rf := &renderFix{invalid: map[string]bool{}}
	var all []lint.Finding
	var order []*source.File
	seen := map[*source.File]bool{}
	roots := map[*yaml.Node]bool{}
	for _, rd := range stage.Renders {
		if rd.File == nil {
			continue
		}
		lint.RootPodOrigins(rd.File, engine.DefaultNamespace(), roots)
		fs, _ := engine.File(rd.File)
		rf.forbidden = refusals(rf.forbidden, fs)
		for _, fd := range fs {
			if fd.Rule == lint.RuleInvalidField {
				rf.invalid[invalidKey(&fd)] = true
			}
			if fd.Fixable && fd.Doc != nil && !seen[fd.Doc.File] {
				seen[fd.Doc.File] = true
				order = append(order, fd.Doc.File)
			}
		}
		all = append(all, fs...)
	}
	lint.KeepRootPodsStarting(all, roots)
	for _, f := range order {
		of := originFix{file: f}
		res, err := fix.File(f, all)
		switch {
		case err != nil:
			of.err = &source.Error{Path: f.Path, Msg: "not fixed: " + err.Error()}
		case string(res.Src) != string(f.Src):
			if f2, errs := f.Reparse(res.Src, lim); f2.Broken || len(errs) > 0 {
				of.err = notReadBack(f.Path, errs)
				break
			}
			of.out, of.fields, of.notes = res.Src, res.Fields, res.Notes
		default:
			of.notes = res.Notes
		}
		rf.files = append(rf.files, of)
	}
	return rf
}

// applyRenders writes (or diffs) the fixed origin files, then builds every
// kustomization again from the fixed text to report what is still wrong.
func applyRenders(cfg *config, engine *lint.Engine, stage *render.Result, rf *renderFix, run *report.Run, lim source.Limits, stdout, stderr io.Writer) (fields, changed int) {
	// The fixed sources are built first, from memory: a fix that makes a
	// build hold a field the API server refuses (an edit that lands
	// where the template or the patches did not expect it) is not written
	// at all, as for a plain file (newInvalidFields).
	overlay := map[string][]byte{}
	for _, of := range rf.files {
		if of.err == nil && of.out != nil {
			if abs, err := filepath.Abs(of.file.Path); err == nil {
				overlay[abs] = of.out
			}
		}
	}
	again := kustomize.New(stage.PathsDir, lim)
	again.Overlay = overlay
	var rebuilt []judgedRender
	quietly("", nil, func() { rebuilt = judgeBuilds(engine, stage.BuildAgain(again)) }) // said once already
	refused := ""
	if len(overlay) > 0 {
		if bad := newRenderedInvalid(rf.invalid, rebuilt); bad != nil {
			// The findings say so, as fix notes (they are not fixable);
			// the line is the fixed text's, so only the file is named.
			refused = "with the fixes of the built objects, " + bad.File + " would build " + bad.Field + " that the API server refuses (" + bad.Message + "); nothing of the built objects is written: set the fields by hand"
			fmt.Fprintf(stderr, "secctx-lint: not fixed: %s\n", refused)
			for i := range rf.files {
				rf.files[i].out = nil
			}
			rebuilt = judgeBuilds(engine, stage.Renders)
		}
	}
	written := maps.Clone(overlay)
	unwritten := false
	for _, of := range rf.files {
		path := of.file.Path
		for _, n := range of.notes {
			fmt.Fprintf(stderr, "%s:%d:%d: note: %s\n", path, n.Line, n.Column, n.Msg)
		}
		if of.err != nil {
			run.Errors = append(run.Errors, of.err)
			continue
		}
		if of.out == nil {
			continue
		}
		if cfg.fix.diff {
			io.WriteString(stdout, fix.UnifiedDiff(path, of.file.Src, of.out))
		} else if err := fix.WriteAtomic(path, of.out); err != nil {
			run.Errors = append(run.Errors, &source.Error{Path: path, Msg: "not written: " + err.Error()})
			if abs, err := filepath.Abs(path); err == nil {
				delete(written, abs)
			}
			unwritten = true
			continue
		}
		fields += of.fields
		changed++
	}
	if unwritten {
		// What was written is what the report is about.
		again.Overlay = written
		quietly("", nil, func() { rebuilt = judgeBuilds(engine, stage.BuildAgain(again)) })
	}
	reported := map[source.Error]bool{}
	for _, e := range run.Errors {
		reported[*e] = true
	}
	for _, j := range rebuilt {
		for _, e := range j.rd.Errors {
			// A build that reported a problem and still built (helmCharts)
			// reports it again: once is enough.
			if !reported[*e] {
				run.Errors = append(run.Errors, e)
			}
		}
		reportRender(cfg, engine, j, run, refused)
	}
	return fields, changed
}

// newRenderedInvalid is the first invalid-field finding of the builds of
// the fixed sources that the builds before the fix did not have, or nil.
func newRenderedInvalid(had map[string]bool, builds []judgedRender) *lint.Finding {
	for _, j := range builds {
		for i := range j.fs {
			if j.fs[i].Rule == lint.RuleInvalidField && !had[invalidKey(&j.fs[i])] {
				return &j.fs[i]
			}
		}
	}
	return nil
}
