package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file checks a fix independently of the splicer: the decoded result
// must equal the decoded original with the Changes applied to plain Go
// maps, the diff may remove only the token lines the fixer must change, a
// re-lint must find nothing fixable and a second fix must change nothing.

// decodeStream decodes every document of src, empty ones included, the
// way source.Parse counts them.
func decodeStream(src []byte) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []any
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var v any
		if len(n.Content) > 0 {
			if err := n.Content[0].Decode(&v); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
}

type pathElem struct {
	key string
	idx int // -1 for keys
}

// pathsOf lists the paths at which target appears below n, following
// aliases and merge keys as a decoder expands them.
func pathsOf(n, target *yaml.Node, path []pathElem, out *[][]pathElem, depth int) {
	if n == nil || depth > 60 {
		return
	}
	if n.Kind == yaml.AliasNode {
		pathsOf(n.Alias, target, path, out, depth+1)
		return
	}
	if n == target {
		*out = append(*out, append([]pathElem(nil), path...))
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				rv := source.Resolve(v)
				if rv != nil && rv.Kind == yaml.SequenceNode {
					for _, it := range rv.Content {
						pathsOf(it, target, path, out, depth+1)
					}
				} else {
					pathsOf(rv, target, path, out, depth+1)
				}
				continue
			}
			pathsOf(v, target, append(path, pathElem{key: k.Value, idx: -1}), out, depth+1)
		}
	case yaml.SequenceNode:
		for i, it := range n.Content {
			pathsOf(it, target, append(path, pathElem{idx: i}), out, depth+1)
		}
	}
}

