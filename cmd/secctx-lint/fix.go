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
	"github.com/secctx-lint/secctx-lint/internal/parallel"
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

// fixed is one file after planning its fix: the bytes and findings it
// needs until everything is written, no tree.
type fixed struct {
	file        *source.File
	errs        []*source.Error
	remaining   []lint.Finding        // findings of the fixed bytes (the original's when unchanged)
	suggestions [][]report.Suggestion // rdjsonl suggestions of remaining
	stats       lint.Stats
	out         []byte       // the fixed bytes; nil when nothing changed
	judged      *source.File // the text remaining is about: the fixed one, else the original
	fields      int
	notes       []fix.Note
	forbidden   []refusal  // fix values the constraints forbid
	writeErr    error      // writing out failed (--fix)
	written     chan error // when set, where the write under way says how it went (writeErr)
}

// judged is a file judged document by document, with its findings kept
// (without their trees) and, with plan, its edits planned on the way.
type judgedFile struct {
	file     *source.File
	errs     []*source.Error
	findings []lint.Finding
	sugg     [][]report.Suggestion
	stats    lint.Stats
	plan     fix.Planned
	planErr  error
	// What rejudge needs of how the file was judged: whether it may hold
	// suppressions (its findings then depend on the whole text) and what
	// its ServiceAccounts say.
	suppresses   bool
	automountOff map[string]bool
}

// judgeKeep decodes and judges src as path; with plan set it plans the
// fixes of each document while its tree is there; with suggest, the
// rdjsonl suggestions of each finding.
func judgeKeep(engine *lint.Engine, lim source.Limits, path string, src []byte, plan bool, suggest report.Suggester) *judgedFile {
	f := &source.File{Path: path, Src: src}
	jf := &judgedFile{file: f}
	j := engine.Begin(f)
	take := func(fs []lint.Finding) {
		if plan && jf.planErr == nil {
			jf.planErr = jf.plan.Add(f, fs)
		}
		if suggest != nil {
			jf.sugg = append(jf.sugg, suggest(fs)...)
		}
		lint.Detach(fs)
		jf.findings = append(jf.findings, fs...)
	}
	jf.errs = source.DecodeFile(f, lim, func(d *source.Document) { take(j.Document(d)) })
	fs, st := j.End()
	take(fs)
	jf.stats = st
	jf.suppresses, jf.automountOff = j.Suppresses(), j.AutomountOff()
	if f.Broken {
		jf.sugg = nil
	}
	return jf
}

// fixOne lints a file document by document, planning the fixes as it
// goes, applies them in memory, then judges the result again to say what
// is still wrong, as much of it as mode says (rejudge).
func fixOne(engine *lint.Engine, lim source.Limits, in source.Input, stdin io.Reader, suggest report.Suggester, mode afterFix) fixed {
	src, rerr := source.Read(in, stdin, lim)
	if rerr != nil {
		f := &source.File{Path: in.Path, Broken: true}
		return fixed{file: f, errs: []*source.Error{rerr}, judged: f}
	}
	if in.Walked && !source.LooksLikeManifest(src) {
		f := &source.File{Path: in.Path, Skipped: source.NotManifest}
		return fixed{file: f, judged: f}
	}
	jf := judgeKeep(engine, lim, in.Path, src, true, suggest)
	f := jf.file
	r := fixed{file: f, errs: jf.errs, remaining: jf.findings, suggestions: jf.sugg, stats: jf.stats, judged: f}
	r.forbidden = refusals(r.forbidden, jf.findings)
	if f.Broken {
		return r // never written (fix.ErrNotWritable)
	}
	var out []byte
	err := jf.planErr
	if err == nil {
		out, err = fix.Apply(f.Src, jf.plan.Edits)
	}
	if err != nil {
		r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: "not fixed: " + err.Error()})
		return r
	}
	r.notes = jf.plan.Notes
	sort.SliceStable(r.notes, func(i, j int) bool { return r.notes[i].Line < r.notes[j].Line })
	if string(out) == string(f.Src) {
		return r
	}
	if lim.MaxFileSize > 0 && int64(len(out)) > lim.MaxFileSize {
		// The fixed text would be refused when read back (and by the next
		// run): say so instead of calling it a parse failure.
		r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: fmt.Sprintf("not fixed: the fixed text would be %d bytes, over --max-file-size %d", len(out), lim.MaxFileSize)})
		return r
	}
	jf2 := rejudge(engine, lim, jf, out, suggest, mode)
	if jf2.file.Broken || len(jf2.errs) > 0 {
		r.errs = append(r.errs, notReadBack(f.Path, jf2.errs))
		return r
	}
	if bad := newInvalidFields(jf.findings, jf2.findings); bad != "" {
		// The fix would make the API server refuse what it accepted
		// (fields written through an alias that two kinds of
		// securityContext share, say): never write that either.
		r.errs = append(r.errs, &source.Error{Path: f.Path, Msg: "not fixed: the fixed text would hold a field the API server refuses (" + bad + "); please report this"})
		return r
	}
	r.remaining, r.suggestions, r.stats = jf2.findings, jf2.sugg, jf2.stats
	r.out, r.fields, r.judged = out, jf.plan.Fields, jf2.file
	return r
}

