package main

// --new-from-rev, --baseline and --write-baseline: the filter stage
// between lint and report (package filter), wired here.

import (
	"fmt"
	"io"

	"github.com/secctx-lint/secctx-lint/filter"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/report"
)

// newFilter builds the filter the flags ask for (nil for none). The git
// diff is read before anything is judged or fixed.
func newFilter(cfg *config) (*filter.Filter, error) {
	if cfg.newFromRev == "" && cfg.baseline == "" {
		return nil, nil
	}
	f := &filter.Filter{}
	if cfg.newFromRev != "" {
		c, err := filter.GitChanges(".", cfg.newFromRev)
		if err != nil {
			return nil, err
		}
		f.Changes = c
	}
	if cfg.baseline != "" {
		b, err := filter.ReadBaseline(cfg.baseline)
		if err != nil {
			return nil, err
		}
		f.Baseline = b
	}
	return f, nil
}

// noteFiltered says on stderr (and in the job summary) how many findings
// the filter left out, so that a clean filtered run is not mistaken for a
// clean tree.
func noteFiltered(cfg *config, run *report.Run, stderr io.Writer) {
	f := cfg.filter
	if !f.Active() || f.Unchanged+f.Baselined == 0 {
		return
	}
	var parts []string
	if f.Baselined > 0 {
		parts = append(parts, fmt.Sprintf("%d accepted in %s", f.Baselined, cfg.baseline))
	}
	if f.Unchanged > 0 {
		parts = append(parts, fmt.Sprintf("%d on lines unchanged since %s", f.Unchanged, cfg.newFromRev))
	}
	msg := parts[0]
	if len(parts) == 2 {
		msg += ", " + parts[1]
	}
	run.LeftOut = report.Plural(f.Unchanged+f.Baselined, "finding") + ": " + msg
	fmt.Fprintf(stderr, "secctx-lint: %s not reported: %s\n", report.Plural(f.Unchanged+f.Baselined, "finding"), msg)
}

// keepBatch is the filter stage for a batch of findings and their
// rdjsonl suggestions (same index, or nil): it records them all for
// --write-baseline and returns those to report.
func (cfg *config) keepBatch(fs []lint.Finding, sugg [][]report.Suggestion) ([]lint.Finding, [][]report.Suggestion) {
	if cfg.writeBaseline != "" {
		cfg.recorded = append(cfg.recorded, fs...)
	}
	if !cfg.filter.Active() {
		return fs, sugg
	}
	// A workload's one suggestion rides on its first fixable finding: when
	// that one is left out, the next kept finding of the workload carries it.
	type workload struct{ file, kind, ns, name string }
	carry := map[workload][]report.Suggestion{}
	var keptF []lint.Finding
	var keptS [][]report.Suggestion
	for i := range fs {
		f := &fs[i]
		w := workload{f.File, f.Kind, f.Namespace, f.Name}
		var s []report.Suggestion
		if sugg != nil {
			s = sugg[i]
		}
		if !cfg.filter.Keep(f) {
			if len(s) > 0 {
				carry[w] = s
			}
			continue
		}
		if len(s) == 0 && carry[w] != nil {
			s = carry[w]
			delete(carry, w)
		}
		keptF = append(keptF, *f)
		if sugg != nil {
			keptS = append(keptS, s)
		}
	}
	return keptF, keptS
}

// keep is keepBatch for findings without suggestions.
func (cfg *config) keep(fs []lint.Finding) []lint.Finding {
	fs, _ = cfg.keepBatch(fs, nil)
	return fs
}

// writeBaseline is --write-baseline: every finding of the run accepted.
func writeBaseline(cfg *config, run *report.Run, stderr io.Writer) int {
	if err := filter.WriteBaseline(cfg.writeBaseline, cfg.recorded); err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "secctx-lint: wrote %s to %s\n", report.Plural(len(cfg.recorded), "finding"), cfg.writeBaseline)
	for _, e := range run.Errors {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", e)
	}
	if len(run.Errors) > 0 {
		return exitInput
	}
	return exitOK
}
