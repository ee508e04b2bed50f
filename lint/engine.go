// Package lint judges pod templates as Azure Policy's Gatekeeper would
// judge the Pods they create. One file per policy rule; this file holds the
// engine that runs them.
package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FixValues are the values the fixer writes for missing IDs.
type FixValues struct {
	RunAsUser          int64
	RunAsGroup         int64
	FSGroup            int64
	SupplementalGroups []int64
}

// isZero: no value was given (Options{} and tests), so the defaults apply.
// Callers with values always give a non-zero RunAsUser: 0 is root.
func (v FixValues) isZero() bool {
	return v.RunAsUser == 0 && v.RunAsGroup == 0 && v.FSGroup == 0 && v.SupplementalGroups == nil
}

// DefaultFixValues are the values of the Kubernetes documentation's
// security-context example, which users already know.
var DefaultFixValues = FixValues{RunAsUser: 1000, RunAsGroup: 3000, FSGroup: 2000, SupplementalGroups: []int64{2000}}

// Options tune the engine.
type Options struct {
	// DefaultNamespace is used for objects without metadata.namespace.
	DefaultNamespace string
	// Strict reports strict findings at their effect's level.
	Strict bool
	// Fix holds the values fixes write; the zero value means
	// DefaultFixValues.
	Fix FixValues
	// ReportUnusedIgnores reports suppressions that silence nothing.
	ReportUnusedIgnores bool
	// NoIgnores honours no suppression: every finding is reported, and
	// suppressions are not even read (strict mode for audits).
	NoIgnores bool
}

// rule is one policy's semantics.
type rule struct {
	id string
	// skipWindows: Azure's template for this policy skips Windows pods.
	skipWindows bool
	// compile reads a constraint's parameters once, before any pod.
	compile func(c *policy.Constraint) (checker, error)
}

type checker interface {
	check(p *Pod, r *reporter)
}

// judgesWindows: a checker of a skipWindows rule whose parameters cover
// Windows pods too (host-paths with windowsAllowedHostPaths).
func judgesWindows(c checker) bool {
	w, ok := c.(interface{ judgesWindows() bool })
	return ok && w.judgesWindows()
}

var rules = map[string]*rule{}

func register(r *rule) { rules[r.id] = r }

