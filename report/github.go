package report

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
)

// AnnotationsPerLevel is how many error, warning and notice annotations
// GitHub keeps per step; it drops the rest silently.
const AnnotationsPerLevel = 10

// maxAnnotationMessage stays below the runner's 4096-character cap.
const maxAnnotationMessage = 4000

// GitHub writes GitHub Actions workflow commands: one annotation per input
// error and finding, errors first, then warnings, then notices, at most
// AnnotationsPerLevel of each, and one notice that says how many more there
// are and where to see them. Every value goes through go-githubactions'
// escaping (messages are never used as format strings), so nothing read
// from a manifest can start another command. The stream keeps the first
// AnnotationsPerLevel findings of each level and counts the rest.
type githubStream struct {
	w        io.Writer
	r        *Run
	byLevel  [4][]ann // index: Level.Rank(); at most AnnotationsPerLevel each
	count    [4]int
	findings int
}

type ann struct {
	level  lint.Level
	fields map[string]string
	msg    string
}

func newGitHubStream(w io.Writer, r *Run) Stream { return &githubStream{w: w, r: r} }

func (s *githubStream) Add(b *Batch) error {
	for i := range b.Findings {
		f := &b.Findings[i]
		s.findings++
		rank := f.Level.Rank()
		if rank == 0 {
			continue
		}
		s.count[rank]++
		if len(s.byLevel[rank]) < AnnotationsPerLevel {
			s.byLevel[rank] = append(s.byLevel[rank], ann{f.Level, annotationFields(s.r.relPath, f), annotationMessage(f)})
		}
	}
	return nil
}

func (s *githubStream) End(r *Run) error {
	ew := &errWriter{w: s.w}
	a := githubactions.New(githubactions.WithWriter(ew), githubactions.WithGetenv(func(string) string { return "" }))
	byLevel, count := s.byLevel, s.count
	var errAnns []ann
	for _, e := range r.Errors {
		fields := map[string]string{"title": "secctx-lint: input could not be judged"}
		if p := r.relPath(e.Path); p != "-" && p != "" {
			fields["file"] = p
		}
		if e.Line > 0 {
			fields["line"] = strconv.Itoa(e.Line)
			if e.Column > 0 {
				fields["col"] = strconv.Itoa(e.Column)
			}
		}
		errAnns = append(errAnns, ann{lint.LevelError, fields, e.Msg})
	}
	// Input errors come before the findings of level error, but take at
	// most half the error annotations while there are such findings: a
	// tree with many unreadable files would otherwise hide every Deny.
	shownErrs := min(len(errAnns), max(AnnotationsPerLevel/2, AnnotationsPerLevel-len(byLevel[3])))
	byLevel[3] = append(append(errAnns[:shownErrs:shownErrs], byLevel[3]...), errAnns[shownErrs:]...)
	count[3] += len(errAnns)
	total := count[1] + count[2] + count[3]
	noticeCap := AnnotationsPerLevel
	shown := func() int {
		return min(count[3], AnnotationsPerLevel) + min(count[2], AnnotationsPerLevel) + min(count[1], noticeCap)
	}
	if shown() < total {
		noticeCap-- // keep a notice for the "more" line
	}
	more := total - shown()
	emit := func(x ann) {
		// A line that parses as a V2 command is never read as a legacy
		// "##[" one, so the file property can stay exact; the text people
		// read loses "##[" anyway, in case a log viewer cares.
		if t, ok := x.fields["title"]; ok {
			x.fields["title"] = noLegacy(t)
		}
		c := a.WithFieldsMap(x.fields)
		msg := noLegacy(truncate(x.msg, maxAnnotationMessage))
		switch x.level {
		case lint.LevelError:
			c.Errorf("%s", msg)
		case lint.LevelWarning:
			c.Warningf("%s", msg)
		default:
			c.Noticef("%s", msg)
		}
	}
	for _, rank := range []int{3, 2} {
		for i, x := range byLevel[rank] {
			if i == AnnotationsPerLevel {
				break
			}
			emit(x)
		}
	}
	if more > 0 {
		where := "the job summary"
		if r.SarifFile != "" {
			where += " and the SARIF file " + r.relPath(r.SarifFile)
		}
		// Counting the hidden input errors apart keeps "findings"
		// meaning what the findings output means.
		hiddenErrs := len(r.Errors) - shownErrs
		var parts []string
		if n := more - hiddenErrs; n > 0 {
			parts = append(parts, plural(n, "more finding"))
		}
		if hiddenErrs > 0 {
			parts = append(parts, plural(hiddenErrs, "more input error"))
		}
		hidden := strings.Join(parts, " and ")
		title := plural(s.findings, "finding") + " in all"
		if len(r.Errors) > 0 {
			title += ", " + plural(len(r.Errors), "input error")
		}
		msg := fmt.Sprintf("%s not shown as annotations (GitHub keeps %d per level and step): see %s, or run secctx-lint locally.",
			hidden, AnnotationsPerLevel, where)
		a.WithFieldsMap(map[string]string{"title": "secctx-lint: " + title}).Noticef("%s", msg)
	}
	for i, x := range byLevel[1] {
		if i == noticeCap {
			break
		}
		emit(x)
	}
	return ew.err
}

