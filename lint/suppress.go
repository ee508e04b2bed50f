package lint

import (
	"bytes"
	"fmt"
	"github.com/secctx-lint/secctx-lint/apitype"
	"sort"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Suppressions silence findings where the reason for them lives: an
// annotation on the workload,
//
//	secctx-lint.io/ignore: "host-namespaces,host-paths: node agent reads /proc"
//
// or a comment,
//
//	hostPID: true  # secctx-lint:ignore host-namespaces: node agent
//
// Both read `rule[,rule...]: reason`; `all` (or `*`) names every rule. A
// suppressed finding is dropped before anything else sees it (the fixer does
// not fix it, the exit status does not count it) and counted in
// Stats.Suppressed. Problems with suppressions themselves are findings of
// the meta rules below, which no suppression silences.

// AnnotationIgnore is the annotation key of workload suppressions.
const AnnotationIgnore = "secctx-lint.io/ignore"

// Meta rule ids: findings about suppressions rather than about pods.
const (
	RuleIgnoreWithoutReason = "ignore-without-reason"
	RuleInvalidIgnore       = "invalid-ignore"
	RuleUnusedIgnore        = "unused-ignore"
)

// MetaRule describes a rule about suppressions, for formats that list
// rules (SARIF) or name them (job summaries).
type MetaRule struct {
	ID, Title, Help string
}

var metaRules = []MetaRule{
	{RuleIgnoreWithoutReason, "Suppression without a reason",
		"Say why the finding is acceptable after a colon: `# secctx-lint:ignore host-namespaces: node agent reads /proc`, or the annotation `secctx-lint.io/ignore: \"host-namespaces: node agent reads /proc\"`. The suppression still silences the finding; this warning stays until it has a reason."},
	{RuleInvalidIgnore, "Invalid suppression",
		"A suppression names an unknown rule (typo?), has no rule, is malformed, or uses an annotation key or directive secctx-lint does not know. Rule ids are the kebab-case ids secctx-lint prints (e.g. privileged-containers), or `all`. Unknown rules silence nothing."},
	{RuleUnusedIgnore, "Suppression that silences nothing",
		"Reported with --report-unused-ignores: the suppression names a rule that has no finding where it applies (the finding was fixed, the rule is not assigned, or the suppression is in the wrong place). Remove it or move it: annotations go on the workload or its pod template, comments on the finding's line, the line above it, or the line where the container or workload starts."},
}

// MetaRules lists the rules about suppressions.
func MetaRules() []MetaRule { return append([]MetaRule(nil), metaRules...) }

// MetaRuleOf returns the meta rule with the given id.
func MetaRuleOf(id string) (MetaRule, bool) {
	for _, m := range metaRules {
		if m.ID == id {
			return m, true
		}
	}
	return MetaRule{}, false
}

// mentionsSuppression is the cheap test that keeps files without any
// suppression (nearly all of them) off the slower path.
func mentionsSuppression(src []byte) bool {
	return bytes.Contains(src, []byte("secctx-lint"))
}

// directive is one suppression as written.
type directive struct {
	// line and col locate it (the annotation's value, or the comment's #);
	// endCol ends the span.
	line, col, endCol int
	annotation        bool
	// pod is the workload the annotation is on, or the one whose lines hold
	// the comment (nil when none does).
	pod *Pod
	// field is the annotation's dotted path; empty for comments.
	field string
	// target is the line a comment covers; 0 for annotations.
	target  int
	entries []*ignoreEntry
}

// ignoreEntry is one rule of a directive; used when it silenced something.
type ignoreEntry struct {
	rule     string // a rule id; "" for every rule
	col, end int    // columns of the id (comments) or the directive's
	used     bool
}

func (e *ignoreEntry) covers(rule string) bool { return e.rule == "" || e.rule == rule }

func (e *ignoreEntry) name() string {
	if e.rule == "" {
		return "all"
	}
	return e.rule
}

// problem is a meta finding waiting for its workload to be known.
type problem struct {
	d          *directive
	rule       string
	col, end   int
	msg        string
	annotation bool
}

// suppressor holds one file's suppressions while its pods are judged.
type suppressor struct {
	file       *source.File
	byTarget   map[int][]*directive // comment directives by covered line
	directives []*directive
	byPod      map[*Pod][]*directive // annotation directives
	problems   []problem
	pods       []*Pod
	spans      [][2]int // first and last line of each pod's object, built on first use
	suppressed int
}

// newSuppressor finds the file's comment suppressions. Annotations are read
// per workload, in pod.
func newSuppressor(f *source.File) *suppressor {
	s := &suppressor{file: f, byTarget: map[int][]*directive{}, byPod: map[*Pod][]*directive{}}
	s.scanComments()
	return s
}

// pod reads the annotations of a workload before its findings are
// filtered: on the object's metadata and on every metadata on the way to
// its pod template (a CronJob's jobTemplate and its template), so that the
// annotation works wherever users put it.
func (s *suppressor) pod(p *Pod) {
	s.pods = append(s.pods, p)
	prefix := objectPrefix(p)
	s.metadata(p, p.Object, prefix)
	if p.Kind == "Pod" {
		return
	}
	node, path := p.Object, prefix
	for _, k := range templatePath(p.Kind) {
		node = source.Mapping(source.Get(node, k))
		if node == nil {
			return
		}
		path += k + "."
		s.metadata(p, node, path)
	}
}

// objectPrefix is the path of a pod's object in its document: "" or
// "items[2]." for List items.
func objectPrefix(p *Pod) string {
	tail := "spec"
	if p.Kind != "Pod" {
		tail = strings.Join(templatePath(p.Kind), ".") + ".spec"
	}
	return strings.TrimSuffix(p.SpecPath, tail)
}

// metadata reads the suppression annotation of obj's metadata, and flags
// secctx-lint keys that are not it: a typo in the key would otherwise
// silently suppress nothing.
func (s *suppressor) metadata(p *Pod, obj *yaml.Node, path string) {
	meta := source.Mapping(source.Get(obj, "metadata"))
	if meta == nil {
		return
	}
	ann := source.Mapping(source.Get(meta, "annotations"))
	for i := 0; ann != nil && i+1 < len(ann.Content); i += 2 {
		k, v := ann.Content[i], source.Resolve(ann.Content[i+1])
		if !strings.Contains(k.Value, "secctx-lint") {
			continue
		}
		field := path + "metadata.annotations." + k.Value
		if k.Value != AnnotationIgnore {
			d := &directive{line: k.Line, col: k.Column, endCol: k.Column + tokenWidth(k), annotation: true, pod: p, field: field}
			s.problem(d, RuleInvalidIgnore, 0, 0, fmt.Sprintf("unknown annotation %q: suppressions use %q", k.Value, AnnotationIgnore))
			continue
		}
		d := &directive{annotation: true, pod: p, field: field}
		d.line, d.col, _, d.endCol = span(nil, v)
		text, ok := source.Str(v)
		if !ok {
			s.problem(d, RuleInvalidIgnore, 0, 0, fmt.Sprintf("the %s annotation must be a string such as \"rule: reason\"", AnnotationIgnore))
			continue
		}
		s.parse(d, text, nil)
	}
	labels := source.Mapping(source.Get(meta, "labels"))
	for i := 0; labels != nil && i+1 < len(labels.Content); i += 2 {
		if k := labels.Content[i]; strings.Contains(k.Value, "secctx-lint") {
			d := &directive{line: k.Line, col: k.Column, endCol: k.Column + tokenWidth(k), annotation: true, pod: p, field: path + "metadata.labels." + k.Value}
			s.problem(d, RuleInvalidIgnore, 0, 0, fmt.Sprintf("label %q suppresses nothing: suppressions are annotations (%s: \"rule: reason\")", k.Value, AnnotationIgnore))
		}
	}
}

// scanComments finds `# secctx-lint:...` comments. The text must start a
// real comment: a `#` at the start of a line or after a blank, outside the
// quoted and block scalars of the parsed documents (whose text may hold
// anything, a commented-out manifest included).
func (s *suppressor) scanComments() {
	src := s.file.Src
	marker := []byte("secctx-lint:")
	if !bytes.Contains(src, marker) {
		return
	}
	li := s.file.Lines()
	text := scalarRanges(s.file)
	done := 0 // lines up to here are scanned
	for off := 0; ; {
		i := bytes.Index(src[off:], marker)
		if i < 0 {
			return
		}
		line, _ := li.Position(off + i)
		off += i + len(marker)
		if line <= done {
			continue
		}
		done = line
		s.commentOn(li, line, text)
	}
}

// commentOn reads the directive of a line's comment, if it holds one.
func (s *suppressor) commentOn(li *source.LineIndex, line int, text *ranges) {
	start := li.LineStart(line)
	b := li.Line(line)
	hash := -1
	for i, c := range b {
		if c == '#' && (i == 0 || b[i-1] == ' ' || b[i-1] == '\t') && !text.contains(start+i) {
			hash = i
			break
		}
	}
	if hash < 0 {
		return
	}
	body := bytes.TrimLeft(b[hash+1:], " \t")
	rest, ok := bytes.CutPrefix(body, []byte("secctx-lint:"))
	if !ok {
		return // an ordinary comment that mentions secctx-lint later on
	}
	col := func(i int) int { _, c := li.Position(start + i); return c }
	d := &directive{line: line, col: col(hash), endCol: col(len(b)), target: line}
	if len(bytes.TrimLeft(b[:hash], " \t")) == 0 {
		d.target = nextContentLine(li, line)
	}
	verbOff := len(b) - len(bytes.TrimLeft(rest, " \t"))
	verb := b[verbOff:]
	n := 0
	for n < len(verb) && (verb[n] == '-' || verb[n] >= 'a' && verb[n] <= 'z' || verb[n] >= 'A' && verb[n] <= 'Z') {
		n++
	}
	if string(verb[:n]) != "ignore" {
		s.problem(d, RuleInvalidIgnore, 0, 0, fmt.Sprintf("unknown directive %q: the comment is # secctx-lint:ignore rule: reason", "secctx-lint:"+string(verb[:n])))
		return
	}
	argOff := verbOff + n
	s.parse(d, string(b[argOff:]), func(i int) int { return col(argOff + i) })
}

// nextContentLine is the first line after line that is neither blank nor
// only a comment, or 0 at the end of the file.
func nextContentLine(li *source.LineIndex, line int) int {
	for l := line + 1; l <= li.Lines(); l++ {
		t := bytes.TrimLeft(li.Line(l), " \t")
		if len(t) > 0 && t[0] != '#' {
			return l
		}
	}
	return 0
}

// ignoreSpec is `rule[,rule...][: reason]` taken apart.
type ignoreSpec struct {
	rules  []ignoreRef
	reason string
	// junk is text after the rules that is neither ": reason" nor another
	// comment ("# ..."); junkAt is its byte offset.
	junk   string
	junkAt int
	// emptyAt is the offset of an empty entry in the rule list (`a,,b`,
	// `,a`, `a,:`), or -1.
	emptyAt int
}

type ignoreRef struct {
	id     string
	at, to int // byte offsets in the text
}

// parseIgnore reads `rule[, rule...][: reason]`, whitespace tolerant. A
// `#` after the rules starts an ordinary comment, so that
// `# secctx-lint:ignore seccomp  # TODO` reads as a suppression without a
// reason rather than as garbage.
func parseIgnore(text string) ignoreSpec {
	sp := ignoreSpec{emptyAt: -1}
	i := 0
	skip := func() {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		j := i
		for j < len(text) && !strings.ContainsRune(",: \t#", rune(text[j])) {
			j++
		}
		if j > i {
			sp.rules = append(sp.rules, ignoreRef{id: text[i:j], at: i, to: j})
		} else if sp.emptyAt < 0 && (len(sp.rules) > 0 || (j < len(text) && text[j] == ',')) {
			sp.emptyAt = j // nothing before a comma, or after the last one
		}
		i = j
		skip()
		if i < len(text) && text[i] == ',' {
			i++
			continue
		}
		break
	}
	rest := text[i:]
	switch {
	case strings.HasPrefix(rest, ":"):
		sp.reason = strings.TrimSpace(rest[1:])
	case rest == "" || strings.HasPrefix(rest, "#"):
	default:
		sp.junk, sp.junkAt = strings.TrimSpace(rest), i
	}
	return sp
}

// parse turns a directive's text into entries and reports what is wrong
// with it. colAt maps a byte offset of text to a column (comments); nil
// points everything at the directive (annotations).
func (s *suppressor) parse(d *directive, text string, colAt func(int) int) {
	sp := parseIgnore(text)
	at := func(from, to int) (int, int) {
		if colAt == nil {
			return 0, 0
		}
		return colAt(from), colAt(to)
	}
	var names []string
	for _, r := range sp.rules {
		id := strings.ToLower(r.id)
		col, end := at(r.at, r.to)
		switch {
		case id == "all" || id == "*":
			d.entries = append(d.entries, &ignoreEntry{col: col, end: end})
		case rules[id] != nil || id == RuleInvalidField:
			d.entries = append(d.entries, &ignoreEntry{rule: id, col: col, end: end})
		default:
			s.problem(d, RuleInvalidIgnore, col, end, unknownRuleMessage(r.id))
			continue
		}
		names = append(names, id)
	}
	// What the author meant to silence is silenced even when the rest is
	// wrong: a missing reason is reported, not punished twice.
	if len(d.entries) > 0 {
		s.directives = append(s.directives, d)
		if d.annotation {
			s.byPod[d.pod] = append(s.byPod[d.pod], d)
		} else {
			s.byTarget[d.target] = append(s.byTarget[d.target], d)
		}
	}
	if len(sp.rules) == 0 {
		s.problem(d, RuleInvalidIgnore, 0, 0, "the suppression names no rule: write `rule: reason`, or `all: reason` for every rule")
		return
	}
	if sp.emptyAt >= 0 {
		col, end := at(sp.emptyAt, sp.emptyAt+1)
		s.problem(d, RuleInvalidIgnore, col, end, "malformed suppression: an empty entry in the rule list (two commas, or a comma with no rule after it)")
	}
	if sp.junk != "" {
		col, end := at(sp.junkAt, len(text))
		s.problem(d, RuleInvalidIgnore, col, end, fmt.Sprintf("malformed suppression: expected \",\" and a rule, or \": reason\", after the rules, found %q", sp.junk))
		return
	}
	if sp.reason == "" && len(names) > 0 {
		example := "# secctx-lint:ignore " + strings.Join(names, ",") + ": why"
		if d.annotation {
			example = fmt.Sprintf("%s: \"%s: why\"", AnnotationIgnore, strings.Join(names, ","))
		}
		s.problem(d, RuleIgnoreWithoutReason, 0, 0, fmt.Sprintf("the suppression of %s has no reason; it silences, but say why: %s", strings.Join(names, ", "), example))
	}
}

// unknownRuleMessage names the rule id closest to a misspelt one.
func unknownRuleMessage(id string) string {
	msg := fmt.Sprintf("unknown rule %q in suppression", id)
	best, bestDist := "", 4
	for known := range rules {
		d := apitype.EditDistance(strings.ToLower(id), known)
		if len(id) >= 4 && strings.Contains(known, strings.ToLower(id)) {
			d = min(d, 2) // "privileged" for privileged-containers
		}
		if d < bestDist || d == bestDist && known < best {
			best, bestDist = known, d
		}
	}
	if best != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", best)
	}
	return msg + "; it silences nothing"
}

