package helm

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/secctx-lint/secctx-lint/source"
)

// How a rendered node is traced back to the chart:
//
//   - Values. The chart is rendered a second time with every values map
//     whose path names a security context (podSecurityContext,
//     controller.containerSecurityContext, ...; and the maps inside them)
//     carrying one more key, a marker that names the map's values path.
//     Wherever a template prints such a map (toYaml .Values.x, with
//     .Values.x, a helper that passes it on, omit/merge), the marker comes
//     out inside the rendered map, whatever the template did to get there.
//     The two renders are walked side by side: a rendered map whose twin
//     holds a marker comes from that value, and a key the real render lacks
//     but the twin has with a marker (`{{- with .Values.podSecurityContext }}`
//     over an empty map) belongs in that value. Only security-context maps
//     are marked so that the control flow of the rest of the chart (ranges
//     over maps, `if .Values.x` of other maps) is that of the real render.
//   - Templates. Each template's output lines are aligned with the
//     template's lines (the longest common subsequence of plain lines); a
//     line an action printed belongs to that action's line. A plain block
//     is also parsed from the template with its actions blanked out, so a
//     literal securityContext can take an edit in the template itself.

// markerKey is the key the instrumented render adds to marked maps.
const markerKey = "secctx-lint.io/values-origin"

// securityContextRE selects the values maps that are marked.
var securityContextRE = regexp.MustCompile(`(?i)securitycontext`)

type resolver struct {
	r      *renderer
	stream *stream
	file   *source.File
	// tmpl holds each template's lines, by Helm's name.
	tmpl map[string]*tmplLines
	// alignments caches align() per segment.
	alignments map[*segment][]int
	// marks are the marked values paths, by marker value.
	marks map[string][]string
	// twin holds the instrumented render's documents, by segment.
	twin map[string][]*source.Document
	// valueFiles are the values files in precedence order.
	valueFiles []valuesFile
}

type valuesFile struct {
	path    string
	prefix  []string // where the file's top level sits in the root values
	archive bool
	fetched string // the repository of a subchart folder helm fetches (subchart.fetched)
	file    *source.File
}

func newResolver(r *renderer, s *stream, f *source.File) *resolver {
	res := &resolver{r: r, stream: s, file: f, tmpl: map[string]*tmplLines{}, alignments: map[*segment][]int{}, marks: map[string][]string{}}
	collectTemplates(r.chart, r.chart.Name(), res.tmpl)
	for i := len(r.opt.ValuesFiles) - 1; i >= 0; i-- {
		res.addValues(r.opt.ValuesFiles[i], nil, "")
	}
	res.addChartValues(r.chart, r.dir, nil, r.chart.Name(), false)
	return res
}

func collectTemplates(c *chart.Chart, full string, out map[string]*tmplLines) {
	for _, t := range c.Templates {
		out[path.Join(full, t.Name)] = splitTemplate(t.Data)
	}
	for _, d := range c.Dependencies() {
		collectTemplates(d, path.Join(full, "charts", d.Name()), out)
	}
}

func (res *resolver) addChartValues(c *chart.Chart, dir string, prefix []string, full string, archive bool) {
	if archive {
		res.valueFiles = append(res.valueFiles, valuesFile{path: dir, prefix: prefix, archive: true})
	} else {
		res.addValues(filepath.Join(dir, "values.yaml"), prefix, res.r.subDirs[full].fetched)
	}
	for _, d := range c.Dependencies() {
		p := path.Join(full, "charts", d.Name())
		sub := res.r.subDirs[p]
		res.addChartValues(d, sub.dir, append(append([]string{}, prefix...), d.Name()), p, archive || sub.archive)
	}
}

// addValues reads a values file; fetched names the repository helm
// fetches its chart from again (read for positions and suppression
// comments, not edited), "" for one the user edits.
func (res *resolver) addValues(p string, prefix []string, fetched string) {
	f := res.r.opt.Cache.values(p, res.r.opt.Limits)
	if f == nil || len(f.Docs) == 0 {
		return
	}
	res.valueFiles = append(res.valueFiles, valuesFile{path: p, prefix: prefix, fetched: fetched, file: f})
	res.r.out.OriginFiles[p] = f
}