// RuleIDs lists the rules the engine implements.
func RuleIDs() []string {
	var ids []string
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

type compiled struct {
	c    *policy.Constraint
	rule *rule
	chk  checker
}

// Engine judges documents against a set of constraints.
type Engine struct {
	checks []compiled
	opts   Options
}

// New compiles the constraints. A constraint whose rule is unknown or
// whose parameters are malformed is an error: nothing is judged with a
// configuration that does not mean what its author thinks.
func New(constraints []*policy.Constraint, opts Options) (*Engine, error) {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Fix.isZero() {
		opts.Fix = DefaultFixValues
	}
	e := &Engine{opts: opts}
	for _, c := range constraints {
		if c.Effect == policy.Disabled {
			continue
		}
		r, ok := rules[c.Rule]
		if !ok {
			return nil, fmt.Errorf("%s: no rule %q", c.Origin, c.Rule)
		}
		chk, err := r.compile(c)
		if err != nil {
			return nil, fmt.Errorf("%s (%s %s): %w", c.Origin, c.Kind, c.Name, err)
		}
		e.checks = append(e.checks, compiled{c: c, rule: r, chk: chk})
	}
	return e, nil
}

// MayForbidFix tells whether a constraint could refuse a configured fix
// value for some pod (Finding.FixValueForbidden). When none can, --fix
// may write each file as soon as it is fixed: no later file can stop
// the run.
func (e *Engine) MayForbidFix() bool {
	for _, ck := range e.checks {
		if f, ok := ck.chk.(interface{ mayForbidFix(FixValues) bool }); ok && f.mayForbidFix(e.opts.Fix) {
			return true
		}
	}
	return false
}

// DefaultNamespace is the namespace of objects without one.
func (e *Engine) DefaultNamespace() string { return e.opts.DefaultNamespace }

// Stats counts what a run looked at.
type Stats struct {
	Documents int
	Workloads int
	// Suppressed counts the findings that suppressions silenced.
	Suppressed int
}

// File judges every pod template of a parsed file. Findings that a
// suppression covers are left out (and counted); findings about the
// suppressions themselves are added.
func (e *Engine) File(f *source.File) ([]Finding, Stats) {
	return e.file(f, !e.opts.NoIgnores && mentionsSuppression(f.Src), automountOffAccounts(f, e.opts.DefaultNamespace))
}

// file is File with what the caller knows already: whether f may hold
// suppressions and what its ServiceAccounts say.
func (e *Engine) file(f *source.File, suppresses bool, automountOff map[string]bool) ([]Finding, Stats) {
	var out []Finding
	st := Stats{Documents: f.DocumentCount}
	var sup *suppressor
	if suppresses {
		sup = newSuppressor(f)
	}
	for _, doc := range f.Docs {
		e.document(doc, automountOff, sup, &out, &st)
	}
	if sup != nil {
		out = append(out, sup.findings(e.opts.ReportUnusedIgnores)...)
		st.Suppressed = sup.suppressed
	}
	if len(f.Docs) > 0 && f.Docs[0].Origins != nil {
		relocate(out)
		if !e.opts.NoIgnores {
			out = suppressInOrigins(out, &st)
		}
	}
	SortFindings(out)
	return out, st
}

// document judges the pod templates of one document, appending to out.
func (e *Engine) document(doc *source.Document, automountOff map[string]bool, sup *suppressor, out *[]Finding, st *Stats) {
	for _, pod := range Pods(doc, e.opts.DefaultNamespace) {
		if *out == nil {
			// A pod template seldom passes every check: room for a
			// typical pod's findings, grown once at most.
			*out = make([]Finding, 0, 8)
		}
		st.Workloads++
		pod.ServiceAccountAutomountOff = automountOff[pod.Namespace+"/"+pod.serviceAccountName()]
		from := len(*out)
		var owners *[]*Container // the container of each finding, for suppressions
		if sup != nil {
			owners = new([]*Container)
		}
		var buf [4]judgedBy
		groups := buf[:0]
		for i := range e.checks {
			ck := &e.checks[i]
			if !ck.c.Judges(pod.Namespace, pod.Labels) {
				continue
			}
			if ck.c.Semantics == policy.Azure && ck.rule.skipWindows && pod.Windows() && !judgesWindows(ck.chk) {
				continue
			}
			r := &reporter{engine: e, pod: pod, ck: ck, out: out, owners: owners}
			ck.chk.check(pod, r)
			if u, ok := ck.chk.(*users); ok {
				groups = append(groups, judgedBy{ck.c, u})
			}
		}
		pod.windowsFixes((*out)[from:])
		pod.sharedSecurityContexts((*out)[from:])
		if sup == nil {
			// Under suppressions, what a MayRunAs constraint would find
			// may be suppressed: the value is written, and judging the
			// fixed text says what is left.
			refuseMayRunAsFixValues(pod, (*out)[from:], groups)
		}
		hintFixValues(pod, (*out)[from:], groups, sup == nil, e.opts.Fix)
		e.invalidFields(pod, out, owners)
		pod.escalationClashes(out, owners)
		pod.windowsClashes(out, owners)
		if sup != nil {
			sup.pod(pod)
			*out = sup.filter(pod, *out, from, *owners)
			sup.keepSuppressedContainers(pod, (*out)[from:])
		}
	}
}

// FileJudge judges the documents of one file as the parser hands them on
// (source.Decode), so that a document's tree can be let go as soon as its
// findings are out. Begin it, call Document for each document in order,
// then End. Call Detach on the findings before they outlive the document.
//
// A file whose verdicts depend on documents not yet seen is judged whole
// at End instead, with its documents kept until then: one with
// suppressions (comments may cover lines anywhere, annotations are
// counted per file) or one that may hold a ServiceAccount (its
// automountServiceAccountToken: false holds for the pods before it too).
// Otherwise every finding of a document lies on the document's own lines,
// which come after the lines of the documents before it, so the findings
// sorted per document are the findings sorted per file: the output is the
// same as File's. Rendered documents (Origins set) are not decoded from
// bytes and go through File.
type FileJudge struct {
	e     *Engine
	f     *source.File
	whole bool
	// suppresses: the file may hold suppressions, which are read per file.
	suppresses bool
	// automountOff: the file's ServiceAccounts that turn the token off,
	// found at End for a file judged whole.
	automountOff map[string]bool
	st           Stats
}

// Begin starts judging f, whose Src is set and whose documents are about
// to be decoded.
func (e *Engine) Begin(f *source.File) *FileJudge {
	j := &FileJudge{e: e, f: f}
	j.suppresses = !e.opts.NoIgnores && mentionsSuppression(f.Src)
	j.whole = j.suppresses || mayHoldServiceAccount(f.Src)
	return j
}

// Suppresses tells whether the file may hold suppressions: its findings
// then depend on comments and annotations anywhere in it.
func (j *FileJudge) Suppresses() bool { return j.suppresses }

// AutomountOff is what the ServiceAccounts of a file judged whole say
// (after End): the accounts whose automountServiceAccountToken is false.
func (j *FileJudge) AutomountOff() map[string]bool { return j.automountOff }

// Alone judges one document as part of its file, whose ServiceAccounts
// say automountOff, whatever Begin decided; it holds nothing back. For a
// file without suppressions this is what End gives for the document: the
// fixer's second look at the documents it edited uses it.
func (j *FileJudge) Alone(d *source.Document, automountOff map[string]bool) []Finding {
	var out []Finding
	j.e.document(d, automountOff, nil, &out, &j.st)
	SortFindings(out)
	return out
}

// Document judges d and returns its findings, sorted. For a file judged
// whole it keeps d for End and returns nothing.
func (j *FileJudge) Document(d *source.Document) []Finding {
	if j.whole || d.Origins != nil {
		j.whole = true
		j.f.Docs = append(j.f.Docs, d)
		return nil
	}
	return j.Alone(d, nil) // no ServiceAccount in the file
}

// End returns the findings held back (files judged whole) and the file's
// counts; the file must be decoded to its end.
func (j *FileJudge) End() ([]Finding, Stats) {
	if j.whole {
		j.automountOff = automountOffAccounts(j.f, j.e.opts.DefaultNamespace)
		fs, st := j.e.file(j.f, j.suppresses, j.automountOff)
		j.f.Docs = nil
		return fs, st
	}
	j.st.Documents = j.f.DocumentCount
	return nil, j.st
}

// Detach readies findings to outlive their document's tree: FixHint is
// set from the Changes, then Changes and Doc, which point into the tree,
// are dropped. The pipeline calls it once a document's edits (when
// fixing) and suggestions are planned, so that what is written and what
// waits to be written holds positions and strings only.
func Detach(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		if f.Fixable && f.FixHint == "" {
			f.FixHint = Hint(f.Changes)
		}
		f.Changes, f.Doc = nil, nil
	}
}