func (s *suppressor) problem(d *directive, rule string, col, end int, msg string) {
	s.problems = append(s.problems, problem{d: d, rule: rule, col: col, end: end, msg: msg})
}

// filter drops the findings of pod p (found[from:], whose containers are
// owners) that a suppression covers, marking the suppressions used.
func (s *suppressor) filter(p *Pod, found []Finding, from int, owners []*Container) []Finding {
	annotations := s.byPod[p]
	kept := found[:from]
	for i := from; i < len(found); i++ {
		f := &found[i]
		candidates := append(annotations[:len(annotations):len(annotations)], s.byTarget[f.Line]...)
		ct := owners[i-from]
		if ct != nil && ct.Node.Line != f.Line {
			candidates = append(candidates, s.byTarget[ct.Node.Line]...)
		}
		if ct == nil && f.Missing && p.SpecKey != nil && p.SpecKey.Line != f.Line {
			// A missing pod field is placed at the pod's securityContext
			// when there is one, else at spec:. A comment on spec: covers
			// it at either, or a fix that writes the securityContext for
			// another rule would move it out from under the comment, and a
			// second --fix would write what the comment suppressed.
			candidates = append(candidates, s.byTarget[p.SpecKey.Line]...)
		}
		if p.Object.Line != f.Line {
			candidates = append(candidates, s.byTarget[p.Object.Line]...)
		}
		if silences(candidates, f.Rule) {
			s.suppressed++
			continue
		}
		kept = append(kept, *f)
	}
	return kept
}

