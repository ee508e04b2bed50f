package source

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	yaml2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// What the API server receives is not the YAML file: kubectl turns each
// document into JSON with sigs.k8s.io/yaml's YAMLToJSON (no target type),
// which reads scalars with go-yaml v2, a YAML 1.1 reader. So `yes`, `on`
// and `y` are booleans, `0x3E8`, `0777`, `0o17` and `1_000` integers,
// `1e3` the float 1000 (written to JSON as 1000, so an int64 field takes
// it), while a quoted "1000" stays a string that no integer field accepts.
// yaml.v3, which parsed the tree, resolves plain scalars as YAML 1.2, so
// its tags are not what the API server sees: Scalar reads a node the way
// kubectl does, and every typed reading below goes through it.

// ScalarKind is the JSON type kubectl gives a scalar.
type ScalarKind int

// The JSON types of scalars.
const (
	KindString ScalarKind = iota
	KindNull
	KindBool
	KindNumber
	// KindBad is a value that kubectl cannot write as JSON (.inf, .nan).
	KindBad
)

// KubectlScalar is a scalar as kubectl sends it.
type KubectlScalar struct {
	Kind ScalarKind
	// JSON is the JSON text of a number (as encoding/json writes it), a
	// boolean or null; empty for strings, whose value is Str (writing their
	// JSON form for every scalar of every manifest cost an allocation each).
	JSON string
	Bool bool
	// Float: go-yaml v2 read the number as a float (1.0, 1e3).
	Float bool
	// Str is the string value (KindString).
	Str string
}

// Scalar reads a scalar node as kubectl does; ok is false for non-scalars.
func Scalar(n *yaml.Node) (v KubectlScalar, ok bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return v, false
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		// Quoted and block scalars are strings, unless an explicit tag
		// says otherwise (go-yaml v2 honours "!!int '5'").
		if n.Style&yaml.TaggedStyle == 0 || n.Tag == "!!str" {
			return KubectlScalar{Kind: KindString, Str: n.Value}, true
		}
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str" {
		return KubectlScalar{Kind: KindString, Str: n.Value}, true
	}
	return resolve11(n.Value, n.Style&yaml.TaggedStyle != 0, n.Tag), true
}

// resolve11 is go-yaml v2's reading of a plain scalar, or of a tagged one.
func resolve11(s string, tagged bool, tag string) KubectlScalar {
	if !tagged && !mayBeNonString(s) {
		return KubectlScalar{Kind: KindString, Str: s}
	}
	if !tagged && shortcuts && isPlainDecimal(s) {
		// Most numbers in a manifest (ports, replicas, IDs): go-yaml v2
		// reads these as an int and prints them back as written, without
		// the cost of a parser per scalar (kubectl_test.go holds the two
		// together).
		return KubectlScalar{Kind: KindNumber, JSON: s}
	}
	if v := v2Words[s]; !tagged && shortcuts && v != nil {
		return *v // true, false, null and their spellings: the commonest
	}
	str := KubectlScalar{Kind: KindString, Str: s}
	if !tagged && shortcuts && v2String(s) {
		return str
	}
	text := s
	if tagged {
		text = tag + " " + strconv.Quote(s)
	}
	var x any
	if err := yaml2.Unmarshal([]byte(text), &x); err != nil {
		return str
	}
	switch t := x.(type) {
	case nil:
		return KubectlScalar{Kind: KindNull, JSON: "null"}
	case bool:
		return KubectlScalar{Kind: KindBool, Bool: t, JSON: strconv.FormatBool(t)}
	case int:
		return KubectlScalar{Kind: KindNumber, JSON: strconv.Itoa(t)}
	case int64:
		return KubectlScalar{Kind: KindNumber, JSON: strconv.FormatInt(t, 10)}
	case uint64:
		return KubectlScalar{Kind: KindNumber, JSON: strconv.FormatUint(t, 10)}
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return KubectlScalar{Kind: KindBad, JSON: s}
		}
		b, _ := json.Marshal(t)
		return KubectlScalar{Kind: KindNumber, JSON: string(b), Float: true}
	case string:
		return KubectlScalar{Kind: KindString, Str: t}
	}
	return str // a plain scalar that v2 reads as a collection cannot occur
}

// mayBeNonString is a cheap pre-check: go-yaml v2 resolves to a non-string
// only plain scalars that start with one of these bytes (or are empty).
func mayBeNonString(s string) bool {
	if s == "" {
		return true
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '+', c == '-', c == '.', c == '~':
		return true
	case c == 'y', c == 'Y', c == 'n', c == 'N', c == 't', c == 'T', c == 'f', c == 'F', c == 'o', c == 'O':
		return len(s) <= 5
	}
	return false
}

// v2Words are the plain scalars go-yaml v2 resolves by name (its
// resolveMap: booleans, nulls, infinities, NaN, the merge key), with
// what resolve11 makes of the booleans and nulls (the rest goes through
// the parser).
var v2Words = map[string]*KubectlScalar{}

func init() {
	yes := &KubectlScalar{Kind: KindBool, Bool: true, JSON: "true"}
	no := &KubectlScalar{Kind: KindBool, Bool: false, JSON: "false"}
	null := &KubectlScalar{Kind: KindNull, JSON: "null"}
	for words, v := range map[string]*KubectlScalar{
		"y Y yes Yes YES true True TRUE on On ON":                              yes,
		"n N no No NO false False FALSE off Off OFF":                           no,
		"~ null Null NULL":                                                     null,
		".nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF <<": nil,
	} {
		for _, w := range strings.Fields(words) {
			v2Words[w] = v
		}
	}
}

// v2String: go-yaml v2 certainly reads the plain scalar s as the string
// s, found without running its parser. s is made of letters, digits and
// . _ / - only (nothing a parser reads as syntax) and is not one of the
// words v2 resolves by name; then a letter first is a string (v2 looks
// letters up by name only), and a digit or - first is one when s holds a
// byte that no integer, float (v2's pattern) or 0x/0o/0b literal has (a
// timestamp v2 would find is a string to resolve11 too).
func v2String(s string) bool {
	if _, named := v2Words[s]; s == "" || named {
		return false
	}
	numeric := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		case c == 'x' || c == 'X' || c == 'o' || c == 'O' || c == 'b' || c == 'B' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '/':
			numeric = false
		default:
			return false
		}
	}
	switch c := s[0]; {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	case c >= '0' && c <= '9', c == '-':
		return !numeric
	}
	return false
}

// isPlainDecimal: s is 0 or a decimal integer without sign, leading zero,
// underscore or exponent, short enough for an int64.
func isPlainDecimal(s string) bool {
	if s == "0" {
		return true
	}
	if len(s) == 0 || len(s) > 18 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shortcuts switches the fast paths of resolve11; tests turn it off to
// compare with go-yaml v2.
var shortcuts = true