// mayHoldServiceAccount is the cheap test that a file holds no
// ServiceAccount object: its kind must be written as "ServiceAccount"
// somewhere other than in automountServiceAccountToken, unless an escape
// in a double-quoted string (\x, \u, \U, an escaped line break) spells
// it another way. False proves there is none; true may be wrong.
func mayHoldServiceAccount(src []byte) bool {
	n := bytes.Count(src, []byte("ServiceAccount"))
	if n > bytes.Count(src, []byte("automountServiceAccountToken")) {
		return true
	}
	for i := bytes.IndexByte(src, '\\'); i >= 0 && i+1 < len(src); {
		switch src[i+1] {
		case 'x', 'u', 'U', '\n', '\r':
			return true
		}
		next := bytes.IndexByte(src[i+2:], '\\')
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
}

// SortFindings orders findings by file, position, rule and container,
// stably. A finding is a large struct: sort.Stable compares it in place
// (slices.SortStableFunc would copy two per comparison, sort.SliceStable
// goes through reflection), by insertion for the few findings of a
// document.
func SortFindings(fs []Finding) { sort.Stable(byPosition(fs)) }

type byPosition []Finding

func (s byPosition) Len() int           { return len(s) }
func (s byPosition) Less(i, j int) bool { return findingLess(&s[i], &s[j]) }
func (s byPosition) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

func findingLess(a, b *Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	return a.Field < b.Field
}

// reporter fills the common parts of a finding.
type reporter struct {
	engine *Engine
	pod    *Pod
	ck     *compiled
	out    *[]Finding
	// owners, when set, gets each finding's container (nil: pod level).
	owners *[]*Container
}

func (r *reporter) fix() FixValues { return r.engine.opts.Fix }

// violation describes one failure.
type violation struct {
	container *Container // nil for pod-level findings
	// at is the node to point at; key and value give a span when both set.
	key, value *yaml.Node
	field      string // dotted path from the object root
	msg        string
	certainty  Certainty
	changes    []Change
	fixNote    string
	// fixForbidden: the configured fix value is outside the assigned
	// parameters, which is a configuration error for --fix.
	fixForbidden bool
}

func (r *reporter) report(v violation) {
	c := r.ck.c
	f := Finding{
		Rule:              c.Rule,
		Policy:            c.PolicyName(),
		Effect:            c.Effect,
		Certainty:         v.certainty,
		File:              r.pod.Doc.File.Path,
		Kind:              r.pod.Kind,
		Namespace:         r.pod.Namespace,
		Name:              r.pod.Name,
		Field:             v.field,
		Message:           v.msg,
		Changes:           v.changes,
		Fixable:           len(v.changes) > 0,
		FixNote:           v.fixNote,
		FixValueForbidden: v.fixForbidden,
		Constraint:        c,
		Doc:               r.pod.Doc,
	}
	if f.Certainty == "" {
		f.Certainty = Certain
	}
	if c.Definition != nil {
		f.PolicyID = c.Definition.ID
		f.PolicyVersion = c.Definition.Version
	}
	if v.container != nil {
		f.Container = v.container.Name
	}
	f.Level = LevelWarning
	if c.Effect == policy.Deny {
		f.Level = LevelError
	}
	if f.Certainty == Strict && !r.engine.opts.Strict {
		f.Level = LevelNotice
	}
	f.Line, f.Column, f.EndLine, f.EndColumn = span(v.key, v.value)
	f.Missing = v.key == nil || v.value == nil
	f.ObjectLine, f.ObjectEndLine = r.pod.lines()
	*r.out = append(*r.out, f)
	if r.owners != nil {
		*r.owners = append(*r.owners, v.container)
	}
}

// span gives the position of a key (and its value when it is a scalar on
// the same line), in yaml.v3's 1-based lines and rune columns.
func span(key, value *yaml.Node) (line, col, endLine, endCol int) {
	n := key
	if n == nil {
		n = value
	}
	if n == nil {
		return 1, 1, 1, 1
	}
	line, col = n.Line, n.Column
	endLine, endCol = line, col+tokenWidth(n)
	if key != nil && value != nil && value.Kind == yaml.ScalarNode && value.Line == key.Line && value.Column > key.Column {
		endCol = value.Column + tokenWidth(value)
	}
	return
}

// tokenWidth approximates a node's width in the source: its text plus
// quotes. Block scalars and collections count one column.
func tokenWidth(n *yaml.Node) int {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 1
	}
	w := utf8.RuneCountInString(n.Value)
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		w += 2
	}
	if w == 0 {
		w = 1
	}
	return w
}