// noLegacy breaks the legacy "##[" command marker with a zero-width space.
func noLegacy(s string) string {
	return strings.ReplaceAll(s, "##[", "#"+zwsp+"#[")
}

// annotationFields are the file/line/col/endLine/endColumn/title properties.
func annotationFields(relPath func(string) string, f *lint.Finding) map[string]string {
	fields := map[string]string{"title": f.Rule + ": " + policyTitle(f)}
	if policyTitle(f) == f.Rule {
		fields["title"] = f.Rule
	}
	if p := relPath(f.File); p != "-" && p != "" {
		fields["file"] = p
	}
	if f.Line > 0 {
		fields["line"] = strconv.Itoa(f.Line)
		end := f.EndLine
		if end < f.Line {
			end = f.Line
		}
		fields["endLine"] = strconv.Itoa(end)
		// GitHub reads columns only on single-line annotations.
		if end == f.Line && f.Column > 0 {
			fields["col"] = strconv.Itoa(f.Column)
			if f.EndColumn > f.Column {
				fields["endColumn"] = strconv.Itoa(f.EndColumn)
			}
		}
	}
	return fields
}

func annotationMessage(f *lint.Finding) string {
	var b strings.Builder
	b.WriteString(f.Message)
	b.WriteString(about(f))
	if f.Certainty == lint.Strict {
		b.WriteString(" (strict reading)")
	}
	if hint := fixHint(f); hint != "" && f.Fixable {
		b.WriteString(" Fix (--fix): " + hint + ".")
	} else if f.FixNote != "" {
		b.WriteString(" Not fixed by --fix: " + f.FixNote + ".")
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// errWriter remembers the first write error: go-githubactions does not
// return it (v1.3.0 panics on some), so the writer takes it and reports
// success, and GitHub returns it at the end.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

// fixHint says in a few words what makes a finding go away: the values the
// fixer writes, or why it does not.
func fixHint(f *lint.Finding) string {
	if f.FixHint != "" {
		return f.FixHint
	}
	if h := lint.Hint(f.Changes); h != "" {
		return h
	}
	return f.FixNote
}

// DefaultSummaryLimit keeps the job summary well below GitHub's 1 MiB.
const DefaultSummaryLimit = 512 << 10

// GitHubSummary renders the job summary in GitHub-flavoured Markdown: the
// totals, a table of counts per policy and a table per file (object,
// container, field, level, fix hint). It stops adding rows before limit
// bytes and ends with a line saying how many were left out. Everything read
// from a manifest sits in code spans with | escaped, or is escaped as text.
func GitHubSummary(r *Run, limit int) string {
	s := NewSummaryStream(r, limit)
	if len(r.Findings) > 0 {
		s.Add(&Batch{Findings: r.Findings})
	}
	return s.Markdown(r)
}

// SummaryStream builds the job summary as findings come, with bounded
// buffers: the counts per policy, and the table rows while they can still
// fit under the limit (the head, written first, is only known at the end,
// so rows are kept up to the limit and cut at End).
type SummaryStream struct {
	r     *Run
	limit int
	per   map[string]*summaryCounts
	order []string
	rows  []string // rows (with their file's table head when it starts one)
	size  int      // bytes in rows
	last  string   // the file of the last row kept
	full  bool     // no further row can fit
	left  int      // rows not kept
}

type summaryCounts struct {
	policy, id string
	e, w, n    int
}

// NewSummaryStream starts a job summary capped at limit bytes.
func NewSummaryStream(r *Run, limit int) *SummaryStream {
	return &SummaryStream{r: r, limit: limit, per: map[string]*summaryCounts{}, last: "\x00"}
}

func (s *SummaryStream) Add(b *Batch) error {
	for i := range b.Findings {
		f := &b.Findings[i]
		c := s.per[f.Rule]
		if c == nil {
			c = &summaryCounts{policy: policyTitle(f), id: f.PolicyID}
			s.per[f.Rule] = c
			s.order = append(s.order, f.Rule)
		}
		switch f.Level {
		case lint.LevelError:
			c.e++
		case lint.LevelWarning:
			c.w++
		default:
			c.n++
		}
		if s.full {
			s.left++
			continue
		}
		row := s.row(f)
		// The head takes at least nothing: a row past the limit without it
		// can never fit.
		if s.size+len(row)+200 > s.limit {
			s.full = true
			s.left++
			continue
		}
		s.last = f.File
		s.rows = append(s.rows, row)
		s.size += len(row)
	}
	return nil
}

// row is a finding's table row, with its file's table head first when
// the previous row kept was about another file.
func (s *SummaryStream) row(f *lint.Finding) string {
	var piece strings.Builder
	if f.File != s.last {
		fmt.Fprintf(&piece, "\n### %s\n\n| Line | Object | Container | Field | Level | Rule | Fix |\n|--:|---|---|---|---|---|---|\n", code(s.r.relPath(f.File)))
	}
	obj := f.Kind + "/" + f.Name
	switch {
	case f.Kind == "":
		obj = ""
	case f.Namespace != "":
		obj = f.Kind + "/" + f.Namespace + "/" + f.Name
	}
	level := string(f.Level)
	if f.Certainty == lint.Strict {
		level += " (strict)"
	}
	hint := fixHint(f)
	if f.Fixable && hint != "" {
		hint = "`--fix`: " + code(hint)
	} else if hint != "" {
		hint = mdText(hint)
	}
	fmt.Fprintf(&piece, "| %s | %s | %s | %s | %s | %s | %s |\n",
		lineLink(s.r, f), code(obj), code(f.Container), code(f.Field), level, code(f.Rule), hint)
	return piece.String()
}

// lineLink is a finding's line number, linked to the line on GitHub
// (BlobURL/path#L12, #L12-L14 for a span) when the run knows the
// repository's address and the file is inside the workspace.
func lineLink(r *Run, f *lint.Finding) string {
	n := strconv.Itoa(f.Line)
	if r.BlobURL == "" || f.Line < 1 {
		return n
	}
	rel := filepath.ToSlash(r.relPath(f.File))
	if rel == "" || rel == "-" || rel == ".." || strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, "/") || filepath.IsAbs(rel) {
		return n
	}
	var path []string
	for _, seg := range strings.Split(rel, "/") {
		if seg != "." {
			path = append(path, url.PathEscape(seg))
		}
	}
	anchor := "#L" + n
	if f.EndLine > f.Line {
		anchor += "-L" + strconv.Itoa(f.EndLine)
	}
	// The address is ours (from the runner's environment) and the path is
	// escaped, so nothing read from a manifest can end the link early.
	return "[" + n + "](" + r.BlobURL + "/" + strings.Join(path, "/") + anchor + ")"
}

// End is Markdown for the Stream interface; the summary goes to a file.
func (s *SummaryStream) End(r *Run) error { return nil }

// Markdown renders the summary of the findings added so far.
func (s *SummaryStream) Markdown(r *Run) string {
	var b strings.Builder
	b.WriteString("## secctx-lint\n\n")
	fmt.Fprintf(&b, "**%s** in %s (%s, %s)",
		levelCounts(r), plural(r.Summary.Workloads, "workload"), plural(r.Summary.Files, "file"), plural(r.Summary.Documents, "document"))
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "; %s could not be read", plural(len(r.Errors), "input"))
	}
	b.WriteString(".\n\n")
	if r.Summary.FixedFields > 0 || r.Summary.FixedFiles > 0 {
		fmt.Fprintf(&b, "Fixed %s in %s.\n\n", plural(r.Summary.FixedFields, "field"), plural(r.Summary.FixedFiles, "file"))
	}
	if len(r.JudgedWith) > 0 {
		b.WriteString("Judged with ")
		for i, j := range r.JudgedWith {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(mdText(j.Kind) + " " + code(j.Name))
			if j.Detail != "" {
				b.WriteString(" (" + mdText(j.Detail) + ")")
			}
		}
		b.WriteString(".\n\n")
	}
	if r.LeftOut != "" {
		fmt.Fprintf(&b, "Not reported: %s.\n\n", mdText(r.LeftOut))
	}
	if r.SarifFile != "" {
		fmt.Fprintf(&b, "SARIF: %s\n\n", code(r.relPath(r.SarifFile)))
	}

	// Totals per policy.
	order := append([]string(nil), s.order...)
	sort.Strings(order)
	if len(order) > 0 {
		b.WriteString("| Policy | Rule | Errors | Warnings | Notices |\n|---|---|--:|--:|--:|\n")
		for _, rule := range order {
			c := s.per[rule]
			name := mdText(c.policy)
			if c.id != "" {
				name = "[" + name + "](" + policyURL(c.id) + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n", name, code(rule), c.e, c.w, c.n)
		}
		b.WriteString("\n")
	}

	rowsLeft := s.left
	for i, row := range s.rows {
		if b.Len()+len(row)+200 > s.limit {
			rowsLeft += len(s.rows) - i
			break
		}
		b.WriteString(row)
	}
	if rowsLeft > 0 {
		fmt.Fprintf(&b, "\n… %s not shown (the summary is capped); see the SARIF or JSON output for all of them.\n", plural(rowsLeft, "more finding"))
	}
	if len(r.Errors) > 0 {
		b.WriteString("\n### Inputs that could not be judged\n\n")
		for i, e := range r.Errors {
			line := fmt.Sprintf("- %s line %d: %s\n", code(r.relPath(e.Path)), e.Line, mdText(e.Msg))
			if b.Len()+len(line)+100 > s.limit {
				fmt.Fprintf(&b, "- … %d more\n", len(r.Errors)-i)
				break
			}
			b.WriteString(line)
		}
	}
	return b.String()
}

// policyURL opens a built-in definition in the Azure portal.
func policyURL(id string) string {
	return "https://portal.azure.com/#view/Microsoft_Azure_Policy/PolicyDetailBlade/definitionId/%2Fproviders%2FMicrosoft.Authorization%2FpolicyDefinitions%2F" + id
}

// code puts s in a Markdown code span that holds it whatever it contains:
// line breaks become spaces, | is escaped for tables, and the fence is one
// backtick longer than the longest run inside.
func code(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "|", `\|`).Replace(s)
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// mdText escapes text for Markdown: every ASCII punctuation character that
// means something gets a backslash, < > & become entities, line breaks
// become spaces.
func mdText(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n' || c == '\r':
			b.WriteByte(' ')
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
		case strings.ContainsRune("\\`*_{}[]()#+-.!|~:@=", c):
			b.WriteByte('\\')
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// policyOf finds the catalog definition of a finding's rule and version.
func policyOf(rule, version string) *policy.Definition {
	d, err := policy.Lookup(rule, version)
	if err != nil {
		d, _ = policy.Lookup(rule, "")
	}
	return d
}