// findings are the meta findings: problems, and with reportUnused the
// entries that silenced nothing.
func (s *suppressor) findings(reportUnused bool) []Finding {
	var out []Finding
	for _, pr := range s.problems {
		out = append(out, s.meta(pr))
	}
	if !reportUnused {
		return out
	}
	for _, d := range s.directives {
		for _, e := range d.entries {
			if e.used {
				continue
			}
			msg := fmt.Sprintf("the suppression of %s silences nothing here", e.name())
			if e.rule == "" {
				msg = "the suppression of every rule (all) silences nothing here"
			}
			out = append(out, s.meta(problem{d: d, rule: RuleUnusedIgnore, col: e.col, end: e.end, msg: msg}))
		}
	}
	return out
}

// meta renders a problem as a finding: a warning at the directive (or the
// part of it named), about the workload that holds it.
func (s *suppressor) meta(pr problem) Finding {
	d := pr.d
	f := Finding{
		Rule: pr.rule, Level: LevelWarning, Certainty: Certain, File: s.file.Path,
		Line: d.line, Column: d.col, EndLine: d.line, EndColumn: d.endCol,
		Field: d.field, Message: pr.msg,
	}
	if pr.col > 0 {
		f.Column, f.EndColumn = pr.col, max(pr.end, pr.col+1)
	}
	p := d.pod
	if p == nil {
		p = s.podAt(d.target)
	}
	if p == nil {
		p = s.podAt(d.line)
	}
	if p != nil {
		f.Kind, f.Namespace, f.Name = p.Kind, p.Namespace, p.Name
	}
	return f
}

