package fix

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// flowStyle is how one flow collection writes its entries.
type flowStyle struct {
	keyQ, valQ   byte
	colon, comma string
	trailing     bool // KYAML: a comma after every entry
	multiLine    bool
	indent, step int // for multi-line collections
}

// flowStyleOf reads the style of the flow mapping or sequence n whose
// opener is at open, closer at close, last entry ending at lastSig.
func (p *planner) flowStyleOf(n *yaml.Node, open, close, lastSig int) flowStyle {
	fs := flowStyle{colon: ": ", comma: ", "}
	fs.trailing = p.src[lastSig] == ','
	fs.multiLine = p.lineOf(close) != p.lineOf(lastSig)
	var firstKey, firstVal *yaml.Node
	if n.Kind == yaml.MappingNode && len(n.Content) >= 2 {
		firstKey, firstVal = n.Content[0], n.Content[1]
		fs.keyQ = quoteOf(firstKey)
	} else if len(n.Content) > 0 {
		firstVal = n.Content[0]
	}
	// Strings are double-quoted when the collection or its keys quote them.
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			if c.Style&yaml.DoubleQuotedStyle != 0 {
				fs.valQ = '"'
			}
			continue
		}
		if c.Kind == yaml.ScalarNode && c.Tag == "!!str" && c.Style&yaml.DoubleQuotedStyle != 0 {
			fs.valQ = '"'
		}
	}
	// `"a":1` is JSON style; only a quoted key may drop the blank (`a:1` is
	// one plain scalar), and an empty value (`{a:}`) shows no style.
	if firstKey != nil && firstVal != nil && firstVal.Line == firstKey.Line && fs.keyQ != 0 && !isEmptyNull(firstVal) {
		if off := p.offset(firstVal); off > 0 && p.src[off-1] == ':' {
			fs.colon = ":"
		}
	}
	// Compact JSON: no blank after the commas either.
	if len(n.Content) > 0 {
		first := n.Content[0]
		o := p.offset(first)
		compact := o > 0 && o-1 == open && fs.colon == ":"
		if n.Kind == yaml.SequenceNode && o-1 == open && open > 0 && p.src[open-1] == ':' {
			compact = true // `"drop":["NET_ADMIN"]`: compact JSON
		}
		if compact {
			fs.comma = ","
		}
	}
	if fs.multiLine && len(n.Content) > 0 {
		first := n.Content[0]
		fs.indent = first.Column - 1
		fs.step = fs.indent - lineIndent(p.li.Line(p.lineOf(open)))
		if fs.step <= 0 || first.Line == p.lineOf(open) {
			fs.multiLine = false
		}
	}
	return fs
}

// flowValue renders a pending value in flow style. With multi-line set,
// maps are written one entry a line, the closer at indent.
func (p *planner) flowValue(fs flowStyle, v *pval, indent int) string {
	if v.sub != nil {
		var parts []string
		for _, k := range v.sub.keys() {
			parts = append(parts, quoted(k, fs.keyQ)+fs.colon+p.flowValue(fs, v.sub.vals[k], indent+fs.step))
		}
		if fs.multiLine {
			pad := p.nl + strings.Repeat(" ", indent+fs.step)
			end := ""
			if fs.trailing {
				end = ","
			}
			return "{" + pad + strings.Join(parts, ","+pad) + end + p.nl + strings.Repeat(" ", indent) + "}"
		}
		return "{" + strings.Join(parts, fs.comma) + "}"
	}
	if v.leaf.Kind == yaml.SequenceNode {
		var parts []string
		for _, it := range v.leaf.Content {
			parts = append(parts, scalar(it, fs.valQ))
		}
		return "[" + strings.Join(parts, fs.comma) + "]"
	}
	return scalar(v.leaf, fs.valQ)
}

// flowInsert adds the keys of pm to the non-empty flow mapping m.
func (p *planner) flowInsert(st *docStyle, m *yaml.Node, pm *pending) {
	open, _ := p.skipProps(p.offset(m))
	close, lastSig, ok := p.matchFlow(open)
	if !ok || p.src[open] != '{' || lastSig == open {
		p.note(m, "cannot read this flow map; not fixed")
		p.fields -= pm.count()
		return
	}
	fs := p.flowStyleOf(m, open, close, lastSig)
	var entries []string
	for _, k := range pm.keys() {
		entries = append(entries, quoted(k, fs.keyQ)+fs.colon+p.flowValue(fs, pm.vals[k], fs.indent))
	}
	p.flowEntries(fs, lastSig, entries)
}

// flowEntries adds entries after the last entry of a flow collection.
func (p *planner) flowEntries(fs flowStyle, lastSig int, entries []string) {
	if p.endsWithProperty(lastSig) {
		// `{a: ! }` or `{a: &x }`: a comma right after a tag or an anchor
		// would be read as part of it.
		fs.comma = " " + fs.comma
	}
	if !fs.multiLine {
		var text string
		if fs.trailing {
			text = " " + strings.Join(entries, ", ") + ","
		} else {
			text = fs.comma + strings.Join(entries, fs.comma)
		}
		p.edits = append(p.edits, Edit{Start: lastSig + 1, End: lastSig + 1, Text: text})
		return
	}
	// One entry a line, after the last entry's line (and its comment).
	pad := p.nl + strings.Repeat(" ", fs.indent)
	var text string
	if fs.trailing {
		text = pad + strings.Join(entries, ","+pad) + ","
	} else {
		text = pad + strings.Join(entries, ","+pad)
		p.edits = append(p.edits, Edit{Start: lastSig + 1, End: lastSig + 1, Text: strings.TrimRight(fs.comma, " ")})
	}
	end := p.li.LineEnd(p.lineOf(lastSig))
	p.edits = append(p.edits, Edit{Start: end, End: end, Text: text})
}

// endsWithProperty: the token that ends at off is a tag (!t) or an anchor
// (&a) with no content after it.
func (p *planner) endsWithProperty(off int) bool {
	if c := p.src[off]; c == '"' || c == '\'' {
		return false
	}
	i := off
	for i > 0 && !isSep(p.src[i-1]) {
		i--
	}
	return p.src[i] == '!' || p.src[i] == '&'
}

// isEmptyNull: a value written as nothing at all (`a:`), not as null or ~.
func isEmptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == ""
}