// containerField points at a container's securityContext field: the field
// itself when written, else the deepest key on the way, else the
// securityContext key, else the container's name.
func containerField(p *Pod, ct *Container, path ...string) (key, value *yaml.Node, field string) {
	field = ct.Path(p) + ".securityContext." + strings.Join(path, ".")
	key, value = descend(ct.SC, path)
	switch {
	case key != nil:
	case ct.SCKey != nil:
		key = ct.SCKey
	default:
		key = ct.NameKey
	}
	return key, value, field
}

// podField does the same for the pod-level securityContext: the field, the
// securityContext key, or the pod spec's key.
func podField(p *Pod, path ...string) (key, value *yaml.Node, field string) {
	field = p.SpecPath + ".securityContext." + strings.Join(path, ".")
	scKey, sc := source.Lookup(p.Spec, "securityContext")
	key, value = descend(source.Mapping(sc), path)
	switch {
	case key != nil:
	case scKey != nil:
		key = scKey
	case p.SpecKey != nil:
		key = p.SpecKey
	default:
		value = p.Spec
	}
	return key, value, field
}

// descend follows path below mapping m. It returns the last key node found
// and, when the whole path exists, the value; nils when the first key is
// missing.
func descend(m *yaml.Node, path []string) (key, value *yaml.Node) {
	for i, k := range path {
		kn, vn := source.Lookup(m, k)
		if kn == nil {
			return key, nil
		}
		if i == len(path)-1 {
			return kn, vn
		}
		key = kn
		if m = source.Mapping(vn); m == nil {
			return key, nil
		}
	}
	return key, nil
}

