package fix

import (
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// planAppend appends items to an existing, non-empty sequence.
func (p *planner) planAppend(doc *source.Document, seq *yaml.Node, items []*yaml.Node) {
	if len(items) == 0 {
		return
	}
	p.fields += len(items)
	if seq.Style&yaml.FlowStyle != 0 {
		open, _ := p.skipProps(p.offset(seq))
		close, lastSig, ok := p.matchFlow(open)
		if !ok || p.src[open] != '[' || lastSig == open {
			p.note(seq, "cannot read this flow sequence; not fixed")
			p.fields -= len(items)
			return
		}
		fs := p.flowStyleOf(seq, open, close, lastSig)
		var entries []string
		for _, it := range items {
			entries = append(entries, scalar(it, fs.valQ))
		}
		p.flowEntries(fs, lastSig, entries)
		return
	}
	end, block, ok := p.endLine(seq, seq.Line, seq.Column-1)
	if !ok || (block && end >= p.li.Lines() && !endsWithBreak(p.src)) {
		p.note(seq, "cannot find where this sequence ends; not fixed")
		p.fields -= len(items)
		return
	}
	st := p.style(doc)
	gap := st.seqGap
	if first := seq.Content[0]; first.Anchor == "" && first.Style&yaml.TaggedStyle == 0 && first.Line == seq.Line {
		gap = first.Column - seq.Column - 1
	}
	if gap < 1 { // an empty first item (`-` alone) says nothing
		gap = st.seqGap
	}
	q := byte(0)
	if first := seq.Content[0]; first.Style&yaml.DoubleQuotedStyle != 0 {
		q = '"'
	} else if first.Style&yaml.SingleQuotedStyle != 0 {
		q = '\''
	}
	dash := strings.Repeat(" ", seq.Column-1) + "-" + strings.Repeat(" ", gap)
	var b strings.Builder
	for _, it := range items {
		b.WriteString(dash)
		b.WriteString(scalar(it, q))
		b.WriteString(p.nl)
	}
	p.insertAfterLine(end, b.String(), seq.Column-1)
}

// planReplace writes new content in place of a null value or an empty
// collection: `key: null`, `key: ~`, `key: !!null`, `key:`, `key: {}`,
// `key: []`. Only that token changes; a comment after it stays.
func (p *planner) planReplace(rt *replaceT) {
	v, pv := rt.value, rt.pv
	if pv == nil {
		return
	}
	nFields := 1
	if pv.sub != nil {
		nFields = pv.sub.count()
	}
	fail := func(msg string) {
		p.note(rt.key, "cannot write %s: %s; not fixed", rt.key.Value, msg)
	}
	// Find the token [start, end); empty for `key:` with nothing after it.
	off := p.offset(v)
	start, end := off, off
	empty := v.Kind == yaml.ScalarNode && v.Value == "" && v.Style&yaml.TaggedStyle == 0 && v.Anchor == ""
	if empty {
		if off == 0 || off > len(p.src) || p.src[off-1] != ':' {
			fail("cannot find its value")
			return
		}
	} else {
		content, props := p.skipProps(off)
		start = content
		if v.Style&yaml.TaggedStyle != 0 && props.nullTag < 0 {
			want := "!!map"
			if pv.sub == nil {
				want = "!!seq"
				if pv.leaf.Kind != yaml.SequenceNode {
					want = ""
				}
			}
			if v.Tag != want {
				fail("its tag " + v.Tag + " does not fit the new value")
				return
			}
		}
		switch {
		case content < len(p.src) && (p.src[content] == '{' || p.src[content] == '['):
			c, _, ok := p.matchFlow(content)
			if !ok {
				fail("cannot read its value")
				return
			}
			end = c + 1
		default:
			end = content
			for end < len(p.src) && !isSep(p.src[end]) && p.src[end] != '#' {
				end++
			}
		}
		if end == start {
			// No content token: `key: &a`, `key: !!null # comment`.
			start, end = props.end, props.end
			empty = true
		}
		if props.nullTag >= 0 {
			if end == props.nullEnd {
				empty = false // the tag itself is replaced
			}
			start = props.nullTag
		}
	}
	p.fields += nFields
	st := p.style(rt.doc)
	if rt.owner.Style&yaml.FlowStyle != 0 {
		open, _ := p.skipProps(p.offset(rt.owner))
		close, lastSig, ok := p.matchFlow(open)
		if !ok {
			p.fields -= nFields
			fail("cannot read the map around it")
			return
		}
		fs := p.flowStyleOf(rt.owner, open, close, lastSig)
		fs.indent = rt.key.Column - 1
		text := p.flowValue(fs, pv, fs.indent)
		if empty {
			text = " " + text
		}
		p.edits = append(p.edits, Edit{Start: start, End: end, Text: text, Depth: valueFirst})
		return
	}
	// Block parent. Scalars and sequences go in place of the token, in
	// flow style for sequences (`[2000]`); maps become block maps under
	// the key.
	if pv.sub == nil {
		text := p.flowValue(flowStyle{colon: ": ", comma: ", ", valQ: st.valueQuote}, pv, 0)
		if empty {
			text = " " + text
		}
		p.edits = append(p.edits, Edit{Start: start, End: end, Text: text, Depth: valueFirst})
		return
	}
	// Delete the token and the blanks before it.
	del := start
	for del > 0 && (p.src[del-1] == ' ' || p.src[del-1] == '\t') {
		del--
	}
	if del > 0 && p.src[del-1] != ':' && !(v.Anchor != "" || v.Style&yaml.TaggedStyle != 0) {
		// The token is on a line of its own (`key:\n  ~`): keep the indentation.
		del = start
	}
	if del < end {
		keep := ""
		if end < len(p.src) && p.src[end] == '#' && del > 0 && p.src[del-1] == ':' {
			keep = " " // `key: {}#c`: the comment needs its blank after `key:`
		}
		p.edits = append(p.edits, Edit{Start: del, End: end, Text: keep})
	}
	line := rt.key.Line
	if end > off {
		line = p.lineOf(end - 1)
	}
	indent := rt.key.Column - 1 + st.step
	var b strings.Builder
	q := quoteOf(rt.key)
	if first := rt.owner.Content[0]; first != nil {
		q = quoteOf(first)
	}
	p.blockMap(&b, st, pv.sub, indent, q)
	p.insertAfterLine(line, b.String(), indent)
}

// valueFirst orders a value written after `key:` before entries that a
// flow map gets at the same offset (`{"fsGroup":}` gains a value and
// then `,"runAsGroup":3000`).
const valueFirst = 1 << 30
