// Package filter is the stage between lint and report that decides which
// findings a run reports when only some are wanted: those on lines that
// changed since a git revision (--new-from-rev), and those not accepted in
// a baseline file (--baseline). It reads findings, and of builds only which
// files they read and which objects they made (AddRender); lint
// judges everything as always, so a filtered run fails exactly when the
// new findings would.
package filter

import (
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Filter holds what to keep. A nil Changes or Baseline keeps everything
// as far as it is concerned.
type Filter struct {
	Changes  *Changes
	Baseline *Baseline

	// Counts of what was dropped, for the run's closing note.
	Unchanged, Baselined int
}

// Active tells whether the filter drops anything at all.
func (f *Filter) Active() bool { return f != nil && (f.Changes != nil || f.Baseline != nil) }

// Apply keeps the findings the filter lets through, in order, and counts
// the others. The baseline is consulted first: an accepted finding is
// accepted wherever it now is.
func (f *Filter) Apply(findings []lint.Finding) []lint.Finding {
	if !f.Active() {
		return findings
	}
	out := findings[:0:0]
	for i := range findings {
		if f.Keep(&findings[i]) {
			out = append(out, findings[i])
		}
	}
	return out
}

// AddRender tells the filter what a build read (Changes.AddRender); call
// it before its findings are kept.
func (f *Filter) AddRender(rd *source.Render, defaultNamespace string) {
	if f != nil && f.Changes != nil {
		f.Changes.AddRender(rd, defaultNamespace)
	}
}

// Keep tells whether one finding is reported, and counts it when not.
func (f *Filter) Keep(fd *lint.Finding) bool {
	switch {
	case !f.Active():
		return true
	case f.Baseline != nil && f.Baseline.take(fd):
		f.Baselined++
		return false
	case f.Changes != nil && !f.Changes.Touches(fd):
		f.Unchanged++
		return false
	}
	return true
}