// exclusions are the containers a constraint leaves alone.
type exclusions struct {
	names  []string
	images []string
}

// listRule is the shape of rules whose one parameter is a list of allowed
// names, besides the exclusions.
type listRule struct {
	ex       exclusions
	allowed  []string
	upstream bool
}

func readListRule(c *policy.Constraint, param string) (listRule, error) {
	r := listRule{upstream: c.Semantics == policy.Upstream}
	var err error
	if r.ex, err = readExclusions(c.Params); err != nil {
		return r, err
	}
	r.allowed, err = stringList(c.Params, param)
	return r, err
}

func readExclusions(params map[string]any) (exclusions, error) {
	var ex exclusions
	var err error
	if ex.names, err = stringList(params, "excludedContainers"); err != nil {
		return ex, err
	}
	if ex.images, err = stringList(params, "excludedImages"); err != nil {
		return ex, err
	}
	exempt, err := stringList(params, "exemptImages")
	ex.images = append(ex.images, exempt...)
	return ex, err
}

// skip reports whether the container is excluded by name or image (exact,
// or prefix for entries ending in *).
func (ex exclusions) skip(ct *Container) bool {
	for _, n := range ex.names {
		if n == ct.Name {
			return true
		}
	}
	for _, img := range ex.images {
		if img == ct.Image || (strings.HasSuffix(img, "*") && strings.HasPrefix(ct.Image, strings.TrimSuffix(img, "*"))) {
			return true
		}
	}
	return false
}

// decodeParams converts a constraint's parameters into a typed struct
// through JSON, so that parameters read from YAML, JSON or Go literals
// all land the same way.
func decodeParams(params map[string]any, into any) error {
	b, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("parameters: %w", err)
	}
	return nil
}

func stringList(params map[string]any, name string) ([]string, error) {
	v, ok := params[name]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		if ss, ok := v.([]string); ok {
			return ss, nil
		}
		return nil, fmt.Errorf("parameter %s must be a list of strings, not %T", name, v)
	}
	out := make([]string, 0, len(list))
	for _, it := range list {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("parameter %s must be a list of strings; found %v", name, it)
		}
		out = append(out, s)
	}
	return out, nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// jsonText renders a parameter value the way Gatekeeper messages print it.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
