package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
)

// BaselineVersion is the version of the baseline file format.
const BaselineVersion = 1

// Baseline is a set of accepted findings, keyed like SARIF's
// partialFingerprints (lint.Fingerprint: rule, object, container, field),
// so that lines moving, or a manifest moving to another file, keep a
// finding accepted. A key accepted n times accepts n findings: a second
// copy of an accepted workload is new.
type Baseline struct {
	left map[string]int
}

// baselineFile is the file format: a version and one entry per accepted
// finding, sorted, with the readable parts of the key beside the hash so
// that a reviewer sees what is being accepted.
type baselineFile struct {
	Version  int             `json:"version"`
	Findings []baselineEntry `json:"findings"`
}

type baselineEntry struct {
	Fingerprint string `json:"fingerprint"`
	Rule        string `json:"rule"`
	Kind        string `json:"kind,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	Container   string `json:"container,omitempty"`
	Field       string `json:"field,omitempty"`
	// File is where the finding was when accepted: for people only.
	File string `json:"file,omitempty"`
}

// ReadBaseline reads a baseline file written by WriteBaseline.
func ReadBaseline(path string) (*Baseline, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	var bf baselineFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bf); err != nil {
		return nil, fmt.Errorf("--baseline %s: not a secctx-lint baseline: %v", path, err)
	}
	if bf.Version != BaselineVersion {
		return nil, fmt.Errorf("--baseline %s: version %d, want %d (write it again with --write-baseline)", path, bf.Version, BaselineVersion)
	}
	bl := &Baseline{left: map[string]int{}}
	for _, e := range bf.Findings {
		if e.Fingerprint == "" {
			return nil, fmt.Errorf("--baseline %s: an entry without a fingerprint (rule %q)", path, e.Rule)
		}
		bl.left[e.Fingerprint]++
	}
	return bl, nil
}

// take reports whether f is accepted, using up one acceptance of its key.
func (b *Baseline) take(f *lint.Finding) bool {
	k := lint.Fingerprint(f)
	if b.left[k] == 0 {
		return false
	}
	b.left[k]--
	return true
}

// WriteBaseline writes findings as a baseline file, atomically.
func WriteBaseline(path string, findings []lint.Finding) error {
	bf := baselineFile{Version: BaselineVersion, Findings: []baselineEntry{}}
	for i := range findings {
		f := &findings[i]
		bf.Findings = append(bf.Findings, baselineEntry{
			Fingerprint: lint.Fingerprint(f), Rule: f.Rule, Kind: f.Kind, Namespace: f.Namespace,
			Name: f.Name, Container: f.Container, Field: f.Field, File: f.File,
		})
	}
	// Sorted by what the finding is about, so that a baseline written
	// again after unrelated edits has the smallest diff.
	sort.SliceStable(bf.Findings, func(i, j int) bool {
		a, b := bf.Findings[i], bf.Findings[j]
		for _, p := range [][2]string{{a.Kind, b.Kind}, {a.Namespace, b.Namespace}, {a.Name, b.Name}, {a.Container, b.Container}, {a.Rule, b.Rule}, {a.Field, b.Field}, {a.Fingerprint, b.Fingerprint}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	out, err := json.MarshalIndent(bf, "", "  ")
	if err != nil {
		return err
	}
	if err := fix.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		return fmt.Errorf("--write-baseline: %w", err)
	}
	return nil
}
