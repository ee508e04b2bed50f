package apitype

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/secctx-lint/secctx-lint/source"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Problem is one field the API server refuses.
type Problem struct {
	// Key is the field's key node (nil for a list item); Value its value;
	// Parent the mapping that holds Key.
	Key, Value, Parent *yaml.Node
	// Field is the dotted path, prefixed with the path given to Check.
	Field string
	Msg   string
	// Unknown: the key names no field of the object.
	Unknown bool
	// Suggest lists the closest known field names (empty: none is close).
	Suggest []string
	// Rename is the one field an unknown key surely means: the only
	// closest known field, absent from the map, and no other unknown key
	// of the map is closest to it. Empty otherwise.
	Rename string
	// Plain is the text a quoted value should be written as, when the
	// quotes are all that is wrong ("1000" for an int64 field is 1000).
	Plain string
	// Merged: the key comes from a merge (<<) of an anchored map, which
	// other objects may share.
	Merged bool
}

// Check walks n as the JSON form of a value of Go type t and returns what
// the API server would refuse. path prefixes every Field.
func Check(n *yaml.Node, t reflect.Type, path string) []Problem {
	c := &checker{base: path}
	c.value(nil, n, schemaOf(t), false)
	return c.out
}

// CheckEmbedded is Check for a value that a custom resource embeds (the
// pod template of a Knative Service, an Argo Rollout, a CloneSet): the
// API server validates the object against the CRD's schema, not the
// Kubernetes type, and CRDs add fields of their own beside the pod spec's
// (Knative's containerConcurrency) or keep unknown ones, so a key the type
// lacks is no problem, nor is anything below it. A value of the wrong type
// for a field the type has is one: whoever reads the template as a pod
// spec, the CRD's schema, a webhook or the controller that makes the Pod,
// refuses it, and no Pod is made.
func CheckEmbedded(n *yaml.Node, t reflect.Type, path string) []Problem {
	c := &checker{base: path, embedded: true}
	c.value(nil, n, schemaOf(t), false)
	return c.out
}

type checker struct {
	out []Problem
	// The path of the value being checked is base and segs, spelled out
	// only for a problem: most values have none.
	base string
	segs []segment
	// ents holds the entries of the mappings being walked, outermost
	// first, so that a mapping's entries cost no allocation of their own.
	ents []entry
	// seen holds the anchored nodes already checked against a schema: an
	// alias repeats its anchor's problems at the anchor's position, and
	// aliases of aliases would multiply the walk.
	seen map[anchored]bool
	// embedded: CheckEmbedded's reading (unknown keys are skipped).
	embedded bool
}

type anchored struct {
	n *yaml.Node
	s *schema
}

// maxDepth bounds the walk on hand-made or hostile trees; a pod spec is
// about 12 levels deep.
const maxDepth = 64

// segment is one step of a path: a key, or a list index when index >= 0.
type segment struct {
	name  string
	index int
}

func (c *checker) push(name string, index int) { c.segs = append(c.segs, segment{name, index}) }
func (c *checker) pop()                        { c.segs = c.segs[:len(c.segs)-1] }

// path spells out the current path: keys joined with dots, list indexes
// in brackets.
func (c *checker) path() string {
	b := []byte(c.base)
	for _, sg := range c.segs {
		if sg.index >= 0 {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(sg.index), 10)
			b = append(b, ']')
			continue
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, sg.name...)
	}
	return string(b)
}

func (c *checker) value(key, n *yaml.Node, s *schema, merged bool) {
	n = source.Resolve(n)
	// segs holds one segment per container entered: its length is the
	// depth of n.
	if n == nil || len(c.segs) > maxDepth {
		return
	}
	if n.Anchor != "" {
		if c.seen == nil {
			c.seen = map[anchored]bool{}
		}
		if c.seen[anchored{n, s}] {
			return
		}
		c.seen[anchored{n, s}] = true
	}
	if sc, ok := source.Scalar(n); ok && sc.Kind == source.KindNull {
		return // null is every field's zero value
	}
	bad := func(want string) {
		path := c.path()
		refused := "the API server refuses the object"
		if c.embedded {
			refused = "the custom resource's schema, webhook or controller refuses it as a pod spec value, and no Pod is made"
		}
		p := Problem{Key: key, Value: n, Field: path, Merged: merged,
			Msg: fmt.Sprintf("%s must be %s, not %s; %s", lastName(path), want, source.Describe(n), refused)}
		p.Plain = unquoted(n, s)
		c.out = append(c.out, p)
	}
	switch s.kind {
	case kAny:
	case kObject, kMap:
		if n.Kind != yaml.MappingNode {
			bad(want(s))
			return
		}
		c.mapping(n, s)
	case kList:
		if n.Kind != yaml.SequenceNode {
			bad(want(s))
			return
		}
		for i, it := range n.Content {
			c.push("", i)
			c.value(nil, it, s.elem, merged)
			c.pop()
		}
	default:
		if !scalarFits(n, s) {
			bad(want(s))
		}
	}
}