// instrument renders the chart again with marked security-context maps and
// keeps the documents by template. A chart whose instrumented render fails
// keeps template origins only.
func (res *resolver) instrument(ch *chart.Chart, top common.Values) {
	vals, ok := top["Values"].(common.Values)
	if !ok {
		if m, isMap := top["Values"].(map[string]any); isMap {
			vals = m
		} else {
			return
		}
	}
	marked := res.mark(vals, nil, false)
	if m, ok := marked.(map[string]any); ok {
		res.markAbsent(m)
	}
	twinTop := common.Values{}
	for k, v := range top {
		twinTop[k] = v
	}
	twinTop["Values"] = marked
	files, err := newEngine().Render(ch, twinTop)
	if err != nil {
		return
	}
	res.twin = map[string][]*source.Document{}
	for _, seg := range res.stream.segments {
		f, errs := source.Parse(seg.name, []byte(files[seg.name]), res.r.opt.Limits)
		if len(errs) == 0 {
			res.twin[seg.name] = f.Docs
		}
	}
}

// mark copies a values tree, adding the marker to every map under a
// security-context key.
func (res *resolver) mark(v any, p []string, under bool) any {
	switch m := v.(type) {
	case common.Values:
		return res.mark(map[string]any(m), p, under)
	case map[string]any:
		out := make(map[string]any, len(m)+1)
		for k, c := range m {
			cp := append(append([]string{}, p...), k)
			out[k] = res.mark(c, cp, under || securityContextRE.MatchString(k))
		}
		if under {
			id := fmt.Sprintf("v%d", len(res.marks))
			res.marks[id] = p
			out[markerKey] = id
		}
		return out
	case []any:
		out := make([]any, len(m))
		for i, c := range m {
			out[i] = res.mark(c, p, under)
		}
		return out
	default:
		return v
	}
}

// markAbsent adds to the marked values an empty marked map for each
// security-context value that a template reads and the values leave out
// (`{{- with .Values.podSecurityContext }}` with no podSecurityContext in
// values.yaml, as many charts ship): the instrumented render prints it
// where the template would, so a missing field there belongs in a new key
// of values.yaml (absentValueOrigin), not in the template. Only where the
// value's parent map is there: a new map on the way could change what
// other template conditions see.
func (res *resolver) markAbsent(marked map[string]any) {
	names := make([]string, 0, len(res.tmpl))
	for name := range res.tmpl {
		names = append(names, name)
	}
	sort.Strings(names) // marker ids in a fixed order
	for _, name := range names {
		prefix := valuesPrefix(name)
		for _, line := range res.tmpl[name].text {
			for _, ref := range valuesRefRE.FindAllStringSubmatch(line, -1) {
				p := append(append([]string{}, prefix...), strings.Split(strings.TrimPrefix(ref[1], "."), ".")...)
				last := p[len(p)-1]
				if !strings.HasSuffix(strings.ToLower(last), "securitycontext") {
					continue // not securityContextConstraints, which a chart may test as a flag
				}
				parent := marked
				for _, seg := range p[:len(p)-1] {
					if parent, _ = parent[seg].(map[string]any); parent == nil {
						break
					}
				}
				if parent == nil {
					continue
				}
				if _, there := parent[last]; there {
					continue
				}
				id := fmt.Sprintf("v%d", len(res.marks))
				res.marks[id] = p
				parent[last] = map[string]any{markerKey: id}
			}
		}
	}
}

