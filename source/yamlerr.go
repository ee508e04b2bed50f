package source

import (
	"bytes"
	"reflect"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// go-yaml v3 puts a line in its syntax error messages, but it is the line
// of the construct the parser was in (the context mark: the start of the
// enclosing mapping, 0-based for parser errors), often one or more lines
// above the problem, and no column. The parser does record where the
// problem is (problem_mark) in the Decoder it leaves behind; parserMark
// reads it. The fields are unexported, so this reads them by reflection
// (reading is all reflect allows there); a test pins it to the go-yaml
// version in go.mod, and when the layout changes ok is false and the
// message's own line is used.
//
// A problem found at the end of the input (an unclosed quote or bracket)
// points where it began (the context mark, "while scanning a quoted
// scalar") when the parser names one, else at the end of the last line
// with content: a position past the last line helps no one.
func parserMark(dec *yaml.Decoder, src []byte) (line, col int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v := reflect.ValueOf(dec)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0, 0, false
	}
	p := v.Elem().FieldByName("parser")
	if !p.IsValid() || p.Kind() != reflect.Pointer || p.IsNil() {
		return 0, 0, false
	}
	yp := p.Elem().FieldByName("parser")
	if !yp.IsValid() {
		return 0, 0, false
	}
	mark := yp.FieldByName("problem_mark")
	line, col, ok = markOf(mark)
	if !ok || yp.FieldByName("problem").String() == "" {
		return 0, 0, false // not a syntax error (a limit, a type error)
	}
	src = bytes.TrimRight(src, " \t\r\n")
	last := bytes.Count(src, []byte("\n")) + 1
	lastLine := src[bytes.LastIndexByte(src, '\n')+1:]
	inside := func(line, col int) bool {
		return line < last || (line == last && col <= utf8.RuneCount(lastLine))
	}
	if inside(line, col) {
		return line, col, true
	}
	if cl, cc, cok := markOf(yp.FieldByName("context_mark")); cok && yp.FieldByName("context").String() != "" && inside(cl, cc) {
		return cl, cc, true
	}
	return last, utf8.RuneCount(lastLine) + 1, true
}

// markOf reads a yaml_mark_t as 1-based line and column.
func markOf(mark reflect.Value) (line, col int, ok bool) {
	if !mark.IsValid() {
		return 0, 0, false
	}
	l, c := mark.FieldByName("line"), mark.FieldByName("column")
	if !l.IsValid() || !c.IsValid() || l.Kind() != reflect.Int || c.Kind() != reflect.Int {
		return 0, 0, false
	}
	return int(l.Int()) + 1, int(c.Int()) + 1, true
}
