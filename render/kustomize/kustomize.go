// Package kustomize is the render stage for kustomizations: it builds a
// folder in process as `kustomize build` (and `kubectl kustomize`) would,
// with the same default load restrictions and no network, and hands lint
// the built objects as documents whose nodes resolve to the files a person
// edits: the resource file an object came from, the strategic-merge patch
// that supplied a container or a field. What cannot take an edit (a JSON
// 6902 patch, a generated object, an inline patch) says where to add it.
package kustomize

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/secctx-lint/secctx-lint/internal/parallel"
	"github.com/secctx-lint/secctx-lint/source"
	"github.com/secctx-lint/secctx-lint/walk"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Renderer builds kustomizations. One Renderer serves a whole run: it
// parses every origin file once, so that the same edit planned from two
// overlays of one base lands on the same node and is made once.
type Renderer struct {
	// Dir is the folder paths are reported relative to (the working
	// folder); "" means the working folder.
	Dir string
	// Limits bound each file read.
	Limits source.Limits
	// Overlay holds bytes to build from instead of the disk's, by absolute
	// path: the fixed text, to build again after --fix or for --diff.
	Overlay map[string][]byte

	// openapi: a build whose kustomization sets its own OpenAPI schema
	// (kustomize keeps the schema in a global) runs alone; others share.
	openapi sync.RWMutex

	mu    sync.Mutex
	files map[string]*source.File // parsed origin files by absolute path
	kusts map[string]*kust        // scanned kustomizations by absolute folder
}

// New returns a renderer reporting paths relative to dir ("" for absolute
// paths). A Renderer may build several folders at once.
func New(dir string, lim source.Limits) *Renderer {
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	return &Renderer{Dir: dir, Limits: lim, files: map[string]*source.File{}, kusts: map[string]*kust{}}
}

// display spells an absolute path as reports print it: relative to Dir,
// or absolute when Dir is "" (the user named absolute paths).
func (r *Renderer) display(abs string) string {
	if r.Dir == "" {
		return abs
	}
	if rel, err := filepath.Rel(r.Dir, abs); err == nil {
		return rel
	}
	return abs
}

// abs makes a user's path absolute.
func (r *Renderer) abs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// origin returns the parsed file at abs (nil when it cannot be read),
// reading and parsing it once per run.
func (r *Renderer) origin(abs, display string) *source.File {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.files[abs]; ok {
		return f
	}
	src, ok := r.Overlay[abs]
	if !ok {
		var err error
		if src, err = os.ReadFile(abs); err != nil {
			r.files[abs] = nil
			return nil
		}
	}
	f, _ := source.Parse(display, src, r.Limits)
	r.files[abs] = f
	return f
}

