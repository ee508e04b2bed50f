package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/render"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
)

// fixFlags are the flags of --fix and --diff.
type fixFlags struct {
	fix, diff          bool
	runAsUser          int64
	runAsGroup         int64
	fsGroup            int64
	supplementalGroups string
	groups             []int64
}

func registerFixFlags(fs *flag.FlagSet, f *fixFlags) {
	d := lint.DefaultFixValues
	fs.BoolVar(&f.fix, "fix", false, "write the missing securityContext fields into the files in place (stdin: the fixed stream goes to stdout), then report what is still wrong")
	fs.BoolVar(&f.diff, "diff", false, "print the unified diff --fix would apply and write nothing; the exit status is that of linting the fixed result")
	fs.Int64Var(&f.runAsUser, "run-as-user", d.RunAsUser, "runAsUser value the fixer writes")
	fs.Int64Var(&f.runAsGroup, "run-as-group", d.RunAsGroup, "runAsGroup value the fixer writes")
	fs.Int64Var(&f.fsGroup, "fs-group", d.FSGroup, "fsGroup value the fixer writes")
	fs.StringVar(&f.supplementalGroups, "supplemental-groups", joinInts(d.SupplementalGroups), "comma-separated supplementalGroups the fixer writes")
}

func joinInts(v []int64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, strconv.FormatInt(x, 10))
	}
	return strings.Join(parts, ",")
}

func (f *fixFlags) check() error {
	if f.fix && f.diff {
		return fmt.Errorf("--fix and --diff cannot be used together")
	}
	f.groups = nil
	for _, s := range strings.Split(f.supplementalGroups, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		g, err := strconv.ParseInt(s, 10, 64)
		if err != nil || g < 0 {
			return fmt.Errorf("--supplemental-groups: %q is not a group ID", s)
		}
		f.groups = append(f.groups, g)
	}
	if f.runAsUser == 0 {
		// Also: lint.New reads RunAsUser 0 with RunAsGroup 0 as "unset".
		return fmt.Errorf("--run-as-user 0 is root; the fixer does not write it")
	}
	// The API server takes IDs from 0 to 2147483647 (int32).
	for name, v := range map[string]int64{"--run-as-user": f.runAsUser, "--run-as-group": f.runAsGroup, "--fs-group": f.fsGroup} {
		if v < 0 || v > math.MaxInt32 {
			return fmt.Errorf("%s %d is not an ID the API server accepts (0 to %d)", name, v, math.MaxInt32)
		}
	}
	for _, g := range f.groups {
		if g > math.MaxInt32 {
			return fmt.Errorf("--supplemental-groups %d is not an ID the API server accepts (0 to %d)", g, math.MaxInt32)
		}
	}
	return nil
}

func (f *fixFlags) values() lint.FixValues {
	return lint.FixValues{RunAsUser: f.runAsUser, RunAsGroup: f.runAsGroup, FSGroup: f.fsGroup, SupplementalGroups: f.groups}
}

// fixed is one file after planning its fix.
type fixed struct {
	file      *source.File
	errs      []*source.Error
	remaining []lint.Finding // findings of the fixed bytes (the original's when unchanged)
	stats     lint.Stats
	out       []byte       // the fixed bytes; nil when nothing changed
	judged    *source.File // the text remaining is about: the fixed one, else the original
	fields    int
	notes     []fix.Note
	forbidden []string // fix values the constraints forbid
}

// fixOne lints a file, applies its fixes in memory, then parses and lints
// the result again to say what is still wrong.
func fixOne(engine *lint.Engine, lim source.Limits, f *source.File, errs []*source.Error) fixed {
	fs, st := engine.File(f)
	r := fixed{file: f, errs: errs, remaining: fs, stats: st, judged: f}
	for _, fd := range fs {
		if fd.FixValueForbidden {
			r.forbidden = append(r.forbidden, fd.FixNote)
		}
	}
	res, err := fix.File(f, fs)
	if err != nil {
		if !f.Broken {
			r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: "not fixed: " + err.Error()})
		}
		return r
	}
	r.notes = res.Notes
	if string(res.Src) == string(f.Src) {
		return r
	}
	if lim.MaxFileSize > 0 && int64(len(res.Src)) > lim.MaxFileSize {
		// The fixed text would be refused when read back (and by the next
		// run): say so instead of calling it a parse failure.
		r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: fmt.Sprintf("not fixed: the fixed text would be %d bytes, over --max-file-size %d", len(res.Src), lim.MaxFileSize)})
		return r
	}
	f2, errs2 := source.Parse(f.Path, res.Src, lim)
	if f2.Broken || len(errs2) > 0 {
		// Never write what does not read back; this is a bug to report.
		r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: "not fixed: the fixed text would not parse (please report this)"})
		return r
	}
	r.remaining, r.stats = engine.File(f2)
	r.out, r.fields, r.judged = res.Src, res.Fields, f2
	return r
}