// absentValueOrigin is where a values path that no values file holds is
// added: in the chart's own values.yaml, below the deepest map on the way
// that it has (the keys after it are written too).
func (res *resolver) absentValueOrigin(p []string) (source.Origin, bool) {
	own := filepath.Join(res.r.dir, "values.yaml")
	for _, vf := range res.valueFiles {
		if vf.path != own || vf.archive || vf.file == nil || vf.file.Broken || len(vf.prefix) != 0 {
			continue
		}
		doc := vf.file.Docs[0]
		m := source.Mapping(doc.Root)
		if m == nil {
			return source.Origin{}, false
		}
		o := source.Origin{Path: vf.path, Doc: doc, Node: m, Editable: true}
		for i, seg := range p {
			k, v := source.Lookup(m, seg)
			if k == nil || source.IsNull(v) {
				o.Node, o.Keys = m, p[i:]
				return o, true
			}
			if m = source.Mapping(v); m == nil {
				return source.Origin{}, false
			}
			o.Line, o.Column = k.Line, k.Column
		}
		return source.Origin{}, false // there after all
	}
	return source.Origin{}, false
}

// docOrigins is the Origins of one rendered document.
type docOrigins struct {
	source.OriginMap
	absent map[*yaml.Node]map[string]source.Origin
}

// OfAbsent says where a key that the rendered mapping lacks belongs: in a
// values map that the template prints there only when it is not empty.
func (o *docOrigins) OfAbsent(parent *yaml.Node, key string) (source.Origin, bool) {
	a, ok := o.absent[parent][key]
	return a, ok
}

func (res *resolver) forDoc(d *source.Document) *docOrigins {
	seg := res.stream.segmentAt(d.Root.Line)
	o := &docOrigins{OriginMap: source.OriginMap{}, absent: map[*yaml.Node]map[string]source.Origin{}}
	if seg == nil {
		return o
	}
	var twin *yaml.Node
	if docs := res.twin[seg.name]; docs != nil {
		if i := res.docIndexInSegment(seg, d); i >= 0 && i < len(docs) && sameObject(docs[i].Root, d.Root) {
			twin = docs[i].Root
		}
	}
	w := &walker{res: res, seg: seg, o: o}
	w.walk(nil, d.Root, twin, nil)
	return o
}

func (res *resolver) docIndexInSegment(seg *segment, d *source.Document) int {
	i := 0
	for _, other := range res.file.Docs {
		if other == d {
			return i
		}
		if res.stream.segmentAt(other.Root.Line) == seg {
			i++
		}
	}
	return -1
}

func sameObject(a, b *yaml.Node) bool {
	for _, k := range []string{"kind", "apiVersion"} {
		x, _ := source.Str(source.Get(a, k))
		y, _ := source.Str(source.Get(b, k))
		if x != y {
			return false
		}
	}
	// Names are not compared: a chart may name objects with randAlphaNum,
	// which differs between the two renders.
	return true
}

type walker struct {
	res *resolver
	seg *segment
	o   *docOrigins
}

// walk records the origin of node n (key k, when n is a mapping value)
// and of everything below it. twin is n's counterpart in the instrumented
// render; vpath the values path n comes from, when it does.
func (w *walker) walk(k, n, twin *yaml.Node, vpath []string) {
	if twin != nil && twin.Kind == yaml.MappingNode {
		if id, ok := source.Str(source.Get(twin, markerKey)); ok {
			if p, known := w.res.marks[id]; known {
				vpath = p
			}
		}
	}
	if vpath != nil {
		if ko, vo, ok := w.res.valueOrigin(vpath); ok {
			if k != nil {
				w.o.OriginMap[k] = ko
			}
			w.o.OriginMap[n] = vo
		} else {
			w.templateOrigin(k, n)
		}
	} else {
		w.templateOrigin(k, n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			ck, cv := n.Content[i], n.Content[i+1]
			var ct *yaml.Node
			if twin != nil {
				ct = source.Get(twin, ck.Value)
			}
			var cp []string
			if vpath != nil {
				cp = append(append([]string{}, vpath...), ck.Value)
			}
			w.walk(ck, cv, ct, cp)
		}
		if twin != nil && twin.Kind == yaml.MappingNode {
			w.absentKeys(n, twin)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			var ct *yaml.Node
			if twin != nil && twin.Kind == yaml.SequenceNode && i < len(twin.Content) {
				ct = twin.Content[i]
			}
			// Items of a values list are not traced item by item.
			w.walk(nil, c, ct, nil)
		}
	}
}

