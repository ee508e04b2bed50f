package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Text writes findings for people: grouped by file, in the shape
// file:line:col: level rule: message [object], then the source line and a
// caret under the column, and a one-line summary. Input errors come first,
// so the findings are spooled until End.
type textStream struct {
	w        io.Writer
	findings spool
	bw       *bufio.Writer // over findings
	last     string
	any      bool
}

func newTextStream(w io.Writer, _ *Run) Stream {
	s := &textStream{w: w}
	s.bw = bufio.NewWriterSize(&s.findings, 32<<10)
	return s
}

func (s *textStream) Add(b *Batch) error {
	bw := s.bw
	for i := range b.Findings {
		f := &b.Findings[i]
		s.any = true
		if f.File != s.last && s.last != "" {
			bw.WriteString("\n")
		}
		s.last = f.File
		cert := ""
		if f.Certainty == lint.Strict {
			cert = " (strict)"
		}
		fmt.Fprintf(bw, "%s: %s %s%s: %s%s\n", Where(f.File, f.Line, f.Column), f.Level, f.Rule, cert, f.Message, about(f))
		if li := b.lines(f.File); li != nil && f.Line >= 1 && f.Line <= li.Lines() {
			line := string(li.Line(f.Line))
			fmt.Fprintf(bw, "  %s\n", strings.ReplaceAll(line, "\t", " "))
			pad := f.Column - 1
			if n := utf8.RuneCountInString(line); pad > n {
				pad = n
			}
			width := 1
			if f.EndLine == f.Line && f.EndColumn > f.Column {
				width = f.EndColumn - f.Column
			}
			fmt.Fprintf(bw, "  %s%s\n", strings.Repeat(" ", pad), strings.Repeat("^", width))
		}
		if f.FixNote != "" && !f.Fixable {
			fmt.Fprintf(bw, "  not fixed: %s\n", f.FixNote)
		}
	}
	return nil
}

func (s *textStream) End(r *Run) error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	bw := bufio.NewWriter(s.w)
	for _, e := range r.Errors {
		fmt.Fprintf(bw, "%s\n", inputError(e))
	}
	if len(r.Errors) > 0 && s.any {
		bw.WriteString("\n")
	}
	if err := s.findings.copyTo(bw); err != nil {
		return err
	}
	if s.any || len(r.Errors) > 0 {
		bw.WriteString("\n")
	}
	skipped := ""
	if r.Summary.Skipped > 0 {
		skipped = fmt.Sprintf(", %d skipped", r.Summary.Skipped)
	}
	fmt.Fprintf(bw, "%s in %s (%s, %s%s); %s could not be read\n",
		levelCounts(r), plural(r.Summary.Workloads, "workload"), plural(r.Summary.Files, "file"), plural(r.Summary.Documents, "document"),
		skipped, plural(len(r.Errors), "input"))
	if r.Summary.FixedFields > 0 || r.Summary.FixedFiles > 0 {
		fmt.Fprintf(bw, "fixed %s in %s\n", plural(r.Summary.FixedFields, "field"), plural(r.Summary.FixedFiles, "file"))
	}
	return bw.Flush()
}

// inputError renders an input problem as file:line:col: error: message.
func inputError(e *source.Error) string {
	return Where(e.Path, e.Line, e.Column) + ": error: " + e.Msg
}

// Where is file:line:col, leaving out what is not known (0): a
// finding in a chart archive has no line to edit.
func Where(path string, line, col int) string {
	if line <= 0 {
		return path
	}
	if col <= 0 {
		return fmt.Sprintf("%s:%d", path, line)
	}
	return fmt.Sprintf("%s:%d:%d", path, line, col)
}
