package source

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxAliasHops bounds alias chains; go-yaml rejects cycles, but a lookup
// must never loop on a tree built by hand.
const maxAliasHops = 64

// Resolve follows aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasHops; i++ {
		n = n.Alias
	}
	return n
}

// Lookup finds key in mapping m as Kubernetes would read it: aliases are
// followed, and keys merged in with `<<` count, an explicit key winning over
// a merged one. It returns the key node and the resolved value node, or nils.
func Lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	return lookup(Resolve(m), key, 0)
}

func lookup(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode || depth > maxAliasHops {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := m.Content[i]
		if kn.Value == key && kn.Tag != "!!merge" {
			return kn, Resolve(m.Content[i+1])
		}
		if kn.Tag == "!!merge" {
			merges = append(merges, m.Content[i+1])
		}
	}
	for _, mv := range merges {
		for _, s := range MergeSources(mv) {
			if k, v := lookup(s, key, depth+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// MergeSources are the maps the value of a merge key (`<<`) names, in the
// order they merge: the value itself (`<<: *a`) or the items of a sequence
// (`<<: [*a, *b]`), each with its alias resolved.
func MergeSources(v *yaml.Node) []*yaml.Node {
	v = Resolve(v)
	if v == nil || v.Kind != yaml.SequenceNode {
		return []*yaml.Node{v}
	}
	out := make([]*yaml.Node, len(v.Content))
	for i, s := range v.Content {
		out[i] = Resolve(s)
	}
	return out
}

// Get is Lookup without the key node.
func Get(m *yaml.Node, key string) *yaml.Node {
	_, v := Lookup(m, key)
	return v
}

// Path looks up a chain of keys.
func Path(m *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		m = Get(m, k)
		if m == nil {
			return nil
		}
	}
	return m
}

// Mapping returns n resolved if it is a mapping, else nil.
func Mapping(n *yaml.Node) *yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// Items returns the resolved elements of a sequence, or nil.
func Items(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = Resolve(c)
	}
	return out
}

// IsNull reports whether n is absent or a YAML null.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// IsEmpty reports a value that the rules read as missing and the fixer
// fills: absent, null, or an empty map or list ({}, []).
func IsEmpty(n *yaml.Node) bool {
	n = Resolve(n)
	if n == nil {
		return true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Tag == "!!null"
	case yaml.MappingNode, yaml.SequenceNode:
		return len(n.Content) == 0
	}
	return false
}

// Str returns a scalar's string value. Numbers and booleans are returned as
// written; ok is false for null and non-scalars.
func Str(n *yaml.Node) (s string, ok bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// Bool reads a boolean the way kubectl's YAML reader (YAML 1.1) does: plain
// yes/no/on/off/y/n count too; a quoted "true" is a string. ok is false when
// n is not a boolean.
func Bool(n *yaml.Node) (b, ok bool) {
	v, ok := Scalar(n)
	if !ok || v.Kind != KindBool {
		return false, false
	}
	return v.Bool, true
}

// Int reads an integer as the API server would after kubectl's conversion
// (see Scalar): 0x3E8 and 1e3 are 1000, a quoted "1000" is no integer. ok
// is false when n is not an integer.
func Int(n *yaml.Node) (v int64, ok bool) {
	s, ok := Scalar(n)
	if !ok || s.Kind != KindNumber {
		return 0, false
	}
	v, err := strconv.ParseInt(s.JSON, 10, 64)
	return v, err == nil
}

// Strings returns the string values of a sequence's scalar items.
func Strings(n *yaml.Node) []string {
	items := Items(n)
	out := make([]string, 0, len(items))
	for _, it := range items {
		if s, ok := Str(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// StringMap returns a mapping of scalars as a Go map (merge keys honoured).
func StringMap(n *yaml.Node) map[string]string {
	m := Mapping(n)
	if m == nil {
		return nil
	}
	out := map[string]string{}
	var walk func(m *yaml.Node, depth int)
	walk = func(m *yaml.Node, depth int) {
		if m == nil || depth > maxAliasHops {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], Resolve(m.Content[i+1])
			if k.Tag == "!!merge" {
				for _, s := range append([]*yaml.Node{v}, Items(v)...) {
					if mm := Mapping(s); mm != nil {
						walk(mm, depth+1)
					}
				}
				continue
			}
			if s, ok := Str(v); ok {
				out[k.Value] = s
			}
		}
	}
	// Explicit keys win over merged ones: walk merges first, then overwrite.
	walk(m, 0)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Tag != "!!merge" {
			if s, ok := Str(m.Content[i+1]); ok {
				out[m.Content[i].Value] = s
			}
		}
	}
	return out
}

// Describe says what a node is as kubectl reads it (see Scalar), for
// messages: "a list", "an integer (5)", "a boolean (yes)", "a string ("x")".
func Describe(n *yaml.Node) string {
	n = Resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		sc, _ := Scalar(n)
		switch sc.Kind {
		case KindNumber:
			if sc.Float {
				return "a number (" + n.Value + ")"
			}
			return "an integer (" + n.Value + ")"
		case KindBool:
			return "a boolean (" + n.Value + ")"
		case KindNull:
			return "null"
		case KindBad:
			return n.Value + ", which is not a JSON number"
		}
		return fmt.Sprintf("a string (%q)", n.Value)
	}
	return "an alias"
}