// entry is one key of a mapping as the API server sees it, merges applied.
type entry struct {
	key, value *yaml.Node
	name       string
	merged     bool
}

// entries lists a mapping's keys as go-yaml v2 (and so kubectl) reads
// them: explicit keys win over merged ones, the first merged source wins.
func entries(out []entry, m *yaml.Node) []entry {
	if !hasMerge(m) {
		// Keys are unique (source refuses duplicates): no bookkeeping.
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			out = append(out, entry{key: k, value: m.Content[i+1], name: keyName(k)})
		}
		return out
	}
	seen := map[string]bool{}
	// Each merged map is read once: `<<: [*a, *a]` chains would otherwise
	// be walked exponentially often.
	visited := map[*yaml.Node]bool{}
	var walk func(m *yaml.Node, merged bool, depth int)
	walk = func(m *yaml.Node, merged bool, depth int) {
		if m == nil || m.Kind != yaml.MappingNode || depth > maxDepth || visited[m] {
			return
		}
		visited[m] = true
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if k.Tag == "!!merge" {
				merges = append(merges, m.Content[i+1])
				continue
			}
			name := keyName(k)
			if seen[name] {
				continue
			}
			seen[name] = true
			out = append(out, entry{key: k, value: m.Content[i+1], name: name, merged: merged})
		}
		for _, mv := range merges {
			for _, s := range source.MergeSources(mv) {
				walk(s, true, depth+1)
			}
		}
	}
	walk(m, false, 0)
	return out
}

func hasMerge(m *yaml.Node) bool {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Tag == "!!merge" {
			return true
		}
	}
	return false
}

// keyName is a key as JSON gets it: sigs.k8s.io/yaml writes non-string
// keys as their text (`yes:` becomes "true").
func keyName(k *yaml.Node) string {
	sc, ok := source.Scalar(k)
	if !ok {
		return k.Value
	}
	switch sc.Kind {
	case source.KindString:
		return sc.Str
	case source.KindNull:
		return k.Value
	}
	return sc.JSON
}

func (c *checker) mapping(m *yaml.Node, s *schema) {
	// This mapping's entries are c.ents[from:to]; the mappings below
	// append theirs after and cut them off again, so the range holds.
	from := len(c.ents)
	c.ents = entries(c.ents, m)
	to := len(c.ents)
	defer func() { c.ents = c.ents[:from] }()
	if s.kind == kMap {
		for i := from; i < to; i++ {
			e := c.ents[i]
			c.push(e.key.Value, -1)
			c.value(e.key, e.value, s.elem, e.merged)
			c.pop()
		}
		return
	}
	present := func(name string) bool {
		for _, e := range c.ents[from:to] {
			if e.name == name {
				return true
			}
		}
		return false
	}
	first := len(c.out)
	for i := from; i < to; i++ {
		e := c.ents[i]
		fs := s.fields[e.name]
		if fs != nil {
			c.push(e.key.Value, -1)
			c.value(e.key, e.value, fs, e.merged)
			c.pop()
			continue
		}
		if c.embedded {
			continue
		}
		c.push(e.key.Value, -1)
		field := c.path()
		c.pop()
		p := Problem{Key: e.key, Value: source.Resolve(e.value), Parent: m, Field: field, Unknown: true, Merged: e.merged}
		p.Suggest = Closest(e.name, s.names)
		p.Msg = fmt.Sprintf("unknown field %q in %s (Kubernetes %s API)", e.key.Value, s.name, APIVersion)
		if e.name != e.key.Value {
			p.Msg = fmt.Sprintf("unknown field %q (which kubectl's YAML 1.1 reader turns into %q) in %s (Kubernetes %s API)", e.key.Value, e.name, s.name, APIVersion)
		}
		if len(p.Suggest) > 0 {
			p.Msg += fmt.Sprintf(" (did you mean %s?)", quoteList(p.Suggest))
			if len(p.Suggest) == 1 && !present(p.Suggest[0]) && !e.merged {
				p.Rename = p.Suggest[0]
			}
		}
		p.Msg += "; the API server's strict field validation refuses the object"
		c.out = append(c.out, p)
		if len(p.Suggest) == 1 {
			// What is below a misspelt key is checked as what it will
			// be once renamed, so that its own typos are found (and
			// fixed) in the same run.
			c.push(p.Suggest[0], -1)
			c.value(e.key, e.value, s.fields[p.Suggest[0]], e.merged)
			c.pop()
		}
	}
	// Two unknown keys of this map closest to the same field: which one is
	// meant is a guess, so neither is renamed. (c.out[first:] also holds
	// the problems of the maps below this one, whose keys are not rivals:
	// the same typo in two containers is two renames.)
	targets := map[string]int{}
	for _, p := range c.out[first:] {
		if p.Rename != "" && p.Parent == m {
			targets[p.Rename]++
		}
	}
	for i := first; i < len(c.out); i++ {
		if r := c.out[i].Rename; r != "" && c.out[i].Parent == m && targets[r] > 1 {
			c.out[i].Rename = ""
		}
	}
}

