package fix

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ErrNotWritable is returned for files that are never written: files that
// did not parse, templates, files with duplicate keys (source.File.Broken).
var ErrNotWritable = errors.New("the file is not valid YAML or is a template; it is never written")

// Note tells the user something about the plan: an edit of an anchored map
// that every alias of it sees, or a change that could not be made.
type Note struct {
	Line, Column int
	Msg          string
}

// Plan computes the edits that make the Changes of the fixable findings
// true in f, and the fields they write. Changes are merged per physical
// node: the same field asked for by several findings is written once, and
// all keys added to one map form one insertion, sorted by name.
func Plan(f *source.File, findings []lint.Finding) ([]Edit, []Note, error) {
	p, err := plan(f, findings)
	if err != nil {
		return nil, nil, err
	}
	return p.edits, p.notes, nil
}

// Result is a fixed file.
type Result struct {
	// Src is the fixed bytes (the original when nothing changed).
	Src []byte
	// Edits are the splices that were applied.
	Edits []Edit
	// Notes say what the user should know about the edits.
	Notes []Note
	// Fields counts the values written (keys added, tokens replaced,
	// sequence items appended).
	Fields int
}

// File plans and applies the fixes of one file.
func File(f *source.File, findings []lint.Finding) (*Result, error) {
	p, err := plan(f, findings)
	if err != nil {
		return nil, err
	}
	out, err := Apply(f.Src, p.edits)
	if err != nil {
		return nil, err
	}
	return &Result{Src: out, Edits: p.edits, Notes: p.notes, Fields: p.fields}, nil
}

// Planned gathers the edits of one file as its documents are judged, so
// that a document's tree can go once its edits are planned: the edits,
// notes and field counts of the documents of a plain file, in order, are
// those of planning the file whole, since changes never reach across its
// documents. (Rendered documents, whose edits from several objects may
// meet in one origin file, are planned together: Add them at once.)
type Planned struct {
	Edits  []Edit
	Notes  []Note
	Fields int
}

// Add plans the changes of findings that go to f.
func (pl *Planned) Add(f *source.File, findings []lint.Finding) error {
	p, err := plan(f, findings)
	if err != nil {
		return err
	}
	pl.Edits = append(pl.Edits, p.edits...)
	pl.Notes = append(pl.Notes, p.notes...)
	pl.Fields += p.fields
	return nil
}

// pending is an ordered set of keys to write into one map.
type pending struct {
	vals map[string]*pval
	// refused are keys asked for with different values: never written.
	refused map[string]bool
}

type pval struct {
	leaf *yaml.Node // a scalar or a sequence
	sub  *pending
}

func newPending() *pending { return &pending{vals: map[string]*pval{}} }