// absentKeys records the keys the instrumented twin has, with a marker,
// that the real render lacks: a values map the template prints only when
// it is not empty.
func (w *walker) absentKeys(n, twin *yaml.Node) {
	for i := 0; i+1 < len(twin.Content); i += 2 {
		key := twin.Content[i].Value
		if key == markerKey || source.Get(n, key) != nil {
			continue
		}
		id, ok := source.Str(source.Get(twin.Content[i+1], markerKey))
		if !ok {
			continue
		}
		p, known := w.res.marks[id]
		if !known {
			continue
		}
		_, vo, ok := w.res.valueOrigin(p)
		if !ok {
			vo, ok = w.res.absentValueOrigin(p)
		}
		if ok {
			if w.o.absent[n] == nil {
				w.o.absent[n] = map[string]source.Origin{}
			}
			w.o.absent[n][key] = vo
		}
	}
}

// valueOrigin finds a values path in the values files, highest precedence
// first, and returns the origins of its key and of its value.
func (res *resolver) valueOrigin(p []string) (key, value source.Origin, ok bool) {
	for _, vf := range res.valueFiles {
		if len(p) < len(vf.prefix) || !equalPrefix(p, vf.prefix) {
			continue
		}
		rest := p[len(vf.prefix):]
		if vf.archive {
			note := fmt.Sprintf("the value %s comes from a chart archive (%s); set it in the parent chart's values instead", strings.Join(p, "."), vf.path)
			o := source.Origin{Path: vf.path, Note: note}
			return o, o, true
		}
		if len(rest) == 0 {
			continue
		}
		doc := vf.file.Docs[0]
		m := doc.Root
		var k, v, parent *yaml.Node
		for _, seg := range rest {
			parent = source.Mapping(m)
			if parent == nil {
				v = nil
				break
			}
			k, v = source.Lookup(parent, seg)
			if v == nil {
				break
			}
			m = v
		}
		if v == nil {
			continue
		}
		key = source.Origin{Path: vf.path, Line: k.Line, Column: k.Column, Doc: doc, Node: k}
		value = source.Origin{Path: vf.path, Line: k.Line, Column: k.Column, Doc: doc, Node: v}
		if (isEmptyMap(v) || source.IsNull(v)) && parent != nil {
			// `podSecurityContext: {}` (comments below it kept): the
			// fixer replaces the token with a block, from the parent.
			value.Node, value.Keys = parent, []string{rest[len(rest)-1]}
		}
		switch {
		case vf.fetched != "":
			value.Note = fmt.Sprintf("the value %s comes from %s, a chart that `helm dependency update` fetches from %s again; set it in the parent chart's values instead", strings.Join(p, "."), vf.path, vf.fetched)
		case source.Mapping(value.Node) != nil && !vf.file.Broken:
			value.Editable = true
		default:
			value.Note = fmt.Sprintf("%s in %s is not a map; write the fields there by hand", strings.Join(p, "."), vf.path)
		}
		return key, value, true
	}
	return source.Origin{}, source.Origin{}, false
}

