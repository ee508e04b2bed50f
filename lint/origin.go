package lint

import (
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file moves the findings of rendered documents (source.Document with
// Origins) to the files a person edits. Rules and suppressions run on the
// rendered tree, as the cluster sees it; only then are positions and
// changes translated, so that every rule stays unaware of rendering.

// relocate rewrites the findings of rendered documents in out: positions
// become those of the origin nodes, changes are re-rooted at the origin
// mappings (or dropped with a note when the origin cannot take them), and
// Doc becomes the origin document the fixer edits.
func relocate(out []Finding) {
	idx := map[*source.Document]map[[2]int]keyValue{}
	for i := range out {
		f := &out[i]
		doc := f.Doc
		if doc == nil || doc.Origins == nil {
			continue
		}
		byPos := idx[doc]
		if byPos == nil {
			byPos = positions(doc.Root)
			idx[doc] = byPos
		}
		relocateOne(f, doc, byPos[[2]int{f.Line, f.Column}])
	}
}

// keyValue is a mapping entry (key set) or a lone node (key nil).
type keyValue struct{ key, value *yaml.Node }

// positions indexes a rendered tree by the 1-based line and column that
// span() reports for its nodes: mapping keys (with their values) first,
// then any other node.
func positions(root *yaml.Node) map[[2]int]keyValue {
	out := map[[2]int]keyValue{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		at := [2]int{n.Line, n.Column}
		if _, ok := out[at]; !ok {
			out[at] = keyValue{value: n}
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				out[[2]int{k.Line, k.Column}] = keyValue{key: k, value: v}
				walk(v)
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return out
}

func relocateOne(f *Finding, doc *source.Document, at keyValue) {
	f.RenderedFrom = doc.Rendered
	f.Doc = nil
	f.ObjectLine, f.ObjectEndLine = 0, 0 // lines of the rendered text, not of File
	node := at.key
	if node == nil {
		node = at.value
	}
	var o source.Origin
	ok := node != nil
	if ok {
		o, ok = doc.Origins.Of(node)
	}
	if !ok {
		// Nothing is known of the node: point at the object's origin.
		o, ok = doc.Origins.Of(doc.Root)
	}
	if !ok {
		f.File = "(rendered) " + doc.Rendered.Dir
		f.Line, f.Column, f.EndLine, f.EndColumn = 0, 0, 0, 0
		f.dropChanges("the object's source is not known")
		return
	}
	f.File = o.Path
	f.Line, f.Column, f.EndLine, f.EndColumn = o.Line, o.Column, o.Line, o.Column+1
	if o.Node != nil && !o.Inherited {
		var value *yaml.Node
		if at.key != nil {
			if vo, vok := doc.Origins.Of(at.value); vok && !vo.Inherited && vo.Doc == o.Doc {
				value = vo.Node
			}
		}
		key := o.Node
		if at.key == nil {
			key, value = nil, o.Node
		}
		f.Line, f.Column, f.EndLine, f.EndColumn = span(key, value)
	}
	if o.Doc != nil {
		f.Doc = o.Doc
	}
	if len(f.Changes) == 0 {
		return
	}
	if o, ok := absentOrigin(doc, f.Changes[0]); ok && o.Line > 0 {
		// A missing field whose map the template prints from a value is
		// reported where it belongs: at that value.
		f.File, f.Line, f.Column, f.EndLine, f.EndColumn = o.Path, o.Line, o.Column, o.Line, o.Column+1
		if o.Doc != nil {
			f.Doc = o.Doc
		}
	}
	changes, target, note := rerootChanges(doc, f.Changes)
	if note != "" {
		if doc.Rendered != nil && doc.Rendered.Kind == "helm" {
			// A template line is named; say what to write under it.
			note += "; the fields: " + describeChanges(f.Changes)
		}
		f.dropChanges(note)
		return
	}
	if at := writtenAlready(doc, changes, target); at != "" {
		f.dropChanges(at)
		return
	}
	f.Changes, f.Doc = changes, target
}

// writtenAlready says where an origin already holds a field that a change
// asks for, when one does: the rendered object lacks the field although
// its source sets it, so the build takes it out (a JSON 6902 patch that
// removes the securityContext, a patch that replaces the list). Writing
// it again would do nothing for this build, and the finding would be
// "fixable" on every run.
func writtenAlready(doc *source.Document, changes []Change, target *source.Document) string {
	why := "a patch or transformer of the kustomization removes or replaces it; change that"
	if doc.Rendered != nil && doc.Rendered.Kind == "helm" {
		why = "the chart's templates do not print it; change them"
	}
	for _, ch := range changes {
		if ch.Append || ch.Token != nil {
			continue
		}
		m := ch.Map
		for i, key := range ch.Path {
			k, v := source.Lookup(source.Mapping(m), key)
			if k == nil || source.IsEmpty(v) {
				break // missing as the rules read it: null, [] or {} (the fixer fills those)
			}
			if i == len(ch.Path)-1 {
				return fmt.Sprintf("%s:%d sets %s, but the built object lacks it: %s", target.File.Path, k.Line, strings.Join(ch.Path, "."), why)
			}
			m = v
		}
	}
	return ""
}

// describeChanges says what changes write, as "a.b: v, c: [1, 2]".
func describeChanges(changes []Change) string {
	parts := make([]string, 0, len(changes))
	for _, ch := range changes {
		v := ch.Value.Value
		if ch.Value.Kind == yaml.SequenceNode {
			items := make([]string, len(ch.Value.Content))
			for i, it := range ch.Value.Content {
				items[i] = it.Value
			}
			v = "[" + strings.Join(items, ", ") + "]"
		}
		parts = append(parts, strings.Join(ch.Path, ".")+": "+v)
	}
	return strings.Join(parts, ", ")
}

// dropChanges makes a finding unfixable with the reason.
func (f *Finding) dropChanges(note string) {
	if f.Fixable && f.FixNote == "" {
		f.FixNote = note
	}
	f.Changes, f.Fixable = nil, false
}

// rerootChanges translates changes planned against the rendered tree into
// changes of one origin document. Each change is re-rooted at the deepest
// mapping on its path that the rendered tree holds, because that is the
// mapping whose origin says where the missing key belongs: a securityContext
// a patch supplied takes the new key in the patch, a container that only the
// base defines takes it in the base. It returns a note instead when an origin
// cannot take the edit or the changes would land in different documents.
func rerootChanges(doc *source.Document, changes []Change) ([]Change, *source.Document, string) {
	var target *source.Document
	out := make([]Change, 0, len(changes))
	for _, ch := range changes {
		m, rest := ch.Map, ch.Path
		for len(rest) > 1 {
			next := source.Mapping(source.Get(m, rest[0]))
			if next == nil {
				break
			}
			m, rest = next, rest[1:]
		}
		if len(rest) > 1 && source.Get(m, rest[0]) == nil {
			if ao, ok := doc.Origins.(source.AbsentOrigins); ok {
				if o, ok := ao.OfAbsent(m, rest[0]); ok {
					// The missing map's fields go into its source (a values
					// map the template prints only when it is not empty).
					if !o.Editable || o.Doc == nil || source.Mapping(o.Node) == nil {
						return nil, nil, noteOf(o, true)
					}
					if target != nil && target != o.Doc {
						return nil, nil, "the fields belong in more than one source file; add them by hand"
					}
					target = o.Doc
					out = append(out, Change{Map: o.Node, Path: underKeys(o, rest[1:]), Value: ch.Value, Append: ch.Append})
					continue
				}
			}
		}
		if ch.Append && len(rest) == 1 {
			// The items join an existing list: the list's origin must be
			// the mapping's document too, or the edit would land elsewhere.
			if seq := source.Get(m, rest[0]); seq != nil {
				so, ok := doc.Origins.Of(seq)
				mo, _ := doc.Origins.Of(m)
				if !ok || !so.Editable || so.Inherited || so.Doc != mo.Doc {
					return nil, nil, noteOf(so, ok)
				}
			}
		}
		o, ok := doc.Origins.Of(m)
		if !ok || !o.Editable || o.Inherited || o.Doc == nil || source.Mapping(o.Node) == nil {
			return nil, nil, noteOf(o, ok)
		}
		if target != nil && target != o.Doc {
			return nil, nil, "the fields belong in more than one source file; add them by hand"
		}
		target = o.Doc
		out = append(out, Change{Map: o.Node, Path: underKeys(o, rest), Value: ch.Value, Append: ch.Append})
	}
	return out, target, ""
}

// underKeys is a change's path below an origin's Node.
func underKeys(o source.Origin, rest []string) []string {
	if len(o.Keys) == 0 {
		return rest
	}
	return append(append([]string{}, o.Keys...), rest...)
}

// absentOrigin is the origin of the first key on a change's path that the
// rendered tree lacks, when the Origins know where such a key belongs.
func absentOrigin(doc *source.Document, ch Change) (source.Origin, bool) {
	ao, ok := doc.Origins.(source.AbsentOrigins)
	if !ok {
		return source.Origin{}, false
	}
	m := ch.Map
	for _, key := range ch.Path {
		next := source.Get(m, key)
		if next == nil {
			return ao.OfAbsent(m, key)
		}
		if m = source.Mapping(next); m == nil {
			break
		}
	}
	return source.Origin{}, false
}

func noteOf(o source.Origin, ok bool) string {
	switch {
	case ok && o.Note != "":
		return o.Note
	case ok && o.Inherited:
		return "the renderer added this part of the object; add the field in " + o.Path
	default:
		return "the rendered object's source cannot take the edit"
	}
}

// suppressInOrigins applies the `# secctx-lint:ignore` comments of origin
// files to the findings moved there: renderers drop comments (kustomize
// does), so the comment a person wrote beside a line of a base or a patch
// is read where they wrote it. The comment covers its line, the line where
// the container starts and the line where the object starts, as in a plain
// file. Unused origin comments are not reported: one render does not see
// every object built from a file.
func suppressInOrigins(out []Finding, st *Stats) []Finding {
	sups := map[*source.File]*suppressor{}
	kept := out[:0]
	for _, f := range out {
		if f.RenderedFrom == nil || f.Doc == nil || !mentionsSuppression(f.Doc.File.Src) {
			kept = append(kept, f)
			continue
		}
		sup := sups[f.Doc.File]
		if sup == nil {
			sup = newSuppressor(f.Doc.File)
			sups[f.Doc.File] = sup
		}
		candidates := sup.byTarget[f.Line]
		if l := f.Doc.Root.Line; l != f.Line {
			candidates = append(candidates[:len(candidates):len(candidates)], sup.byTarget[l]...)
		}
		if ct := containerIn(f.Doc.Root, f.Container); ct != nil && ct.Line != f.Line {
			candidates = append(candidates[:len(candidates):len(candidates)], sup.byTarget[ct.Line]...)
		}
		if silences(candidates, f.Rule) {
			st.Suppressed++
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

// containerIn finds the container named name in the container lists of a
// document (an object or a patch), or nil.
func containerIn(n *yaml.Node, name string) *yaml.Node {
	if n == nil || name == "" {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if k == "containers" || k == "initContainers" || k == "ephemeralContainers" {
				for _, it := range source.Items(v) {
					if s, _ := source.Str(source.Get(it, "name")); s == name {
						return it
					}
				}
			}
			if c := containerIn(v, name); c != nil {
				return c
			}
		}
		return nil
	}
	for _, c := range n.Content {
		if c := containerIn(c, name); c != nil {
			return c
		}
	}
	return nil
}

// RootPodOrigins lists, for the rendered documents of f, the origin
// mappings (the pod spec, its securityContext) of pods in which a container
// runs as root on purpose (runAsUser: 0). Another render built from the same
// source (an overlay without that container) may ask for runAsNonRoot: true
// there; written into the shared source, it would stop this pod from
// starting, so the fixer must leave it out (KeepRootPodsStarting).
func RootPodOrigins(f *source.File, defaultNS string, into map[*yaml.Node]bool) {
	for _, doc := range f.Docs {
		if doc.Origins == nil {
			continue
		}
		for _, p := range Pods(doc, defaultNS) {
			if !someContainerRunsAsRoot(p) {
				continue
			}
			for _, n := range []*yaml.Node{p.Spec, p.PodSC()} {
				if o, ok := doc.Origins.Of(n); n != nil && ok && o.Node != nil && !o.Inherited {
					into[o.Node] = true
				}
			}
		}
	}
}

// KeepRootPodsStarting drops, from findings planned against origin files,
// the runAsNonRoot: true that would land in a mapping of roots (see
// RootPodOrigins), and returns how many it dropped. runAsUser, written with
// it, satisfies the policy alone.
func KeepRootPodsStarting(fs []Finding, roots map[*yaml.Node]bool) int {
	dropped := 0
	for i := range fs {
		f := &fs[i]
		kept := f.Changes[:0]
		for _, ch := range f.Changes {
			if len(ch.Path) > 0 && ch.Path[len(ch.Path)-1] == "runAsNonRoot" && roots[ch.Map] {
				dropped++
				continue
			}
			kept = append(kept, ch)
		}
		f.Changes = kept
		if len(f.Changes) == 0 && f.Fixable {
			f.Fixable = false
			f.FixNote = "another object built from this file runs a container as root; runAsNonRoot: true here would stop it"
		}
	}
	return dropped
}