// kustAt scans the kustomization in the absolute folder dir once.
func (r *Renderer) kustAt(dir string) *kust {
	r.mu.Lock()
	k, ok := r.kusts[dir]
	r.mu.Unlock()
	if ok {
		return k
	}
	name := walk.KustomizationFile(dir)
	if name == "" {
		return nil
	}
	k = r.scan(dir, name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if first, ok := r.kusts[dir]; ok {
		return first // scanned at the same time by another build
	}
	r.kusts[dir] = k
	return k
}

// Uses returns the absolute folders of the kustomizations that the one in
// dir uses (resources and components that are folders), directly.
func (r *Renderer) Uses(dir string) []string {
	k := r.kustAt(r.abs(dir))
	if k == nil {
		return nil
	}
	var out []string
	for _, e := range append(append([]entry(nil), k.resources...), k.components...) {
		if e.dir {
			out = append(out, e.abs)
		}
	}
	return out
}

// chain is every kustomization a build reads, with who uses whom.
type chain struct {
	kusts  []*kust
	parent map[*kust]*kust // the kustomization that uses it (the first found)
	comps  map[*kust]bool  // used as a component
}

func (r *Renderer) chainOf(top *kust) *chain {
	c := &chain{parent: map[*kust]*kust{}, comps: map[*kust]bool{}}
	seen := map[*kust]bool{}
	var visit func(k *kust)
	visit = func(k *kust) {
		if k == nil || seen[k] {
			return // kustomize reports cycles itself
		}
		seen[k] = true
		c.kusts = append(c.kusts, k)
		for li, list := range [][]entry{k.resources, k.components} {
			for _, e := range list {
				if !e.dir {
					continue
				}
				sub := r.kustAt(e.abs)
				if sub != nil && c.parent[sub] == nil && sub != top {
					c.parent[sub] = k
					c.comps[sub] = li == 1
				}
				visit(sub)
			}
		}
	}
	visit(top)
	return c
}

// Build builds the kustomization in dir (as the user spelled it).
func (r *Renderer) Build(dir string) *source.Render {
	absDir := r.abs(dir)
	out := &source.Render{OriginFiles: map[string]*source.File{}}
	top := r.kustAt(absDir)
	if top == nil {
		out.Errors = append(out.Errors, &source.Error{Path: dir, Msg: "no kustomization file in this folder"})
		return out
	}
	ch := r.chainOf(top)
	noHelm := map[string]bool{}
	for _, k := range ch.kusts {
		out.Errors = append(out.Errors, k.errs...)
	}
	if len(out.Errors) > 0 {
		return out
	}
	for _, k := range ch.kusts {
		if k.helmCharts != nil {
			// Reported, and left out of the build: the rest is judged.
			noHelm[k.file] = true
			out.Errors = append(out.Errors, r.errorAt(k.file, k.helmCharts, fmt.Sprintf("helmCharts are not rendered by secctx-lint; the rest of the kustomization is judged without them (run `kustomize build --enable-helm %s | secctx-lint -` to judge them)", r.display(top.dir))))
		}
	}
	alone := false
	for _, k := range ch.kusts {
		alone = alone || k.openapi
	}
	if alone {
		r.openapi.Lock()
		defer r.openapi.Unlock()
	} else {
		r.openapi.RLock()
		defer r.openapi.RUnlock()
	}
	fs := &buildFS{FileSystem: filesys.MakeFsOnDisk(), top: top.file, overlay: r.Overlay, noHelm: noHelm}
	opts := krusty.MakeDefaultOptions()
	// kubectl kustomize and kustomize build sort objects in the legacy
	// order unless the kustomization says otherwise (sortOptions).
	opts.Reorder = krusty.ReorderOptionUnspecified
	m, err := krusty.MakeKustomizer(opts).Run(fs, absDir)
	for _, p := range fs.read {
		out.Consumed = append(out.Consumed, p)
	}
	if err != nil {
		out.Errors = append(out.Errors, r.buildError(ch, err))
		return out
	}
	resources := m.Resources()
	origins := make([]*resource.Origin, len(resources))
	for i, res := range resources {
		origins[i], _ = res.GetOrigin()
	}
	if !fs.userOrigins {
		if err := m.RemoveOriginAnnotations(); err != nil {
			out.Errors = append(out.Errors, r.errorAt(top.file, nil, "kustomize: "+err.Error()))
			return out
		}
	}
	var text bytes.Buffer
	for i, res := range resources {
		y, err := res.AsYAML()
		if err != nil {
			out.Errors = append(out.Errors, r.errorAt(top.file, nil, "kustomize: "+err.Error()))
			return out
		}
		if i > 0 {
			text.WriteString("---\n")
		}
		text.Write(y)
	}
	rendered := &source.Rendered{Kind: "kustomize", Dir: r.display(absDir)}
	f, perrs := source.Parse("kustomize build "+rendered.Dir, text.Bytes(), r.Limits)
	out.Errors = append(out.Errors, perrs...)
	out.File = f
	if len(f.Docs) != len(resources) {
		// Every built object is one mapping document; anything else means
		// we cannot pair documents with their origins.
		out.Errors = append(out.Errors, r.errorAt(top.file, nil, fmt.Sprintf("internal: %d objects built, %d documents read back", len(resources), len(f.Docs))))
		return out
	}
	b := &builder{r: r, top: top, ch: ch, out: out}
	for i, doc := range f.Docs {
		doc.Rendered = rendered
		doc.Origins = b.origins(doc, origins[i])
	}
	return out
}

// buildError is kustomize's error as an input error of the kustomization,
// at the entry it names when it names one.
func (r *Renderer) buildError(ch *chain, err error) *source.Error {
	// kustomize's messages quote configurations over several lines.
	msg := strings.Join(strings.Fields(err.Error()), " ")
	for _, k := range ch.kusts {
		for _, list := range [][]entry{k.resources, k.components, k.files} {
			for _, e := range list {
				if strings.Contains(msg, e.value) || strings.Contains(msg, e.abs) {
					return r.errorAt(k.file, e.node, "kustomize build failed: "+r.plain(msg))
				}
			}
		}
		for _, p := range k.patches {
			if p.file != "" && (strings.Contains(msg, p.file) || strings.Contains(msg, `"`+p.rel+`"`) || strings.Contains(msg, "path: "+p.rel)) {
				return r.errorAt(k.file, p.node, "kustomize build failed: "+r.plain(msg))
			}
		}
	}
	return r.errorAt(ch.kusts[0].file, nil, "kustomize build failed: "+r.plain(msg))
}

// plain shortens absolute paths in kustomize's messages to report paths.
func (r *Renderer) plain(msg string) string {
	if r.Dir == "" {
		return msg
	}
	return strings.ReplaceAll(msg, r.Dir+string(filepath.Separator), "")
}

// builder maps the objects of one build to their origins.
type builder struct {
	r   *Renderer
	top *kust
	ch  *chain
	out *source.Render
}

// originFile is r.origin that also records the file among the render's
// origin files.
func (b *builder) originFile(abs string) *source.File {
	f := b.r.origin(abs, b.r.display(abs))
	if f != nil {
		b.out.OriginFiles[f.Path] = f
	}
	return f
}

func (b *builder) origins(doc *source.Document, o *resource.Origin) source.Origins {
	mp := &mapper{m: source.OriginMap{}}
	root := doc.Root
	kind, _ := source.Str(source.Get(root, "kind"))
	name, _ := source.Str(source.Path(root, "metadata", "name"))
	ns, _ := source.Str(source.Path(root, "metadata", "namespace"))
	labels := source.StringMap(source.Path(root, "metadata", "labels"))
	topDisplay := b.r.display(b.top.file)
	switch {
	case o == nil:
		mp.set(root, source.Origin{Path: topDisplay, Note: "kustomize did not say where this object came from; add the fields in its source by hand"}, true)
	case o.Repo != "":
		mp.set(root, source.Origin{Path: o.Repo + "//" + o.Path, Note: "the object comes from the remote base " + o.Repo + "; add the fields in an overlay patch"}, true)
	case o.ConfiguredIn != "":
		in := b.r.abs(filepath.Join(b.top.dir, o.ConfiguredIn))
		mp.set(root, source.Origin{Path: b.r.display(in), Note: fmt.Sprintf("kustomize generated this object (%s in %s); add the fields with a patch", o.ConfiguredBy.Kind, b.r.display(in))}, true)
	default:
		abs := filepath.Join(b.top.dir, o.Path)
		f := b.originFile(abs)
		src := findDoc(f, kind, name)
		if src == nil {
			mp.set(root, source.Origin{Path: b.r.display(abs), Note: "the object was not found in " + b.r.display(abs) + "; add the fields there by hand"}, true)
			break
		}
		mp.walk(root, src.Root, editableIn(src), false, false)
		for _, p := range b.patchesFor(abs) {
			b.applyPatch(mp, root, p, kind, []string{name, str(source.Path(src.Root, "metadata", "name"))}, ns, labels)
		}
	}
	mp.inherit(root, source.Origin{}, false)
	return mp.m
}

func str(n *yaml.Node) string { s, _ := source.Str(n); return s }

// editableIn makes origins of nodes of a parsed YAML document that the
// fixer may edit.
func editableIn(doc *source.Document) originOf {
	return func(n *yaml.Node) source.Origin {
		return source.Origin{Path: doc.File.Path, Line: n.Line, Column: n.Column, Doc: doc, Node: n, Editable: !doc.File.Broken}
	}
}

// findDoc picks the document of f that a built object of kind and name
// came from: the one of that kind whose name the built name contains
// (prefixes and suffixes are added around it), the longest such name
// winning; else the file's only document of that kind.
func findDoc(f *source.File, kind, name string) *source.Document {
	if f == nil {
		return nil
	}
	var best *source.Document
	var sameKind []*source.Document
	bestLen := -1
	for _, d := range f.Docs {
		if k, _ := source.Str(source.Get(d.Root, "kind")); k != kind {
			continue
		}
		sameKind = append(sameKind, d)
		n, _ := source.Str(source.Path(d.Root, "metadata", "name"))
		if strings.Contains(name, n) && len(n) > bestLen {
			best, bestLen = d, len(n)
		}
	}
	if best == nil && len(sameKind) == 1 {
		best = sameKind[0]
	}
	return best
}

// patchesFor lists, in the order kustomize applies them, the patches that
// may have touched an object read from the resource file abs: those of the
// kustomization that lists the file and of every kustomization above it,
// each kustomization's components before its own.
func (b *builder) patchesFor(abs string) []located {
	var owner *kust
	for _, k := range b.ch.kusts {
		for _, e := range k.resources {
			if e.abs == abs {
				owner = k
				break
			}
		}
		if owner != nil {
			break
		}
	}
	var out []located
	for k, guard := owner, 0; k != nil && guard < 64; k, guard = b.ch.parent[k], guard+1 {
		for _, e := range k.components {
			if c := b.r.kustAt(e.abs); c != nil && c != owner {
				for _, p := range c.patches {
					out = append(out, located{p, c})
				}
			}
		}
		if b.ch.comps[k] && k != owner {
			continue // a component's patches were added with its user
		}
		for _, p := range k.patches {
			out = append(out, located{p, k})
		}
	}
	return out
}

// located is a patch with the kustomization that holds it.
type located struct {
	patch
	k *kust
}

// applyPatch maps what patch p supplied of the built object root.
func (b *builder) applyPatch(mp *mapper, root *yaml.Node, p located, kind string, names []string, ns string, labels map[string]string) {
	docs, of, display := b.patchDocs(p)
	for _, pd := range docs {
		pd = source.Resolve(pd)
		if pd == nil {
			continue
		}
		if pd.Kind == yaml.SequenceNode || p.json {
			if p.target != nil && !p.target.matches(kind, names, ns, labels) {
				continue
			}
			b.jsonOps(mp, root, pd, of, display)
			continue
		}
		sel := p.target
		if sel == nil {
			sel = &selector{kind: str(source.Get(pd, "kind")), name: str(source.Path(pd, "metadata", "name"))}
		}
		if !sel.matches(kind, names, ns, labels) {
			continue
		}
		mp.walk(root, pd, of, true, false)
	}
}

// patchDocs reads a patch: its documents, how to make origins of their
// nodes, and the file to name in notes.
func (b *builder) patchDocs(p located) ([]*yaml.Node, originOf, string) {
	if p.file != "" {
		f := b.originFile(p.file)
		if f == nil {
			return nil, nil, ""
		}
		var docs []*yaml.Node
		for _, d := range f.Docs {
			docs = append(docs, d.Root)
		}
		if len(f.Docs) == 0 {
			b.out.OriginFiles[f.Path] = f
			// A JSON 6902 patch is a list, which source.Parse refuses as
			// a manifest; read its nodes for their positions.
			var raw yaml.Node
			if yaml.Unmarshal(f.Src, &raw) == nil && len(raw.Content) > 0 {
				docs = append(docs, raw.Content[0])
			}
		}
		if len(f.Docs) == 1 {
			return docs, editableIn(f.Docs[0]), f.Path
		}
		return docs, func(n *yaml.Node) source.Origin {
			for _, d := range f.Docs {
				if within(d.Root, n) {
					return editableIn(d)(n)
				}
			}
			return source.Origin{Path: f.Path, Line: n.Line, Column: n.Column}
		}, f.Path
	}
	// Inline text: parse it, and shift positions into the kustomization
	// file where the block scalar lets us.
	kf := b.r.display(p.k.file)
	text, _ := source.Str(p.inline)
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(text))
	var docs []*yaml.Node
	for dec.Decode(&doc) == nil {
		if len(doc.Content) > 0 {
			docs = append(docs, doc.Content[0])
		}
		doc = yaml.Node{}
	}
	lineOff, colOff := inlineOffset(p.k.src, p.inline)
	note := fmt.Sprintf("the field comes from an inline patch in %s (line %d); the fixer does not edit inline patches: add it there by hand", kf, p.inline.Line)
	return docs, func(n *yaml.Node) source.Origin {
		o := source.Origin{Path: kf, Line: p.inline.Line, Column: p.inline.Column, Note: note}
		if lineOff > 0 {
			o.Line, o.Column = n.Line+lineOff, n.Column+colOff
		}
		return o
	}, kf
}