func equalPrefix(p, prefix []string) bool {
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// templateOrigin records the template line that printed a node.
func (w *walker) templateOrigin(k, n *yaml.Node) {
	at := n
	if k != nil {
		at = k
	}
	o, ok := w.res.templatePos(w.seg, at)
	if !ok {
		return
	}
	if k != nil {
		w.o.OriginMap[k] = o
	}
	vo := o
	switch n.Kind {
	case yaml.MappingNode:
		vo = w.res.templateMap(w.seg, o, k, n)
	case yaml.ScalarNode:
		// `runAsUser: {{ .Values.securityContext.runAsUser }}`: the value
		// (and so the finding) is at that key of the values file.
		if ko, sv, ok := w.res.scalarValue(w.seg, n); ok {
			if k != nil {
				w.o.OriginMap[k] = ko
			}
			vo = sv
		}
	}
	w.o.OriginMap[n] = vo
}

// valuesRefRE finds the values a template line reads.
var valuesRefRE = regexp.MustCompile(`\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)`)

// scalarValue traces a scalar printed by a template line that reads exactly
// one value, when the rendered scalar is that value.
func (res *resolver) scalarValue(seg *segment, n *yaml.Node) (key, value source.Origin, ok bool) {
	lines := res.alignments[seg]
	t := res.tmpl[seg.name]
	j := n.Line - seg.startLine
	if t == nil || j < 0 || j >= len(lines) || t.literal[lines[j]] {
		return key, value, false
	}
	refs := map[string]bool{}
	for _, m := range valuesRefRE.FindAllStringSubmatch(t.text[lines[j]], -1) {
		refs[m[1]] = true
	}
	if len(refs) != 1 {
		return key, value, false
	}
	var ref string
	for r := range refs {
		ref = r
	}
	p := append(valuesPrefix(seg.name), strings.Split(strings.TrimPrefix(ref, "."), ".")...)
	key, value, ok = res.valueOrigin(p)
	if !ok || value.Node == nil || value.Node.Kind != yaml.ScalarNode || value.Node.Value != n.Value {
		return key, value, false
	}
	value.Editable, value.Note = false, ""
	return key, value, true
}

// valuesPrefix is where a (sub)chart's values sit in the root values:
// "web/charts/db/charts/x/templates/a.yaml" reads .Values.db.x.
func valuesPrefix(name string) []string {
	parts := strings.Split(name, "/")
	var out []string
	for i := 1; i+1 < len(parts) && parts[i] == "charts"; i += 2 {
		out = append(out, parts[i+1])
	}
	return out
}

// templatePos is the template position of a rendered node.
func (res *resolver) templatePos(seg *segment, n *yaml.Node) (source.Origin, bool) {
	t := res.tmpl[seg.name]
	if t == nil {
		return source.Origin{}, false
	}
	lines, ok := res.alignments[seg]
	if !ok {
		lines = align(t, strings.Split(strings.TrimSuffix(seg.text, "\n"), "\n"))
		res.alignments[seg] = lines
	}
	j := n.Line - seg.startLine
	if j < 0 || j >= len(lines) {
		return source.Origin{}, false
	}
	i := lines[j]
	col := n.Column
	if !t.literal[i] && t.firstAction[i] >= 0 {
		col = t.firstAction[i] + 1
	}
	p := res.r.filePath(seg.name)
	o := source.Origin{Path: p, Line: i + 1, Column: col}
	sc, inner := res.r.locate(seg.name)
	switch {
	case sc.archive:
		o.Line, o.Column = 0, 0
		o.Note = fmt.Sprintf("the object comes from %s (line %d) inside the chart archive %s; the fixer does not edit archives", inner, i+1, p)
	case sc.fetched != "":
		o.Note = fmt.Sprintf("%s:%d is in a chart that `helm dependency update` fetches from %s again; the fixer does not edit it: set the fields through the parent chart's values, or upstream", p, i+1, sc.fetched)
	case !t.literal[i]:
		o.Note = fmt.Sprintf("%s:%d prints this with a template expression; the fixer edits values files and plain template lines only", p, i+1)
	default:
		o.Note = fmt.Sprintf("%s:%d: the block that starts here holds template actions (expressions or conditions), which the fixer does not edit: add the fields under that line by hand", p, i+1)
	}
	return o, true
}

// templateMap decides whether a rendered mapping that a template printed
// can take an edit in the template: when its key is a plain line, the
// mapping parses from the template with the actions blanked out, it has
// exactly the rendered keys, and no action sits on its lines.
func (res *resolver) templateMap(seg *segment, o source.Origin, k, n *yaml.Node) source.Origin {
	// A sequence item (a container) has no key: it is found by where its
	// first key is, which is where the rendered mapping starts.
	at := n
	if k != nil {
		at = k
	}
	if o.Line == 0 || o.Column != at.Column {
		return o
	}
	t := res.tmpl[seg.name]
	if !t.literal[o.Line-1] {
		return o
	}
	if sc, _ := res.r.locate(seg.name); sc.fetched != "" {
		return o // helm fetches it again: its note says so (templatePos)
	}
	tf := res.templateFile(seg.name)
	if tf == nil {
		return o
	}
	var doc *source.Document
	var tk, tv *yaml.Node
	if k != nil {
		doc, tk, tv = findKey(tf, o.Line, o.Column, k.Value)
	} else {
		doc, tv = findItem(tf, o.Line, o.Column)
		tk = tv
	}
	m := source.Mapping(tv)
	if m == nil && tv != nil && source.IsNull(tv) {
		return o // `securityContext:` with nothing plain below it
	}
	if m == nil || !sameKeys(m, n) {
		return o
	}
	col := tk.Column // past the key: an empty map's lines are deeper
	if len(m.Content) > 0 {
		col = m.Content[0].Column - 1
	}
	last := blockEnd(t, lastLine(m), col)
	for l := tk.Line; l <= last && l <= len(t.literal); l++ {
		if !t.literal[l-1] {
			return o
		}
	}
	o.Doc, o.Node, o.Editable, o.Note = doc, m, true, ""
	return o
}

// templateFile parses a template with its actions blanked out; the file
// keeps the template's own bytes, which the fixer splices into.
func (res *resolver) templateFile(name string) *source.File {
	p := res.r.filePath(name)
	if f, ok := res.r.out.OriginFiles[p]; ok {
		return f
	}
	f := res.r.opt.Cache.template(p, res.r.opt.Limits)
	if f != nil {
		res.r.out.OriginFiles[p] = f
	}
	return f
}

// blockEnd is the last template line of a block whose keys sit at
// column col (0-based), from the last line the blanked-out parse gives
// it: lines indented as far or further belong to it too, an action among
// them (`{{- include "x.containers" . | nindent 8 }}` under containers:)
// included, which the parse, with the action blanked out, does not see.
func blockEnd(t *tmplLines, last, col int) int {
	for l := last + 1; l <= len(t.text); l++ {
		line := t.text[l-1]
		trimmed := strings.TrimLeft(line, " ")
		if strings.TrimSpace(trimmed) == "" {
			continue
		}
		if len(line)-len(trimmed) < col {
			break
		}
		last = l
	}
	return last
}

// findItem finds the mapping that is an item of a sequence and starts at
// line and col (its first key) in the parsed template.
func findItem(f *source.File, line, col int) (*source.Document, *yaml.Node) {
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if found != nil || n == nil {
			return
		}
		for _, c := range n.Content {
			if n.Kind == yaml.SequenceNode && c.Kind == yaml.MappingNode && c.Line == line && c.Column == col {
				found = c
				return
			}
			walk(c)
		}
	}
	for _, d := range f.Docs {
		if walk(d.Root); found != nil {
			return d, found
		}
	}
	return nil, nil
}

func findKey(f *source.File, line, col int, key string) (*source.Document, *yaml.Node, *yaml.Node) {
	var doc *source.Document
	var fk, fv *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if fk != nil || n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if c := n.Content[i]; c.Line == line && c.Column == col && c.Value == key {
					fk, fv = c, n.Content[i+1]
					return
				}
				walk(n.Content[i+1])
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, d := range f.Docs {
		walk(d.Root)
		if fk != nil {
			doc = d
			break
		}
	}
	return doc, fk, fv
}

func sameKeys(a, b *yaml.Node) bool {
	if len(a.Content) != len(b.Content) {
		return false
	}
	for i := 0; i < len(a.Content); i += 2 {
		if source.Get(b, a.Content[i].Value) == nil {
			return false
		}
	}
	return true
}

func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		if cl := lastLine(c); cl > l {
			l = cl
		}
	}
	return l
}

func isEmptyMap(n *yaml.Node) bool {
	m := source.Mapping(n)
	return m != nil && len(m.Content) == 0
}
