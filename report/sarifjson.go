package report

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/secctx-lint/secctx-lint/lint"
)

// appendSarifResult appends res as json.MarshalIndent(res, prefix, "  ")
// writes it, without reflection: SARIF output writes one result per
// finding, and encoding/json's reflection and second indenting pass were
// most of a run on large inputs. TestSarifResultJSON holds it to
// encoding/json byte for byte.
func appendSarifResult(b []byte, res *sarifResult, prefix string) []byte {
	w := indenter{b: b, prefix: prefix}
	w.open('{')
	w.key("ruleId")
	w.str(res.RuleID)
	w.key("ruleIndex")
	w.b = strconv.AppendInt(w.b, int64(res.RuleIndex), 10)
	w.key("level")
	w.str(res.Level)
	w.key("message")
	w.text(res.Message)
	w.key("locations")
	if res.Locations == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.open('[')
		for _, loc := range res.Locations {
			w.item()
			w.location(loc)
		}
		w.close(']')
	}
	w.key("partialFingerprints")
	if res.PartialFingerprints == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.open('{')
		for _, k := range slices.Sorted(maps.Keys(res.PartialFingerprints)) {
			w.key(k)
			w.str(res.PartialFingerprints[k])
		}
		w.close('}')
	}
	if len(res.Properties) > 0 {
		w.key("properties")
		w.open('{')
		for _, k := range slices.Sorted(maps.Keys(res.Properties)) {
			w.key(k)
			w.anyValue(res.Properties[k])
		}
		w.close('}')
	}
	w.close('}')
	return w.b
}

// indenter writes indented JSON as encoding/json's Indent does: an empty
// object or array stays "{}" or "[]", every member on a line of its own.
type indenter struct {
	b      []byte
	prefix string
	// first[i]: nothing written yet in the i-th open container; its
	// length is the depth.
	first []bool
}

func (w *indenter) newline() {
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.prefix...)
	for range w.first {
		w.b = append(w.b, ' ', ' ')
	}
}

func (w *indenter) open(c byte) {
	w.b = append(w.b, c)
	w.first = append(w.first, true)
}

func (w *indenter) close(c byte) {
	empty := w.first[len(w.first)-1]
	w.first = w.first[:len(w.first)-1]
	if !empty {
		w.newline()
	}
	w.b = append(w.b, c)
}

// item starts a member of the open container.
func (w *indenter) item() {
	if !w.first[len(w.first)-1] {
		w.b = append(w.b, ',')
	}
	w.first[len(w.first)-1] = false
	w.newline()
}

func (w *indenter) key(k string) {
	w.item()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':', ' ')
}

func (w *indenter) str(s string) { w.b = appendJSONString(w.b, s) }

func (w *indenter) text(t sarifText) {
	w.open('{')
	w.key("text")
	w.str(t.Text)
	if t.Markdown != "" {
		w.key("markdown")
		w.str(t.Markdown)
	}
	w.close('}')
}

func (w *indenter) location(loc sarifLocation) {
	w.open('{')
	w.key("physicalLocation")
	w.open('{')
	w.key("artifactLocation")
	w.open('{')
	w.key("uri")
	w.str(loc.PhysicalLocation.ArtifactLocation.URI)
	w.close('}')
	if r := loc.PhysicalLocation.Region; r != nil {
		w.key("region")
		w.open('{')
		w.key("startLine")
		w.b = strconv.AppendInt(w.b, int64(r.StartLine), 10)
		for _, f := range []struct {
			name string
			v    int
		}{{"startColumn", r.StartColumn}, {"endLine", r.EndLine}, {"endColumn", r.EndColumn}} {
			if f.v != 0 {
				w.key(f.name)
				w.b = strconv.AppendInt(w.b, int64(f.v), 10)
			}
		}
		w.close('}')
	}
	w.close('}')
	if len(loc.LogicalLocations) > 0 {
		w.key("logicalLocations")
		w.open('[')
		for _, l := range loc.LogicalLocations {
			w.item()
			w.open('{')
			for _, f := range [][2]string{{"name", l.Name}, {"fullyQualifiedName", l.FullyQualifiedName}, {"kind", l.Kind}} {
				if f[1] != "" {
					w.key(f[0])
					w.str(f[1])
				}
			}
			w.close('}')
		}
		w.close(']')
	}
	w.close('}')
}

// anyValue writes the values results' properties hold: strings and
// booleans, by hand; any other scalar through encoding/json.
func (w *indenter) anyValue(v any) {
	switch x := v.(type) {
	case string:
		w.str(x)
	case lint.Certainty:
		w.str(string(x))
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	default:
		out, err := json.Marshal(x)
		if err != nil {
			out = []byte("null")
		}
		w.b = append(w.b, out...)
	}
}
