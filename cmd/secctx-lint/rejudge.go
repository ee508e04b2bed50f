package main

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
)

// afterFix is how much of the fixed text rejudge judges.
type afterFix int

const (
	// editedDocuments: the documents with edits, as --fix and --diff do.
	editedDocuments afterFix = iota
	// judgeWhole: the whole fixed text, the tests' yardstick.
	judgeWhole
)

// rejudge judges the fixed text out of a file judged as jf, with the
// edits jf planned. Without suppressions, a document's findings depend on
// the document alone and on what the file's ServiceAccounts say, which
// the fixer never edits. So a document no edit touches keeps its
// findings, its lines moved by the lines inserted above it, and only the
// documents with edits are parsed and judged again: a fix to one
// Deployment in a 2 MB install bundle parses the Deployment, not the
// bundle. Anything it is not sure of (suppressions, rdjsonl suggestions,
// which hold byte offsets, CR line ends, "..." or directive lines, an edit
// touching a document separator) judges the whole text, as judgeKeep
// does. TestRejudgeMatchesWhole holds the two to each other.
//
// Every edited document is judged again: that the plan fixes each of its
// findings does not say that nothing is left. A fix can bring in what no
// rule saw before (a nodeSelector that makes the pod a Windows pod, a
// value that one constraint writes and another refuses), or leave a
// strict reading unmet.
func rejudge(engine *lint.Engine, lim source.Limits, jf *judgedFile, out []byte, suggest report.Suggester, mode afterFix) *judgedFile {
	src, path := jf.file.Src, jf.file.Path
	whole := func() *judgedFile { return judgeKeep(engine, lim, path, out, false, suggest) }
	if mode == judgeWhole || jf.suppresses || suggest != nil || bytes.IndexByte(src, '\r') >= 0 {
		return whole()
	}
	chunks, ok := documentChunks(src)
	if !ok {
		return whole()
	}
	shifts, edited, ok := chunkShifts(jf.plan.Edits, chunks, src)
	if !ok {
		return whole()
	}
	f2 := &source.File{Path: path, Src: out}
	j2 := engine.Begin(f2)
	if j2.Suppresses() {
		return whole()
	}
	jf2 := &judgedFile{file: f2, stats: jf.stats, automountOff: jf.automountOff}
	// The findings are in file order, each on its document's lines.
	fi := 0
	for k, c := range chunks {
		sh := shifts[k]
		nextLine, end := len(src)+1, len(out) // past every finding, the end of the text
		if k+1 < len(chunks) {
			nextLine, end = chunks[k+1].line, chunks[k+1].start+shifts[k+1].bytes
		}
		from := fi
		for fi < len(jf.findings) && jf.findings[fi].Line < nextLine {
			fi++
		}
		if !edited[k] {
			for _, f := range jf.findings[from:fi] {
				f.Line, f.EndLine = f.Line+sh.lines, f.EndLine+sh.lines
				if f.ObjectLine > 0 {
					f.ObjectLine, f.ObjectEndLine = f.ObjectLine+sh.lines, f.ObjectEndLine+sh.lines
				}
				jf2.findings = append(jf2.findings, f)
			}
			continue
		}
		errs := source.DecodeRange(f2, c.start+sh.bytes, end, c.line+sh.lines, lim, func(d *source.Document) {
			fs := j2.Alone(d, jf.automountOff)
			lint.Detach(fs)
			jf2.findings = append(jf2.findings, fs...)
		})
		jf2.errs = append(jf2.errs, errs...)
	}
	if fi < len(jf.findings) {
		return whole() // a finding off its document's lines: not what this is sure of
	}
	return jf2
}

// shift is how far the edits move a chunk's start.
type shift struct{ bytes, lines int }

// chunkShifts gives, for each chunk, how far the edits move its start in
// the fixed text and whether an edit falls in it, or false when an edit
// touches a separator line or runs from one chunk into the next. An
// insertion just at a separator ends the document before it, and must end
// its line.
func chunkShifts(edits []fix.Edit, chunks []chunk, src []byte) ([]shift, []bool, bool) {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b fix.Edit) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End)) })
	shifts := make([]shift, len(chunks))
	edited := make([]bool, len(chunks))
	var sh shift
	ei := 0
	for k, c := range chunks {
		sep := k > 0 || c.sepEnd > c.start
		for ei < len(sorted) && (sorted[ei].Start < c.start || sorted[ei].Start == c.start && sorted[ei].End == c.start && k > 0) {
			e := sorted[ei]
			if e.End > c.start {
				return nil, nil, false // runs into this chunk's separator
			}
			if e.End == c.start && sep && (src[c.start-1] != '\n' || e.Text == "" || e.Text[len(e.Text)-1] != '\n') {
				return nil, nil, false
			}
			edited[k-1] = true // (k > 0: nothing starts before offset 0)
			sh.bytes += len(e.Text) - (e.End - e.Start)
			sh.lines += strings.Count(e.Text, "\n") - bytes.Count(src[e.Start:e.End], []byte{'\n'})
			ei++
		}
		if ei < len(sorted) && sorted[ei].Start < c.sepEnd {
			return nil, nil, false // inside this chunk's separator line
		}
		shifts[k] = sh
	}
	if ei < len(sorted) {
		edited[len(chunks)-1] = true
	}
	return shifts, edited, true
}

// chunk is one document's stretch of a file: from its separator line (or
// the file's start) to the next separator.
type chunk struct {
	start, line int // byte offset and 1-based line of its first line
	sepEnd      int // end of its separator line (start when it has none)
}

// documentChunks splits src at its document separators: lines that start
// with "---" and a blank or their end. The text parsed, so every such
// line is one (a quoted scalar cannot run over one). False for text with
// "..." or "%" lines, which rejudge leaves to a whole judgement.
func documentChunks(src []byte) ([]chunk, bool) {
	chunks := []chunk{{start: 0, line: 1}}
	line := 1
	for off := 0; off < len(src); line++ {
		end := bytes.IndexByte(src[off:], '\n')
		next := len(src)
		if end >= 0 {
			next = off + end + 1
		}
		l := src[off:next]
		switch {
		case bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\n' || l[3] == '\t'):
			if off == 0 {
				chunks[0].sepEnd = next
			} else {
				chunks = append(chunks, chunk{start: off, line: line, sepEnd: next})
			}
		case bytes.HasPrefix(l, []byte("...")), bytes.HasPrefix(l, []byte("%")):
			return nil, false
		}
		off = next
	}
	return chunks, true
}