func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// scalarFits reports whether a scalar value decodes into a field of s.
func scalarFits(n *yaml.Node, s *schema) bool {
	sc, ok := source.Scalar(n)
	if !ok {
		return false
	}
	switch s.kind {
	case kString:
		return sc.Kind == source.KindString
	case kBool:
		return sc.Kind == source.KindBool
	case kInt:
		_, err := strconv.ParseInt(sc.JSON, 10, s.bits)
		return sc.Kind == source.KindNumber && err == nil
	case kUint:
		_, err := strconv.ParseUint(sc.JSON, 10, s.bits)
		return sc.Kind == source.KindNumber && err == nil
	case kFloat:
		return sc.Kind == source.KindNumber
	case kQuantity:
		switch sc.Kind {
		case source.KindString:
			_, err := resource.ParseQuantity(sc.Str)
			return err == nil
		case source.KindNumber:
			_, err := resource.ParseQuantity(sc.JSON)
			return err == nil
		}
		return false
	case kIntOrString:
		if sc.Kind == source.KindString {
			return true
		}
		_, err := strconv.ParseInt(sc.JSON, 10, 32)
		return sc.Kind == source.KindNumber && err == nil
	case kTime:
		if sc.Kind != source.KindString {
			return false
		}
		_, err := time.Parse(time.RFC3339, sc.Str)
		return err == nil
	case kBytes:
		if sc.Kind != source.KindString {
			return false
		}
		_, err := base64.StdEncoding.DecodeString(sc.Str)
		return err == nil
	}
	return false
}

var decimalRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// unquoted gives the plain text for a quoted scalar whose text has one
// meaning as the field's type: a decimal integer in range, or true/false.
// Anything else ("0777", "yes", "1e3") is left to the author.
func unquoted(n *yaml.Node, s *schema) string {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 || n.Style&yaml.TaggedStyle != 0 {
		return ""
	}
	v := n.Value
	switch s.kind {
	case kBool:
		if v == "true" || v == "false" {
			return v
		}
	case kInt, kUint, kFloat:
		if !decimalRE.MatchString(v) {
			return ""
		}
		plain := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if scalarFits(plain, s) {
			return v
		}
	}
	return ""
}

// want says what a field of s takes, for messages.
func want(s *schema) string {
	switch s.kind {
	case kObject:
		return "a mapping (" + s.name + ")"
	case kMap:
		return "a mapping of " + plural(s.elem)
	case kList:
		return "a list of " + plural(s.elem)
	case kString:
		return "a string"
	case kBool:
		return "a boolean (true or false)"
	case kInt, kUint:
		t := "int"
		if s.kind == kUint {
			t = "uint"
		}
		return fmt.Sprintf("an integer (%s%d)", t, s.bits)
	case kFloat:
		return "a number"
	case kQuantity:
		return "a quantity (a number, or a string such as \"500m\" or \"1Gi\")"
	case kIntOrString:
		return "an integer (int32) or a string"
	case kTime:
		return "an RFC 3339 time string"
	case kBytes:
		return "a base64 string"
	}
	return "a value"
}

func plural(s *schema) string {
	switch s.kind {
	case kObject:
		return "mappings (" + s.name + ")"
	case kString:
		return "strings"
	case kInt, kUint:
		return "integers"
	case kBool:
		return "booleans"
	}
	return strings.TrimPrefix(strings.TrimPrefix(want(s), "an "), "a ") + " values"
}

// Closest lists the known names nearest to name: a difference of case only
// first, else the names at the smallest edit distance within a bound that
// grows with the name's length.
func Closest(name string, known []string) []string {
	lower := strings.ToLower(name)
	var out []string
	for _, k := range known {
		if strings.ToLower(k) == lower {
			out = append(out, k)
		}
	}
	if len(out) > 0 {
		return out
	}
	limit := 1
	if len(name) >= 6 {
		limit = 2
	}
	if len(name) >= 12 {
		limit = 3
	}
	best := limit + 1
	for _, k := range known {
		d := EditDistance(lower, strings.ToLower(k))
		switch {
		case d < best:
			best, out = d, []string{k}
		case d == best && d <= limit:
			out = append(out, k)
		}
	}
	return out
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, " or ")
}

// EditDistance is the Levenshtein distance of two short strings.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