func emptyAny(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func nodeIsEmpty(n *yaml.Node) bool {
	n = source.Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") ||
		((n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && len(n.Content) == 0)
}

// applyAny applies a change's remaining path below the decoded map m.
func applyAny(m map[string]any, path []string, value any, appendItems bool) {
	for i, k := range path {
		if i == len(path)-1 {
			cur, ok := m[k]
			switch {
			case !ok || emptyAny(cur):
				m[k] = value
			case appendItems:
				seq, ok1 := cur.([]any)
				add, ok2 := value.([]any)
				if ok1 && ok2 {
					for _, a := range add {
						found := false
						for _, s := range seq {
							found = found || fmt.Sprint(s) == fmt.Sprint(a)
						}
						if !found {
							seq = append(seq, a)
						}
					}
					m[k] = seq
				}
			}
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			if !emptyAny(m[k]) {
				return
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
}

func navigate(v any, path []pathElem) map[string]any {
	for _, e := range path {
		if e.idx >= 0 {
			s, ok := v.([]any)
			if !ok || e.idx >= len(s) {
				return nil
			}
			v = s[e.idx]
		} else {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[e.key]
		}
	}
	m, _ := v.(map[string]any)
	return m
}

// expected builds the decoded original with the fixable Changes applied.
// The physical node each change lands in is found with source.Lookup,
// then the change is applied at every place that node appears.
func expected(tb testing.TB, f *source.File, fs []lint.Finding) []any {
	tb.Helper()
	docs, err := decodeStream(f.Src)
	if err != nil {
		tb.Fatalf("decode original: %v", err)
	}
	applyTokens(tb, docs, fs)
	for _, fd := range fs {
		if !fd.Fixable || fd.Doc == nil {
			continue
		}
		for _, ch := range fd.Changes {
			if ch.Token != nil {
				continue
			}
			m := source.Mapping(ch.Map)
			rest := ch.Path
			for i, k := range ch.Path {
				kn, v := source.Lookup(m, k)
				if kn == nil || nodeIsEmpty(v) || i == len(ch.Path)-1 {
					rest = ch.Path[i:]
					break
				}
				m = source.Mapping(v)
				if m == nil {
					break
				}
			}
			if m == nil {
				continue
			}
			var val any
			if err := ch.Value.Decode(&val); err != nil {
				tb.Fatal(err)
			}
			var paths [][]pathElem
			pathsOf(fd.Doc.Root, m, nil, &paths, 0)
			for _, p := range paths {
				if target := navigate(docs[fd.Doc.Index], p); target != nil {
					applyAny(target, rest, copyAny(val), ch.Append)
				}
			}
		}
	}
	return docs
}

// applyTokens applies the token changes to the decoded documents: renamed
// keys and unquoted values, the deepest first so that the paths, read on
// the original tree, still lead to them.
func applyTokens(tb testing.TB, docs []any, fs []lint.Finding) {
	type op struct {
		doc  int
		path []pathElem
		ch   lint.Change
	}
	var ops []op
	for _, fd := range fs {
		if !fd.Fixable || fd.Doc == nil {
			continue
		}
		for _, ch := range fd.Changes {
			if ch.Token == nil {
				continue
			}
			target := ch.Map
			if target == nil {
				target = ch.Token
			}
			var paths [][]pathElem
			pathsOf(fd.Doc.Root, target, nil, &paths, 0)
			for _, p := range paths {
				ops = append(ops, op{fd.Doc.Index, p, ch})
			}
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return len(ops[i].path) > len(ops[j].path) })
	for _, o := range ops {
		if o.ch.Map != nil {
			if m := navigate(docs[o.doc], o.path); m != nil {
				if v, ok := m[o.ch.Token.Value]; ok {
					delete(m, o.ch.Token.Value)
					m[o.ch.Text] = v
				}
			}
			continue
		}
		var val any
		if err := yaml.Unmarshal([]byte(o.ch.Text), &val); err != nil {
			tb.Fatal(err)
		}
		last := o.path[len(o.path)-1]
		var parent any = docs[o.doc]
		for _, e := range o.path[:len(o.path)-1] {
			if e.idx >= 0 {
				s, _ := parent.([]any)
				if e.idx >= len(s) {
					parent = nil
					break
				}
				parent = s[e.idx]
			} else {
				m, _ := parent.(map[string]any)
				parent = m[e.key]
			}
		}
		switch x := parent.(type) {
		case map[string]any:
			x[last.key] = val
		case []any:
			if last.idx < len(x) {
				x[last.idx] = val
			}
		}
	}
}

func copyAny(v any) any {
	if s, ok := v.([]any); ok {
		return append([]any(nil), s...)
	}
	return v
}

// tokenLine reports a removed line the fixer may change: one holding a
// null, an empty or flow collection (JSON, KYAML) that gets entries.
func tokenLine(line string) bool {
	for _, tok := range []string{"{", "[", "null", "~", "Null", "NULL"} {
		if strings.Contains(line, tok) {
			return true
		}
	}
	return false
}

type checkStats struct {
	fixed, fields, removedToken, removedNoEOL, removedComma int
}

// checkFix verifies one fixed file and returns counts for the log.
func checkFix(t testing.TB, name string, src []byte) (st checkStats) {
	t.Helper()
	f, fs, res, err := fixBytes(t, name, src)
	if err != nil {
		if f.Broken && errors.Is(err, ErrNotWritable) {
			return
		}
		t.Errorf("%s: %v", name, err)
		return
	}
	out := res.Src
	if bytes.Equal(out, src) {
		return
	}
	st.fixed, st.fields = 1, res.Fields
	// (1) Only token lines are removed, and lines whose key or value a
	// token change rewrites.
	rewritten := map[string]bool{}
	srcLines := splitLines(src)
	for _, fd := range fs {
		for _, ch := range fd.Changes {
			if fd.Fixable && ch.Token != nil && ch.Token.Line-1 < len(srcLines) {
				rewritten[strings.TrimRight(srcLines[ch.Token.Line-1], "\r\n")] = true
			}
		}
	}
	ops := diffLines(srcLines, splitLines(out))
	var added []string
	for _, op := range ops {
		if op.kind == '+' {
			added = append(added, strings.TrimRight(op.text, "\r\n"))
		}
	}
	for _, op := range ops {
		if op.kind != '-' {
			continue
		}
		line := strings.TrimRight(op.text, "\r\n")
		switch {
		case !strings.HasSuffix(op.text, "\n"):
			st.removedNoEOL++
		case tokenLine(line) || rewritten[line]:
			st.removedToken++
		case prefixOfAny(line, added):
			st.removedComma++
		default:
			t.Errorf("%s: the fix rewrote the original line %q", name, line)
		}
	}
	// (2) The result is the original plus exactly the Changes.
	want := expected(t, f, fs)
	got, err := decodeStream(out)
	if err != nil {
		t.Errorf("%s: the fixed file does not parse: %v\n%s", name, err, UnifiedDiff(name, src, out))
		return
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: fixed tree differs from the expected one (-want +got):\n%s\n%s", name, d, UnifiedDiff(name, src, out))
	}
	// (3) Nothing fixable is left, (4) a second fix changes nothing.
	f2, fs2, res2, err := fixBytes(t, name, out)
	if err != nil || f2.Broken {
		t.Errorf("%s: re-reading the fixed file: %v", name, err)
		return
	}
	for _, fd := range fs2 {
		if fd.Fixable {
			t.Errorf("%s: still fixable after the fix: %s %s (%s)\n%s", name, fd.Rule, fd.Field, fd.Message, UnifiedDiff(name, src, out))
		}
	}
	if !bytes.Equal(res2.Src, out) {
		t.Errorf("%s: a second fix changed the file:\n%s", name, UnifiedDiff(name, out, res2.Src))
	}
	return st
}

func prefixOfAny(line string, added []string) bool {
	for _, a := range added {
		if strings.HasPrefix(a, line) {
			return true
		}
	}
	return false
}