// notReadBack is the error of a fixed text that does not read back, which
// is never written: over a limit the fixed text says so (the fix made a
// file at the node limit larger); anything else is a bug to report.
func notReadBack(path string, errs []*source.Error) *source.Error {
	for _, e := range errs {
		if e.OverLimit {
			return &source.Error{Path: path, Msg: "not fixed: the fixed text would hold " + strings.TrimSuffix(e.Msg, "; not judged")}
		}
	}
	return &source.Error{Path: path, Msg: "not fixed: the fixed text would not parse (please report this)"}
}

// newInvalidFields names the first invalid-field finding of the fixed
// text that the original did not have (by field and message: lines move),
// or "".
func newInvalidFields(before, after []lint.Finding) string {
	had := map[[2]string]bool{}
	for _, f := range before {
		if f.Rule == lint.RuleInvalidField {
			had[[2]string{f.Field, f.Message}] = true
		}
	}
	for _, f := range after {
		if f.Rule == lint.RuleInvalidField && !had[[2]string{f.Field, f.Message}] {
			return f.Field + ": " + f.Message
		}
	}
	return ""
}

// runFix is --fix and --diff. When a constraint could refuse a fix value
// (lint.Engine.MayForbidFix), every file is fixed in memory first and
// nothing is written or printed unless none is refused. Otherwise each
// file is written, diffed and reported as soon as it is fixed, holding
// only the file in hand. Either way the report waits in a spool (memory,
// then a temporary file) until the notes on stderr are out, so the
// output is the same.
func runFix(cfg *config, engine *lint.Engine, stage *render.Result, run *report.Run, lim source.Limits, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	var suggest report.Suggester
	if suggests(cfg) {
		suggest = report.SuggestWith(suggestEdits)
	}
	// With --diff, or with stdin under --fix, stdout carries the diff or
	// the fixed stream: the report goes to stderr, past the filter that
	// stderr has inside Actions unless it is text (annotations and JSON
	// are safe as written, and the filter would break the annotations).
	out := stdout
	toStderr := cfg.fix.diff
	for _, in := range stage.Inputs {
		toStderr = toStderr || in.Path == "-"
	}
	if toStderr {
		out = stderr
		if cfg.format != "text" {
			out = unfiltered(stderr)
		}
	}
	// Inside Actions a diff is shown between stop-commands and resume
	// lines: its context lines are the manifest's own, and one starting
	// with "::" would run as a workflow command.
	var pause *report.CommandPause
	if cfg.fix.diff && inActions(getenv) {
		pause = report.NewCommandPause(stdout)
		defer pause.Resume()
		stdout = pause
	}
	fr := &fixRun{cfg: cfg, engine: engine, run: run, lim: lim, stdout: stdout, stderr: stderr, suggest: suggest}
	var rendered *renderFix
	var refused []string
	var err error
	if engine.MayForbidFix() {
		rendered, refused, err = fr.allFirst(stage, stdin, getenv)
	} else {
		rendered, err = fr.asTheyCome(stage, stdin, getenv)
	}
	if len(refused) > 0 {
		for _, m := range refused {
			fmt.Fprintf(stderr, "secctx-lint: %s\n", m)
		}
		fmt.Fprintln(stderr, "secctx-lint: nothing was written")
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: writing output: %v\n", err)
		return exitUsage
	}
	f2, c2 := applyRenders(cfg, engine, stage, rendered, run, lim, stdout, stderr)
	if pause != nil {
		pause.Resume() // before the report: its annotations must run
	}
	fr.fields, fr.changed = fr.fields+f2, fr.changed+c2
	noteFiltered(cfg, run, stderr)
	if cfg.fix.fix {
		run.Summary.FixedFields, run.Summary.FixedFiles = fr.fields, fr.changed
	}
	addHeld(fr.emit, run, suggest)
	err = fr.emit.End()
	if err == nil {
		err = fr.report.Release(out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: writing output: %v\n", err)
		return exitUsage
	}
	if cfg.fix.diff && cfg.format == "text" {
		fmt.Fprintf(stderr, "--fix would write %s in %s\n", report.Plural(fr.fields, "field"), report.Plural(fr.changed, "file"))
	}
	return exitStatus(run, failRank(cfg.failOn))
}

// fixRun is what finishing each fixed file in order needs and counts.
type fixRun struct {
	cfg            *config
	engine         *lint.Engine
	run            *report.Run
	lim            source.Limits
	stdout, stderr io.Writer
	suggest        report.Suggester
	report         report.Spool
	emit           *emitter
	fields         int
	changed        int
}

// asTheyCome fixes, writes or diffs, and reports each file as soon as it
// is fixed: no constraint can refuse a fix value, so nothing later stops
// the run. The renders are planned after.
func (fr *fixRun) asTheyCome(stage *render.Result, stdin io.Reader, getenv func(string) string) (*renderFix, error) {
	if err := fr.start(getenv); err != nil {
		return nil, err
	}
	source.Stream(stage.Inputs, func(in source.Input, put func(fixed)) {
		r := fixOne(fr.engine, fr.lim, in, stdin, fr.suggest, editedDocuments)
		if fr.cfg.fix.fix && r.out != nil {
			// The write goes on while this worker fixes the next file: a
			// write waits on the disk (its sync above all) with the core
			// idle. finish waits for it, in order; how far workers run
			// ahead of finish (Stream) bounds the writes under way.
			r.written = make(chan error, 1)
			go func() { r.written <- r.write() }()
		}
		put(r)
	}, fr.finish)
	return planRenders(fr.engine, stage, fr.lim), nil
}

// allFirst fixes every file and plans the renders in memory, and writes,
// diffs and reports them only when no fix value is refused; else it
// returns the refusals, sorted, and has written nothing.
func (fr *fixRun) allFirst(stage *render.Result, stdin io.Reader, getenv func(string) string) (*renderFix, []string, error) {
	var files []fixed
	source.Stream(stage.Inputs, func(in source.Input, put func(fixed)) {
		put(fixOne(fr.engine, fr.lim, in, stdin, fr.suggest, editedDocuments))
	}, func(r fixed) {
		files = append(files, r)
	})
	rendered := planRenders(fr.engine, stage, fr.lim)
	var all []refusal
	for _, r := range files {
		all = append(all, r.forbidden...)
	}
	if msgs := refusalLines(append(all, rendered.forbidden...)); len(msgs) > 0 {
		return nil, msgs, nil
	}
	if fr.cfg.fix.fix {
		for i, err := range writeFixed(files) {
			files[i].writeErr = err
		}
	}
	if err := fr.start(getenv); err != nil {
		return nil, nil, err
	}
	for _, r := range files {
		fr.finish(r)
	}
	return rendered, nil, nil
}

// refusal is a fix value a constraint refuses, and the workload it was
// refused for.
type refusal struct {
	msg, file        string
	line, objectLine int
}

// refusals appends the refused fix values among fs to rs.
func refusals(rs []refusal, fs []lint.Finding) []refusal {
	for _, fd := range fs {
		if fd.FixValueForbidden {
			rs = append(rs, refusal{msg: fd.FixNote, file: fd.File, line: fd.Line, objectLine: fd.ObjectLine})
		}
	}
	return rs
}

// refusalLines says each refusal once, in input order, where it first
// comes (file:line) and in how many more workloads: a value refused for
// every Deployment of a repository is one line, and the user can find
// the workloads it is about.
func refusalLines(rs []refusal) []string {
	type workload struct {
		file string
		line int
	}
	type seen struct {
		first     refusal
		workloads map[workload]bool
	}
	var order []string
	by := map[string]*seen{}
	for _, r := range rs {
		s := by[r.msg]
		if s == nil {
			s = &seen{first: r, workloads: map[workload]bool{}}
			by[r.msg] = s
			order = append(order, r.msg)
		}
		obj := r.objectLine
		if obj == 0 {
			obj = r.line // a rendered workload: its finding's origin line
		}
		s.workloads[workload{r.file, obj}] = true
	}
	lines := make([]string, 0, len(order))
	for _, m := range order {
		s := by[m]
		line := report.Where(s.first.file, s.first.line, 0) + ": " + m
		if n := len(s.workloads) - 1; n > 0 {
			line += fmt.Sprintf(" (also in %s)", report.Plural(n, "other workload"))
		}
		lines = append(lines, line)
	}
	return lines
}

// start opens the outputs, the report going to the spool.
func (fr *fixRun) start(getenv func(string) string) error {
	e, err := startEmit(fr.cfg, fr.run, &fr.report, fr.stderr, getenv)
	fr.emit = e
	return err
}

// finish prints a fixed file's notes, its diff or fixed stream, says why
// a write failed (the file keeps its findings), and reports what is left.
func (fr *fixRun) finish(r fixed) {
	cfg, path := fr.cfg, r.file.Path
	if r.written != nil {
		r.writeErr = <-r.written
	}
	for _, n := range r.notes {
		fmt.Fprintf(fr.stderr, "%s:%d:%d: note: %s\n", path, n.Line, n.Column, n.Msg)
	}
	switch {
	case cfg.fix.diff:
		if r.out != nil {
			io.WriteString(fr.stdout, fix.UnifiedDiff(path, r.file.Src, r.out))
		}
	case path == "-":
		data := r.out
		if data == nil {
			data = r.file.Src
		}
		if _, err := fr.stdout.Write(data); err != nil {
			r.errs = append(r.errs, &source.Error{Path: path, Msg: "writing the fixed stream: " + err.Error()})
		}
	case r.out != nil && r.writeErr != nil:
		r.errs = append(r.errs, &source.Error{Path: path, Msg: "not written: " + r.writeErr.Error()})
		// The file keeps its original findings.
		jf := judgeKeep(fr.engine, fr.lim, path, r.file.Src, false, fr.suggest)
		r.remaining, r.suggestions, r.judged = jf.findings, jf.sugg, jf.file
		r.out = nil
	}
	if r.out != nil {
		fr.fields += r.fields
		fr.changed++
	}
	if r.file.Skipped != "" {
		fr.run.SkipFile(path, r.file.Skipped, r.errs)
		return
	}
	fr.run.FileDone(r.stats, r.errs)
	r.remaining, r.suggestions = cfg.keepBatch(r.remaining, r.suggestions)
	fr.run.Count(r.remaining)
	if len(r.remaining) > 0 {
		fr.emit.Add(&report.Batch{Findings: r.remaining, Suggestions: r.suggestions, Lines: fileLines(r.judged)})
	}
}

// writeFixed writes every changed file (stdin aside) and returns each
// file's error. Each write is atomic and synced before its rename, so a
// crash leaves the old text or the new, never a part; the writes run side
// by side because a sync waits for the file system's journal, and
// concurrent syncs share one commit instead of queueing for one each.
func writeFixed(files []fixed) []error {
	errs := make([]error, len(files))
	parallel.For(len(files), 8, func(i int) { errs[i] = files[i].write() })
	return errs
}

// write writes the fixed text over the file when it changed; the fixed
// stdin stream goes to stdout instead (fixRun.finish).
func (r *fixed) write() error {
	if r.out == nil || r.file.Path == "-" {
		return nil
	}
	return fix.WriteAtomic(r.file.Path, r.out)
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
