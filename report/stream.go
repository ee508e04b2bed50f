package report

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Batch is findings ready to be written: one document's, or a whole
// file's, in output order. Nothing in it points into a YAML tree.
type Batch struct {
	Findings []lint.Finding
	// Suggestions, when set, holds the rdjsonl suggestions of each
	// finding (same index), planned while the document's tree was there.
	Suggestions [][]Suggestion
	// Lines returns the line table of a file the findings point into (for
	// snippets and byte columns), or nil when it is not known.
	Lines func(path string) *source.LineIndex
}

// Stream writes a run in one format as it happens: Add for every batch in
// output order, then End once, with the run's errors and totals. What a
// stream holds between calls is bounded by the format's own needs (a
// format that prints errors before findings spools the findings, to a
// temporary file once they are large), never by a YAML tree.
type Stream interface {
	Add(b *Batch) error
	End(r *Run) error
}

// Streams are the formats --format accepts, as streams. r gives Root and
// SarifFile, which must be set before the stream is made.
var Streams = map[string]func(w io.Writer, r *Run) Stream{
	"text":    newTextStream,
	"json":    newJSONStream,
	"sarif":   newSARIFStream,
	"rdjsonl": newRDJSONLStream,
	"github":  newGitHubStream,
}

// Count records streamed findings in the run's totals (levels for the
// exit status and the summaries, Summary.Findings).
func (r *Run) Count(fs []lint.Finding) {
	for i := range fs {
		r.levels[fs[i].Level.Rank()]++
	}
	r.Summary.Findings += len(fs)
}

// Worst returns the rank of the loudest finding (0 when none).
func (r *Run) Worst() int {
	errs, warns, notes := r.Counts()
	switch {
	case errs > 0:
		return lint.LevelError.Rank()
	case warns > 0:
		return lint.LevelWarning.Rank()
	case notes > 0:
		return lint.LevelNotice.Rank()
	}
	return 0
}

// whole writes a run held in memory (Run.Findings, Run.Sources,
// Run.Suggest) through a stream: the Formatters are this.
func whole(mk func(io.Writer, *Run) Stream) Formatter {
	return func(w io.Writer, r *Run) error {
		s := mk(w, r)
		b := &Batch{Findings: r.Findings, Lines: func(p string) *source.LineIndex { return r.Sources[p] }}
		if r.Suggest != nil {
			b.Suggestions = make([][]Suggestion, len(r.Findings))
			for i := range r.Findings {
				b.Suggestions[i] = r.Suggest(&r.Findings[i])
			}
		}
		if len(b.Findings) > 0 {
			if err := s.Add(b); err != nil {
				return err
			}
		}
		return s.End(r)
	}
}

// lines looks a file up in a batch.
func (b *Batch) lines(path string) *source.LineIndex {
	if b.Lines == nil {
		return nil
	}
	return b.Lines(path)
}

// spoolMemory is how much a spool holds in memory before it moves to a
// temporary file.
const spoolMemory = 512 << 10

// spool holds output that must wait for something written before it
// (findings wait for the errors that formats print first): in memory
// while small, then in an unlinked temporary file, so that memory stays
// flat however many findings there are.
type spool struct {
	mem  bytes.Buffer
	file *os.File
	bw   *bufio.Writer
	err  error
}

func (s *spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.file == nil && s.mem.Len()+len(p) > spoolMemory {
		f, err := os.CreateTemp("", "secctx-lint-spool-")
		if err == nil {
			os.Remove(f.Name()) // gone when closed, whatever happens
			s.file, s.bw = f, bufio.NewWriterSize(f, 64<<10)
			if _, err := s.bw.Write(s.mem.Bytes()); err != nil {
				s.err = err
				return 0, err
			}
			s.mem = bytes.Buffer{}
		}
		// Without a temporary folder the spool stays in memory.
	}
	if s.file != nil {
		n, err := s.bw.Write(p)
		s.err = err
		return n, err
	}
	return s.mem.Write(p)
}

// Len tells whether anything was spooled.
func (s *spool) empty() bool { return s.file == nil && s.mem.Len() == 0 }

// copyTo writes the spooled bytes to w and releases the spool.
func (s *spool) copyTo(w io.Writer) error {
	if s.err != nil {
		return s.err
	}
	if s.file == nil {
		_, err := w.Write(s.mem.Bytes())
		s.mem = bytes.Buffer{}
		return err
	}
	defer s.file.Close()
	if err := s.bw.Flush(); err != nil {
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.file)
	return err
}

// Spool is a writer that holds everything written to it until Release
// copies it on (in memory while small, then in a temporary file): --fix
// writes its report there, since nothing may be printed until every file
// is known to be fixable.
type Spool struct{ s spool }

func (s *Spool) Write(p []byte) (int, error) { return s.s.Write(p) }

// Release copies what was written to w.
func (s *Spool) Release(w io.Writer) error { return s.s.copyTo(w) }

// Discard drops what was written.
func (s *Spool) Discard() {
	if s.s.file != nil {
		s.s.file.Close()
	}
	s.s = spool{}
}

// Tee sends every batch and the end to several streams in turn.
type Tee []Stream

func (t Tee) Add(b *Batch) error {
	for _, s := range t {
		if err := s.Add(b); err != nil {
			return err
		}
	}
	return nil
}

func (t Tee) End(r *Run) error {
	var first error
	for _, s := range t {
		if err := s.End(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}