// within reports whether n is in the tree below root.
func within(root, n *yaml.Node) bool {
	if root == n {
		return true
	}
	for _, c := range root.Content {
		if within(c, n) {
			return true
		}
	}
	return false
}

// inlineOffset: for a literal or folded block scalar, the line and column
// shift from positions in its text to positions in the file; 0 when the
// text is not a block scalar (then notes point at the scalar).
func inlineOffset(f *source.File, n *yaml.Node) (int, int) {
	if f == nil || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return 0, 0
	}
	li := f.Lines()
	for l := n.Line + 1; l <= li.Lines(); l++ {
		line := li.Line(l)
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return n.Line, len(line) - len(bytes.TrimLeft(line, " "))
	}
	return 0, 0
}

// jsonOps marks what each operation of a JSON 6902 patch wrote as coming
// from the patch, which the fixer does not edit. Positions come from of, which
// knows where the patch's text sits (an inline patch is a block scalar of the
// kustomization: its nodes' own lines count from the scalar's first line).
func (b *builder) jsonOps(mp *mapper, root, ops *yaml.Node, of originOf, display string) {
	for _, op := range source.Items(ops) {
		kind, _ := source.Str(source.Get(op, "op"))
		path, _ := source.Str(source.Get(op, "path"))
		if kind == "remove" || kind == "test" || path == "" {
			continue
		}
		at := op
		if v := source.Get(op, "value"); v != nil {
			at = v
		}
		pos, opPos := of(at), of(op)
		o := source.Origin{Path: pos.Path, Line: pos.Line, Column: pos.Column,
			Note: fmt.Sprintf("%s is set by a JSON 6902 patch (%s:%d, %s %s), which the fixer does not edit; add the fields to that operation's value by hand", path, display, opPos.Line, kind, path)}
		key, value := pointer(root, path)
		if key != nil {
			mp.m[key] = o
		}
		mp.force(value, o)
	}
}