// podAt is the workload whose object spans a line, for naming the
// workload a comment is about.
func (s *suppressor) podAt(line int) *Pod {
	if s.spans == nil {
		s.spans = make([][2]int, len(s.pods))
		for i, p := range s.pods {
			s.spans[i] = [2]int{p.Object.Line, lastLine(p.Object)}
		}
	}
	for i, sp := range s.spans {
		if line >= sp[0] && line <= sp[1] {
			return s.pods[i]
		}
	}
	return nil
}

// lastLine is the last line of the last node below n, a block scalar's
// body included (counted from its value's lines).
func lastLine(n *yaml.Node) int {
	for depth := 0; len(n.Content) > 0 && depth < 1000; depth++ {
		n = n.Content[len(n.Content)-1]
	}
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + strings.Count(strings.TrimSuffix(n.Value, "\n"), "\n") + 1
	}
	return n.Line
}

// ranges are sorted, non-overlapping byte ranges.
type ranges struct{ spans [][2]int }

func (r *ranges) contains(off int) bool {
	i := sort.Search(len(r.spans), func(i int) bool { return r.spans[i][1] > off })
	return i < len(r.spans) && r.spans[i][0] <= off
}

// scalarRanges finds the bytes of the file's quoted and block scalars,
// where a `#` is text and not a comment. (A plain scalar cannot hold " #":
// YAML ends it there.)
func scalarRanges(f *source.File) *ranges {
	li := f.Lines()
	r := &ranges{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 10000 {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			switch {
			case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0:
				r.spans = append(r.spans, quotedSpan(f.Src, li.Offset(n.Line, n.Column)))
			case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
				r.spans = append(r.spans, blockSpan(li, n))
			}
		case yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
	}
	for _, d := range f.Docs {
		walk(d.Root, 0)
	}
	sort.Slice(r.spans, func(i, j int) bool { return r.spans[i][0] < r.spans[j][0] })
	return r
}

// quotedSpan is the byte range of the quoted scalar opening at start, to
// its closing quote (escapes: \x in double quotes, ” in single quotes).
func quotedSpan(src []byte, start int) [2]int {
	if start >= len(src) || (src[start] != '"' && src[start] != '\'') {
		return [2]int{start, start}
	}
	q := src[start]
	for i := start + 1; i < len(src); i++ {
		switch {
		case q == '"' && src[i] == '\\':
			i++
		case src[i] == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case src[i] == q:
			return [2]int{start, i + 1}
		}
	}
	return [2]int{start, len(src)}
}

// blockSpan is the byte range of a block scalar's body: the lines after
// its header that are blank or indented at least as far as its first
// non-blank line (or header indentation plus an explicit indicator).
func blockSpan(li *source.LineIndex, n *yaml.Node) [2]int {
	indent := func(b []byte) int { return len(b) - len(bytes.TrimLeft(b, " ")) }
	header := li.Line(n.Line)
	base := indent(header)
	content := 0
	hdr := li.Offset(n.Line, n.Column) - li.LineStart(n.Line)
	for i := hdr + 1; i < len(header) && header[i] != ' ' && header[i] != '#'; i++ {
		if c := header[i]; c >= '1' && c <= '9' {
			content = base + int(c-'0')
		}
	}
	first := n.Line + 1
	end := first
	for ; end <= li.Lines(); end++ {
		b := li.Line(end)
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if content == 0 {
			if indent(b) <= base {
				break
			}
			content = indent(b)
		}
		if indent(b) < content {
			break
		}
	}
	return [2]int{li.LineStart(first), li.LineStart(end)}
}

// silences reports whether any of the directives covers rule, and marks
// every entry that does as used (for --report-unused-ignores): all of
// them, not only the first, so that none is reported unused.
func silences(directives []*directive, rule string) bool {
	silenced := false
	for _, d := range directives {
		for _, e := range d.entries {
			if e.covers(rule) {
				e.used, silenced = true, true
			}
		}
	}
	return silenced
}

// inheritedFields are the pod securityContext fields a container takes
// from the pod unless it sets its own.
var inheritedFields = map[string]bool{"runAsUser": true, "runAsGroup": true, "runAsNonRoot": true,
	"seccompProfile": true, "appArmorProfile": true, "seLinuxOptions": true, "windowsOptions": true}

// keepSuppressedContainers withholds the pod-level fixes that a container
// would inherit when a comment on that container suppresses the rule the
// fix is for: the fixer writes runAsUser and the like once, in the pod's
// securityContext, for the other containers' findings, and the suppressed
// container (a vendor agent that must run as root, say) would take it too.
// A suppressed finding is not fixed; the container it is about is not
// changed through the pod either.
func (s *suppressor) keepSuppressedContainers(p *Pod, fs []Finding) {
	type quiet struct {
		ct *Container
		ds []*directive
	}
	var quietCts []quiet
	for _, ct := range p.Containers {
		if ds := s.byTarget[ct.Node.Line]; len(ds) > 0 && ct.Node.Line != p.Object.Line {
			quietCts = append(quietCts, quiet{ct, ds})
		}
	}
	if len(quietCts) == 0 {
		return
	}
	for i := range fs {
		rule := fs[i].Rule
		withholdFixes(fs[i:i+1], false, func(ch Change) string {
			if ch.Token != nil || ch.Map != p.Spec || len(ch.Path) < 2 || ch.Path[0] != "securityContext" || !inheritedFields[ch.Path[1]] {
				return ""
			}
			for _, q := range quietCts {
				if _, _, own := effective(p, q.ct, ch.Path[1]); own {
					continue // sets its own
				}
				if silences(q.ds, rule) {
					return fmt.Sprintf("container %s, whose %s findings are suppressed, would inherit securityContext.%s from the pod: set it on the other containers yourself", q.ct.Label(), rule, ch.Path[1])
				}
			}
			return ""
		})
	}
}