func (pm *pending) keys() []string {
	ks := make([]string, 0, len(pm.vals))
	for k := range pm.vals {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// fill records path = value below pm. The same value asked for again (by
// several findings, or by several rendered objects built from one base) is
// written once. Two different values for one key are a conflict: neither is
// written, and fill reports it so that the planner can say so.
func (pm *pending) fill(path []string, value *yaml.Node, set bool) (conflict bool) {
	for i, k := range path {
		if pm.refused[k] {
			return false
		}
		v := pm.vals[k]
		if i == len(path)-1 {
			switch {
			case v == nil:
				pm.vals[k] = &pval{leaf: value}
			case v.leaf != nil && set && v.leaf.Kind == yaml.SequenceNode && value.Kind == yaml.SequenceNode:
				v.leaf = union(v.leaf, value)
			case v.leaf != nil && !sameValue(v.leaf, value):
				delete(pm.vals, k)
				if pm.refused == nil {
					pm.refused = map[string]bool{}
				}
				pm.refused[k] = true
				return true
			}
			return false
		}
		if v == nil {
			v = &pval{sub: newPending()}
			pm.vals[k] = v
		}
		if v.sub == nil {
			return false // a value was asked for here already
		}
		pm = v.sub
	}
	return false
}

// union is the sequence of a's items, then those of b that a lacks.
func union(a, b *yaml.Node) *yaml.Node {
	u := &yaml.Node{Kind: yaml.SequenceNode, Tag: a.Tag, Content: slices.Clone(a.Content)}
	for _, it := range b.Content {
		if !slices.ContainsFunc(u.Content, func(x *yaml.Node) bool { return x.Value == it.Value }) {
			u.Content = append(u.Content, it)
		}
	}
	return u
}

// sameValue compares two values the fixer writes (scalars, or sequences of
// scalars).
func sameValue(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameValue(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// prune drops the maps below pm that end up with nothing to write (a
// conflict refused the only key below them) and says whether pm is empty.
func (pm *pending) prune() bool {
	for k, v := range pm.vals {
		if v.sub != nil && v.sub.prune() {
			delete(pm.vals, k)
		}
	}
	return len(pm.vals) == 0
}

func (pm *pending) count() int {
	n := 0
	for _, v := range pm.vals {
		if v.sub != nil {
			n += v.sub.count()
		} else {
			n++
		}
	}
	return n
}

// replaceT replaces a null or empty value with new content.
type replaceT struct {
	doc   *source.Document
	owner *yaml.Node // the mapping holding key
	key   *yaml.Node
	value *yaml.Node
	pv    *pval
	// refused: the value was asked for with different values, as
	// pending.refused for a missing key; nothing is written.
	refused bool
}

type planner struct {
	scanner
	f       *source.File
	nl      string
	styles  map[*yaml.Node]*docStyle
	inserts map[*yaml.Node]*pending
	insDoc  map[*yaml.Node]*source.Document
	insOrd  []*yaml.Node
	repl    map[*yaml.Node]*replaceT
	replOrd []*yaml.Node
	apps    map[*yaml.Node][]*yaml.Node
	appDoc  map[*yaml.Node]*source.Document
	appOrd  []*yaml.Node
	noted   map[*yaml.Node]bool
	// renamed maps a mapping to the keys planned renames give it (new
	// name → the key node renamed); tokens are the tokens rewritten.
	renamed map[*yaml.Node]map[string]*yaml.Node
	tokens  map[*yaml.Node]bool
	notes   []Note
	edits   []Edit
	fields  int
}

// put sets m[k] = v, making the map first if there is none.
func put[K comparable, V any](m *map[K]V, k K, v V) {
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[k] = v
}

func plan(f *source.File, findings []lint.Finding) (*planner, error) {
	// The maps are made as they are first written (put): plan runs per
	// document, and most documents need few of them or none.
	p := &planner{f: f}
	var any bool
	for i := range findings {
		fd := &findings[i]
		if fd.Fixable && len(fd.Changes) > 0 && fd.Doc != nil && fd.Doc.File == f {
			any = true
		}
	}
	if !any {
		return p, nil
	}
	p.scanner = scanner{src: f.Src, li: f.Lines()}
	p.nl = newline(f.Src)
	if f.Broken {
		return nil, ErrNotWritable
	}
	// Tokens first: the renames they plan change where the other changes go.
	for _, tokens := range []bool{true, false} {
		for i := range findings {
			fd := &findings[i]
			if !fd.Fixable || fd.Doc == nil || fd.Doc.File != f {
				continue
			}
			for _, ch := range fd.Changes {
				switch {
				case tokens && ch.Token != nil:
					p.planToken(ch)
				case !tokens && ch.Token == nil:
					p.add(fd.Doc, ch)
				}
			}
		}
	}
	// A key refused for a conflict leaves the maps asked for on the way to
	// it empty: those are not written either.
	for _, m := range p.insOrd {
		if pm := p.inserts[m]; !pm.prune() {
			p.planInsert(p.insDoc[m], m, pm)
		}
	}
	for _, v := range p.replOrd {
		if rt := p.repl[v]; !rt.refused && (rt.pv == nil || rt.pv.sub == nil || !rt.pv.sub.prune()) {
			p.planReplace(rt)
		}
	}
	for _, s := range p.appOrd {
		p.planAppend(p.appDoc[s], s, p.apps[s])
	}
	sort.SliceStable(p.notes, func(i, j int) bool { return p.notes[i].Line < p.notes[j].Line })
	return p, nil
}

func newline(src []byte) string {
	for i, c := range src {
		if c == '\n' {
			if i > 0 && src[i-1] == '\r' {
				return "\r\n"
			}
			return "\n"
		}
	}
	if strings.IndexByte(string(src), '\r') >= 0 {
		return "\r" // old Mac line breaks
	}
	return "\n"
}

func (p *planner) note(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.notes = append(p.notes, Note{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// noteShared reports once per node that an edit lands in a map that other
// places share through an anchor.
func (p *planner) noteShared(n *yaml.Node, shared bool) {
	if !shared || p.noted[n] {
		return
	}
	put(&p.noted, n, true)
	p.note(n, "edited a map that is shared through an anchor or merge key (<<); every alias of it gets the same fields")
}

// noteConflict says that two findings (usually of two objects rendered from
// one source) asked for different values of one field, so none was written.
func (p *planner) noteConflict(n *yaml.Node, path []string) {
	p.note(n, "not fixed: %s is asked for with different values (by two policies, or by objects built from this file with different settings); set it by hand", strings.Join(path, "."))
}

// physLookup finds key in mapping m as Kubernetes reads it (explicit keys
// win over merged ones) and returns the mapping that physically holds the
// key, the key and its raw value node.
func physLookup(m *yaml.Node, key string, depth int) (owner, k, v *yaml.Node) {
	m = source.Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 64 {
		return nil, nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := m.Content[i]
		if kn.Tag == "!!merge" {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if kn.Value == key {
			return m, kn, m.Content[i+1]
		}
	}
	for _, mv := range merges {
		for _, s := range source.MergeSources(mv) {
			if o, k, v := physLookup(s, key, depth+1); k != nil {
				return o, k, v
			}
		}
	}
	return nil, nil, nil
}

// add records one Change.
func (p *planner) add(doc *source.Document, ch lint.Change) {
	if len(ch.Path) == 0 || ch.Value == nil {
		return
	}
	m := source.Mapping(ch.Map)
	if m == nil {
		p.note(ch.Map, "cannot add %s: the target is not a map", strings.Join(ch.Path, "."))
		return
	}
	shared := ch.Map.Kind == yaml.AliasNode || m.Anchor != ""
	for i, key := range ch.Path {
		last := i == len(ch.Path)-1
		owner, kn, vn := physLookup(m, key, 0)
		if kn == nil {
			if k, v := p.renamedKey(m, key); k != nil {
				owner, kn, vn = m, k, v
			}
		}
		if kn == nil {
			pm := p.inserts[m]
			if pm == nil {
				pm = newPending()
				put(&p.inserts, m, pm)
				put(&p.insDoc, m, doc)
				p.insOrd = append(p.insOrd, m)
			}
			if pm.fill(ch.Path[i:], ch.Value, ch.Set) {
				p.noteConflict(m, ch.Path[i:])
			}
			p.noteShared(m, shared)
			return
		}
		if owner != m {
			shared = true
		}
		rv := source.Resolve(vn)
		if rv == nil {
			return
		}
		if vn.Kind == yaml.AliasNode || rv.Anchor != "" {
			shared = true
		}
		if source.IsEmpty(rv) {
			if vn.Kind == yaml.AliasNode {
				p.note(kn, "cannot write %s: its value is an alias of an empty node", strings.Join(ch.Path, "."))
				return
			}
			rt := p.repl[rv]
			if rt == nil {
				rt = &replaceT{doc: doc, owner: owner, key: kn, value: rv}
				put(&p.repl, rv, rt)
				p.replOrd = append(p.replOrd, rv)
			}
			if last {
				switch {
				case rt.refused:
				case rt.pv == nil:
					rt.pv = &pval{leaf: ch.Value}
				case ch.Set && rt.pv.leaf != nil && rt.pv.leaf.Kind == yaml.SequenceNode && ch.Value.Kind == yaml.SequenceNode:
					rt.pv.leaf = union(rt.pv.leaf, ch.Value)
				case rt.pv.leaf != nil && !sameValue(rt.pv.leaf, ch.Value):
					rt.refused = true
					p.noteConflict(kn, ch.Path[i:])
				}
			} else {
				if rt.pv == nil {
					rt.pv = &pval{sub: newPending()}
				}
				if rt.pv.sub != nil {
					if rt.pv.sub.fill(ch.Path[i+1:], ch.Value, ch.Set) {
						p.noteConflict(kn, ch.Path[i+1:])
					}
				}
			}
			p.noteShared(rv, shared)
			return
		}
		if last {
			if ch.Append && rv.Kind == yaml.SequenceNode && ch.Value.Kind == yaml.SequenceNode {
				p.appendItems(doc, rv, ch.Value.Content)
				p.noteShared(rv, shared)
			}
			return // set already: never overwritten
		}
		next := source.Mapping(rv)
		if next == nil {
			p.note(kn, "cannot add %s: %s is not a map", strings.Join(ch.Path, "."), key)
			return
		}
		m = next
	}
}

func (p *planner) appendItems(doc *source.Document, seq *yaml.Node, items []*yaml.Node) {
	have := map[string]bool{}
	for _, it := range source.Items(seq) {
		if s, ok := source.Str(it); ok {
			have[s] = true
		}
	}
	for _, it := range p.apps[seq] {
		have[it.Value] = true
	}
	for _, it := range items {
		if have[it.Value] {
			continue
		}
		have[it.Value] = true
		if _, ok := p.apps[seq]; !ok {
			p.appOrd = append(p.appOrd, seq)
			put(&p.appDoc, seq, doc)
		}
		put(&p.apps, seq, append(p.apps[seq], it))
	}
}

// insertAfterLine inserts text (lines each ending in a line break) after
// line l. At the end of a file without a final line break, the break goes
// first and the last one is dropped, so the file still ends without one.
func (p *planner) insertAfterLine(l int, text string, depth int) {
	off := p.li.LineStart(l + 1)
	if l+1 > p.li.Lines() {
		off = len(p.src)
		text = p.nl + strings.TrimSuffix(text, p.nl)
	}
	p.edits = append(p.edits, Edit{Start: off, End: off, Text: text, Depth: depth})
}

// planInsert adds the keys of pm to the existing, non-empty mapping m.
func (p *planner) planInsert(doc *source.Document, m *yaml.Node, pm *pending) {
	st := p.style(doc)
	p.fields += pm.count()
	if m.Style&yaml.FlowStyle != 0 {
		p.flowInsert(st, m, pm)
		return
	}
	if len(m.Content) == 0 {
		p.note(m, "cannot add fields to an empty map here")
		p.fields -= pm.count()
		return
	}
	end, block, ok := p.endLine(m, m.Line, m.Column-1)
	if !ok {
		p.note(m, "cannot find the end of this map; not fixed")
		p.fields -= pm.count()
		return
	}
	if block && end >= p.li.Lines() && !endsWithBreak(p.src) {
		p.note(m, "a block scalar runs to the end of the file without a line break; adding keys after it would change it, not fixed")
		p.fields -= pm.count()
		return
	}
	first := m.Content[0]
	if off := p.offset(first); isEmptyNull(first) || off < len(p.src) && p.src[off] == '?' {
		// `? key` explicit keys, or an empty key: no column to align to.
		p.note(m, "this map uses explicit (?) or empty keys; not fixed")
		p.fields -= pm.count()
		return
	}
	indent := first.Column - 1
	// Comments right after the map's last value and indented deeper than
	// its keys belong to that value (a commented-out field of the last
	// container), and so do commented-out items (`# - --b`) after a last
	// value that is a sequence, at the keys' indentation where the dashes
	// are: the new keys go after them, or uncommenting them later would
	// put the items under the wrong key.
	lastSeq := source.Resolve(m.Content[len(m.Content)-1]).Kind == yaml.SequenceNode
	for l := end + 1; l <= p.li.Lines(); l++ {
		t := p.li.Line(l)
		if !isCommentLine(t) || (lineIndent(t) <= indent && !(lastSeq && lineIndent(t) == indent && commentedItem(t))) {
			break
		}
		end = l
	}
	q := quoteOf(first)
	var b strings.Builder
	p.blockMap(&b, st, pm, indent, q)
	p.insertAfterLine(end, b.String(), indent)
}

// commentedItem: a comment line that holds a sequence item (`# - x`).
func commentedItem(line []byte) bool {
	t := bytes.TrimLeft(bytes.TrimLeft(line, " \t")[1:], " \t")
	return len(t) > 0 && t[0] == '-' && (len(t) == 1 || t[1] == ' ' || t[1] == '\t' || t[1] == '\r' || t[1] == '\n')
}

func endsWithBreak(src []byte) bool {
	return len(src) > 0 && (src[len(src)-1] == '\n' || src[len(src)-1] == '\r')
}

func quoteOf(k *yaml.Node) byte {
	switch {
	case k.Style&yaml.DoubleQuotedStyle != 0:
		return '"'
	case k.Style&yaml.SingleQuotedStyle != 0:
		return '\''
	}
	return 0
}

func quoted(s string, q byte) string {
	switch q {
	case '"':
		return strconv.Quote(s)
	case '\'':
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// scalar renders a leaf value; strings are quoted as q asks, or when they
// would not read back as the same string.
func scalar(n *yaml.Node, q byte) string {
	if n.Tag == "!!str" {
		if q == 0 && !plainSafe(n.Value) {
			q = '"'
		}
		return quoted(n.Value, q)
	}
	return n.Value
}

func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		return false
	}
	return true
}

// blockMap writes pm as block-style lines at indent.
func (p *planner) blockMap(b *strings.Builder, st *docStyle, pm *pending, indent int, q byte) {
	pad := strings.Repeat(" ", indent)
	for _, k := range pm.keys() {
		v := pm.vals[k]
		b.WriteString(pad)
		b.WriteString(quoted(k, q))
		b.WriteString(":")
		p.blockValue(b, st, v, indent, q)
	}
}

// blockValue writes what follows "key:" for a key at indent.
func (p *planner) blockValue(b *strings.Builder, st *docStyle, v *pval, indent int, q byte) {
	switch {
	case v.sub != nil:
		b.WriteString(p.nl)
		p.blockMap(b, st, v.sub, indent+st.step, q)
	case v.leaf.Kind == yaml.SequenceNode:
		b.WriteString(p.nl)
		dash := strings.Repeat(" ", indent+st.seqOffset) + "-" + strings.Repeat(" ", st.seqGap)
		for _, it := range v.leaf.Content {
			b.WriteString(dash)
			b.WriteString(scalar(it, st.valueQuote))
			b.WriteString(p.nl)
		}
	default:
		b.WriteString(" ")
		b.WriteString(scalar(v.leaf, st.valueQuote))
		b.WriteString(p.nl)
	}
}