// Roots chooses what to build among the kustomization folders of a walk:
// every one that no other one uses, and those named on the command line.
// A component (kind: Component) is only ever built by the kustomizations
// that use it: alone it patches objects it does not have. Folders are as
// the user spelled them; the order is kept.
func (r *Renderer) Roots(dirs []string, named []bool) []string {
	used := map[string]bool{}
	for _, d := range dirs {
		for _, u := range r.Uses(d) {
			used[u] = true
		}
	}
	var out []string
	for i, d := range dirs {
		if named[i] {
			out = append(out, d)
			continue
		}
		if k := r.kustAt(r.abs(d)); used[r.abs(d)] || (k != nil && k.component) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// Referenced returns the files (absolute) that the kustomization in dir
// lists itself: resources that are files, and patch files. For a component
// that nothing in the walk uses, these are still not plain manifests to
// judge alone: its patches are partial objects, its resources belong to the
// kustomizations that would use it.
func (r *Renderer) Referenced(dir string) []string {
	k := r.kustAt(r.abs(dir))
	if k == nil {
		return nil
	}
	var out []string
	for _, e := range k.resources {
		if !e.dir {
			out = append(out, e.abs)
		}
	}
	for _, p := range k.patches {
		if p.file != "" {
			out = append(out, p.file)
		}
	}
	return append(out, k.file)
}

// BuildAll builds dirs on every core and returns the renders in the order
// of dirs. Origin files are still parsed once and shared.
func (r *Renderer) BuildAll(dirs []string) []*source.Render {
	out := make([]*source.Render, len(dirs))
	parallel.For(len(dirs), runtime.GOMAXPROCS(0), func(i int) { out[i] = r.Build(dirs[i]) })
	return out
}

// SortedConsumed is the union of what renders consumed, sorted.
func SortedConsumed(renders []*source.Render) []string {
	set := map[string]bool{}
	for _, rd := range renders {
		for _, c := range rd.Consumed {
			set[c] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
