// Package report renders a run's findings and errors for people and tools.
// One file per format; each reads the same Run.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Run is everything one invocation found.
type Run struct {
	Findings []lint.Finding
	Errors   []*source.Error
	Summary  Summary
	// Sources maps a file path to its lines, for snippets.
	Sources map[string]*source.LineIndex
	// Skipped are the walked files left out as not manifests, with the
	// reason (in Msg), for --verbose.
	Skipped []source.Error

	// Root, when set, is the folder (GITHUB_WORKSPACE) that the paths in
	// GitHub annotations and SARIF are made relative to. Empty: paths as given.
	Root string
	// rel is relPaths(Root), made on first use (relPath).
	rel func(string) string
	// SarifFile is where --sarif-file writes SARIF, so that other outputs
	// can point at it. Empty when there is none.
	SarifFile string
	// JudgedWith says what the run judged with (initiative, configuration,
	// assignments, constraint files), for the job summary.
	JudgedWith []Basis
	// LeftOut, when set, says in words which findings the run did not
	// report (--baseline, --new-from-rev), so that a clean filtered run is
	// not read as a clean tree.
	LeftOut string
	// BlobURL, when set, is the web address of the repository's files at
	// the run's commit (GITHUB_SERVER_URL/GITHUB_REPOSITORY/blob/GITHUB_SHA):
	// the job summary links each finding to its line there.
	BlobURL string
	// Suggest returns the replacements that fix a finding, for the rdjsonl
	// suggestions reviewdog turns into one-click fixes, when a run held in
	// memory is written (Formats). Nil (or a nil result) means no
	// suggestion. Streams get theirs in Batch.Suggestions.
	Suggest func(f *lint.Finding) []Suggestion

	// levels counts the findings streamed past the run (Count), by rank.
	levels [4]int
}

// AddFile records one judged file: its counts, its input errors and its
// findings, with its lines (for snippets) when there are findings. f is the
// text the findings are about (after --fix, the fixed text).
func (r *Run) AddFile(f *source.File, st lint.Stats, errs []*source.Error, findings []lint.Finding) {
	if f.Skipped != "" {
		r.SkipFile(f.Path, f.Skipped, errs)
		return
	}
	r.FileDone(st, errs)
	r.Findings = append(r.Findings, findings...)
	r.Summary.Findings += len(findings)
	if len(findings) > 0 {
		if r.Sources == nil {
			r.Sources = map[string]*source.LineIndex{}
		}
		r.Sources[f.Path] = f.Lines()
	}
	// Findings of rendered documents are about their origin files.
	for i := range findings {
		if d := findings[i].Doc; findings[i].RenderedFrom != nil && d != nil && d.File.Path == findings[i].File {
			r.Sources[d.File.Path] = d.File.Lines()
		}
	}
}

// SkipFile records a walked file left out as not a manifest.
func (r *Run) SkipFile(path, reason string, errs []*source.Error) {
	r.Summary.Skipped++
	r.Skipped = append(r.Skipped, source.Error{Path: path, Msg: reason})
	r.Errors = append(r.Errors, errs...)
}

// FileDone records the counts and input errors of one judged file whose
// findings were streamed (Count).
func (r *Run) FileDone(st lint.Stats, errs []*source.Error) {
	r.Summary.Files++
	r.Summary.Documents += st.Documents
	r.Summary.Workloads += st.Workloads
	r.Summary.Suppressed += st.Suppressed
	r.Errors = append(r.Errors, errs...)
}

// Summary counts what was read and found.
type Summary struct {
	Files     int `json:"files"`
	Documents int `json:"documents"`
	Workloads int `json:"workloads"`
	Findings  int `json:"findings"`
	// Suppressed counts findings silenced by secctx-lint.io/ignore
	// annotations and # secctx-lint:ignore comments (not in Findings).
	Suppressed int `json:"suppressed"`
	// Skipped counts walked files that are not Kubernetes manifests
	// (workflows, compose files, JSON with comments, ...), left out quietly.
	Skipped int `json:"skipped,omitempty"`
	// Fixed counts fields written and files changed by --fix.
	FixedFields int `json:"fixedFields,omitempty"`
	FixedFiles  int `json:"fixedFiles,omitempty"`
}

// Counts returns the number of findings per level.
func (r *Run) Counts() (errors, warnings, notices int) {
	errors, warnings, notices = r.levels[3], r.levels[2], r.levels[1]
	for _, f := range r.Findings {
		switch f.Level {
		case lint.LevelError:
			errors++
		case lint.LevelWarning:
			warnings++
		case lint.LevelNotice:
			notices++
		}
	}
	return
}

// Formatter writes a run in one format.
type Formatter func(w io.Writer, r *Run) error

// Formats are the formats --format accepts.
var Formats = map[string]Formatter{
	"text":    Text,
	"json":    JSON,
	"sarif":   SARIF,
	"rdjsonl": RDJSONL,
	"github":  GitHub,
}

// The formats for a run held in memory are their streams fed at once.
var (
	Text    = whole(newTextStream)
	JSON    = whole(newJSONStream)
	SARIF   = whole(newSARIFStream)
	RDJSONL = whole(newRDJSONLStream)
	GitHub  = whole(newGitHubStream)
)

// FormatNames lists the formats, sorted.
func FormatNames() []string {
	var names []string
	for n := range Formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// object names a finding's workload for messages: kind/namespace/name.
// Empty for a finding about no workload (a suppression comment outside
// any).
func object(f *lint.Finding) string {
	if f.Kind == "" {
		return ""
	}
	name := f.Name
	if name == "" {
		name = "(unnamed)"
	}
	s := fmt.Sprintf("%s/%s/%s", f.Kind, f.Namespace, name)
	if f.Container != "" {
		s += " container " + f.Container
	}
	if r := f.RenderedFrom; r != nil && r.ValueSetName != "" {
		s += " values " + r.ValueSetName
	}
	return s
}

// Plural is "1 file", "2 files", "3 policies": for summaries outside this
// package, worded as the reports are.
func Plural(n int, word string) string { return plural(n, word) }

// about is " [object]" for messages, or nothing when there is no object.
func about(f *lint.Finding) string {
	if o := object(f); o != "" {
		return " [" + o + "]"
	}
	return ""
}

// policyTitle names what a finding's rule stands for: the policy's display
// name, a meta rule's title, or the rule id.
func policyTitle(f *lint.Finding) string {
	if f.Policy != "" {
		return f.Policy
	}
	if m, ok := lint.MetaRuleOf(f.Rule); ok {
		return m.Title
	}
	return f.Rule
}

// levelCounts says "N errors, N warnings, N notices", and how many
// findings suppressions silenced when there were any.
func levelCounts(r *Run) string {
	errs, warns, notes := r.Counts()
	s := fmt.Sprintf("%s, %s, %s", plural(errs, "error"), plural(warns, "warning"), plural(notes, "notice"))
	if r.Summary.Suppressed > 0 {
		s += fmt.Sprintf(", %d suppressed", r.Summary.Suppressed)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Basis is one thing a run judged with: Kind is what it is ("initiative",
// "configuration", "assignment", ...), Name its name or file, Detail the
// effect and scope, in words.
type Basis struct {
	Kind, Name, Detail string
}

// relPath is a path as GitHub annotations and SARIF name it, relative to
// Root (see relPaths). The report is written by one goroutine.
func (r *Run) relPath(p string) string {
	if r.rel == nil {
		r.rel = relPaths(r.Root)
	}
	return r.rel(p)
}