// runFix is --fix and --diff: every file is fixed in memory first; only
// when no fix value is forbidden is anything written or printed.
func runFix(cfg *config, engine *lint.Engine, stage *render.Result, run *report.Run, lim source.Limits, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	var files []fixed
	source.Each(stage.Inputs, stdin, lim, func(f *source.File, errs []*source.Error) fixed {
		return fixOne(engine, lim, f, errs)
	}, func(r fixed) {
		r.file.Docs = nil // the trees are not needed any more
		files = append(files, r)
	})
	rendered := planRenders(engine, stage, lim)
	forbidden := map[string]bool{}
	for _, r := range files {
		for _, msg := range r.forbidden {
			forbidden[msg] = true
		}
	}
	for _, msg := range rendered.forbidden {
		forbidden[msg] = true
	}
	if len(forbidden) > 0 {
		msgs := make([]string, 0, len(forbidden))
		for m := range forbidden {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		for _, m := range msgs {
			fmt.Fprintf(stderr, "secctx-lint: %s\n", m)
		}
		fmt.Fprintln(stderr, "secctx-lint: nothing was written")
		return exitUsage
	}
	// With --diff, or with stdin under --fix, stdout carries the diff or
	// the fixed stream: the report goes to stderr.
	out := stdout
	if cfg.fix.diff {
		out = stderr
	}
	fields, changed := 0, 0
	for _, r := range files {
		path := r.file.Path
		for _, n := range r.notes {
			fmt.Fprintf(stderr, "%s:%d:%d: note: %s\n", path, n.Line, n.Column, n.Msg)
		}
		switch {
		case cfg.fix.diff:
			if r.out != nil {
				io.WriteString(stdout, fix.UnifiedDiff(path, r.file.Src, r.out))
			}
		case path == "-":
			out = stderr
			data := r.out
			if data == nil {
				data = r.file.Src
			}
			if _, err := stdout.Write(data); err != nil {
				r.errs = append(r.errs, &source.Error{Path: path, Msg: "writing the fixed stream: " + err.Error()})
			}
		case r.out != nil:
			if err := fix.WriteAtomic(path, r.out); err != nil {
				r.errs = append(r.errs, &source.Error{Path: path, Msg: "not written: " + err.Error()})
				// The file keeps its original findings.
				f, _ := source.Parse(path, r.file.Src, lim)
				r.remaining, _ = engine.File(f)
				r.judged = f
				r.out = nil
			}
		}
		if r.out != nil {
			fields += r.fields
			changed++
		}
		run.AddFile(r.judged, r.stats, r.errs, r.remaining)
	}
	f2, c2 := applyRenders(cfg, engine, stage, rendered, run, lim, stdout, stderr)
	fields, changed = fields+f2, changed+c2
	if cfg.fix.fix {
		run.Summary.FixedFields, run.Summary.FixedFiles = fields, changed
	}
	if err := emit(cfg, run, out, stderr, getenv); err != nil {
		fmt.Fprintf(stderr, "secctx-lint: writing output: %v\n", err)
		return exitUsage
	}
	if cfg.fix.diff && cfg.format == "text" {
		fmt.Fprintf(stderr, "--fix would write %s in %s\n", report.Plural(fields, "field"), report.Plural(changed, "file"))
	}
	return exitStatus(run, failRank(cfg.failOn))
}

// suggestEdits plans the fixer's edits for the findings given (SuggestWith
// passes one) and folds them into a single replacement: fix.Apply alone
// knows how insertions at the same offset are ordered, so the span they
// cover is rewritten with it rather than handing the raw edits on.
func suggestEdits(f *source.File, findings []lint.Finding) ([]report.TextEdit, error) {
	edits, _, err := fix.Plan(f, findings)
	if err != nil || len(edits) == 0 {
		return nil, err
	}
	lo, hi := edits[0].Start, edits[0].End
	for _, e := range edits[1:] {
		lo, hi = min(lo, e.Start), max(hi, e.End)
	}
	local := make([]fix.Edit, len(edits))
	for i, e := range edits {
		e.Start, e.End = e.Start-lo, e.End-lo
		local[i] = e
	}
	text, err := fix.Apply(f.Src[lo:hi], local)
	if err != nil {
		return nil, err
	}
	return []report.TextEdit{{Start: lo, End: hi, Text: string(text)}}, nil
}
