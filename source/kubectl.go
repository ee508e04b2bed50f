package source

import (
	"encoding/json"
	"math"
	"strconv"

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
	// JSON is the value's JSON text (numbers as encoding/json writes them).
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
			return KubectlScalar{Kind: KindString, Str: n.Value, JSON: jsonString(n.Value)}, true
		}
	}
	if n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str" {
		return KubectlScalar{Kind: KindString, Str: n.Value, JSON: jsonString(n.Value)}, true
	}
	return resolve11(n.Value, n.Style&yaml.TaggedStyle != 0, n.Tag), true
}

// resolve11 is go-yaml v2's reading of a plain scalar, or of a tagged one.
func resolve11(s string, tagged bool, tag string) KubectlScalar {
	str := KubectlScalar{Kind: KindString, Str: s, JSON: jsonString(s)}
	if !tagged && !mayBeNonString(s) {
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
		return KubectlScalar{Kind: KindString, Str: t, JSON: jsonString(t)}
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

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
