package kustomize

import (
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Matching a built object back to its sources: the object is walked in
// step with the resource document it came from, then with each patch that
// applied to it, in the order kustomize applied them. What a source holds
// at the same place is that node's origin, by these rules:
//
//   - a scalar (or a list of scalars, which a patch replaces whole) comes
//     from the last source that wrote it;
//   - a mapping (a container, a securityContext) comes from the first
//     source that has it, because that is where a missing key belongs: a
//     key added in the base shows in every overlay, while a securityContext
//     that only a patch supplies takes the key in the patch;
//   - a mapping a patch replaces ($patch: replace) comes from that patch;
//   - list items are paired by their merge key (name, containerPort,
//     mountPath, devicePath), else by position.

// originOf makes the origin of a source node.
type originOf func(n *yaml.Node) source.Origin

// mapper records origins for one built object.
type mapper struct {
	m source.OriginMap
}

// set records o for rendered node r; force replaces an earlier origin.
func (mp *mapper) set(r *yaml.Node, o source.Origin, force bool) {
	if _, ok := mp.m[r]; ok && !force {
		return
	}
	mp.m[r] = o
}

// walk maps rendered r to source s. patch: s is a patch applied after the
// sources mapped so far (so its scalars win); force: the patch replaced this
// subtree whole.
func (mp *mapper) walk(r, s *yaml.Node, of originOf, patch, force bool) {
	r, s = source.Resolve(r), source.Resolve(s)
	if r == nil || s == nil || r.Kind != s.Kind {
		return
	}
	switch r.Kind {
	case yaml.MappingNode:
		if patch && !force {
			if d, ok := source.Str(source.Get(s, "$patch")); ok && d == "replace" {
				force = true
			}
		}
		mp.set(r, of(s), force)
		for i := 0; i+1 < len(r.Content); i += 2 {
			rk, rv := r.Content[i], r.Content[i+1]
			sk, sv := source.Lookup(s, rk.Value)
			if sk == nil {
				continue
			}
			leaf := isLeaf(source.Resolve(rv))
			mp.set(rk, of(sk), force || (patch && leaf))
			mp.walk(rv, sv, of, patch, force)
		}
	case yaml.SequenceNode:
		leaf := isLeaf(r)
		mp.set(r, of(s), force || (patch && leaf))
		if leaf {
			for i, c := range r.Content {
				if i < len(s.Content) {
					mp.set(c, of(s.Content[i]), true)
				}
			}
			return
		}
		key := mergeKey(s)
		for i, c := range r.Content {
			if sc := pair(c, s, key, i, patch); sc != nil {
				mp.walk(c, sc, of, patch, force)
			}
		}
	default:
		mp.set(r, of(s), force || patch)
	}
}

// isLeaf: a scalar, or a list holding no mapping.
func isLeaf(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	switch n.Kind {
	case yaml.MappingNode:
		return false
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c := source.Resolve(c); c != nil && c.Kind == yaml.MappingNode {
				return false
			}
		}
	}
	return true
}

// mergeKeys are the strategic-merge keys of the pod spec lists that matter
// here, in the order tried.
var mergeKeys = []string{"name", "containerPort", "mountPath", "devicePath"}

// mergeKey is the key every item of seq has, or "".
func mergeKey(seq *yaml.Node) string {
	for _, k := range mergeKeys {
		all := len(seq.Content) > 0
		for _, it := range seq.Content {
			if _, ok := source.Str(source.Get(it, k)); !ok {
				all = false
				break
			}
		}
		if all {
			return k
		}
	}
	return ""
}

// pair finds the item of s that the rendered item c came from: by the
// merge key's value, else (for a resource, whose lists the build keeps in
// order) by position. A patch list without merge keys replaced the list,
// so position is right there too.
func pair(c, s *yaml.Node, key string, i int, patch bool) *yaml.Node {
	if key != "" {
		want, ok := source.Str(source.Get(c, key))
		if !ok {
			return nil
		}
		for _, it := range s.Content {
			if v, _ := source.Str(source.Get(it, key)); v == want {
				return it
			}
		}
		return nil
	}
	if i < len(s.Content) {
		return s.Content[i]
	}
	return nil
}

// inherit gives every rendered node without an origin its nearest
// ancestor's, marked Inherited (kustomize added it: a namespace, labels).
func (mp *mapper) inherit(n *yaml.Node, parent source.Origin, have bool) {
	if n == nil {
		return
	}
	o, ok := mp.m[n]
	switch {
	case ok:
		parent, have = o, true
	case have:
		p := parent
		p.Inherited, p.Editable = true, false
		mp.m[n] = p
	}
	for _, c := range n.Content {
		mp.inherit(c, parent, have)
	}
}

// pointer resolves a JSON pointer (RFC 6901) in the rendered tree: the
// node an operation of a JSON 6902 patch wrote, and its key when it is a
// mapping's value. "-" is the last item (an add appends there).
func pointer(root *yaml.Node, ptr string) (key, value *yaml.Node) {
	if ptr == "" || ptr == "/" {
		return nil, root
	}
	n := root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		n = source.Resolve(n)
		key = nil
		switch {
		case n == nil:
			return nil, nil
		case n.Kind == yaml.MappingNode:
			key, n = source.Lookup(n, tok)
		case n.Kind == yaml.SequenceNode:
			if tok == "-" {
				if len(n.Content) == 0 {
					return nil, nil
				}
				n = n.Content[len(n.Content)-1]
				continue
			}
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil, nil
			}
			n = n.Content[i]
		default:
			return nil, nil
		}
	}
	return key, n
}

// force sets o on n and everything below it.
func (mp *mapper) force(n *yaml.Node, o source.Origin) {
	if n == nil {
		return
	}
	mp.m[n] = o
	for _, c := range n.Content {
		mp.force(c, o)
	}
}
