package fix

import (
	"bytes"

	"github.com/secctx-lint/secctx-lint/lint"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// planToken rewrites one scalar token (lint.Change.Token): a misspelt key
// renamed, a quoted number or boolean written plain. A renamed key is
// recorded so that fields the other findings add to the same map go below
// the renamed key instead of beside it under the right name (which would be
// a duplicate key once the rename lands).
func (p *planner) planToken(ch lint.Change) {
	n := ch.Token
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		p.note(n, "cannot rewrite %s: it carries an anchor or a tag; not fixed", n.Value)
		return
	}
	if p.tokens[n] {
		return // several findings ask for the same token
	}
	start := p.offset(n)
	end := -1
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if e, ok := p.endDouble(start); ok && p.src[start] == '"' {
			end = e + 1
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if e, ok := p.endSingle(start); ok && p.src[start] == '\'' {
			end = e + 1
		}
	case n.Style == 0 && bytes.HasPrefix(p.src[start:], []byte(n.Value)):
		end = start + len(n.Value)
	}
	if end < 0 {
		p.note(n, "cannot find the text of %s; not fixed", n.Value)
		return
	}
	text := ch.Text
	if ch.Map != nil {
		// Only a `key: value` pair is renamed: a key without its colon (a
		// flow entry `{a, b}`, or a plain key that swallowed a colon, as
		// `x:}` does) would need more than a new name for what the other
		// fixes add below it.
		i := end
		for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
			i++
		}
		if i >= len(p.src) || p.src[i] != ':' {
			p.note(n, "cannot rename %s: it is not followed by a colon; not fixed", n.Value)
			return
		}
	}
	if m := ch.Map; m != nil {
		// A key keeps its quotes (JSON files quote every key).
		text = quoted(ch.Text, quoteOf(n))
		if p.renamed[m] == nil {
			put(&p.renamed, m, map[string]*yaml.Node{})
		}
		p.renamed[m][ch.Text] = n
	}
	put(&p.tokens, n, true)
	p.fields++
	p.edits = append(p.edits, Edit{Start: start, End: end, Text: text})
}

// renamedKey finds, in mapping m, the key a planned rename turns into key,
// and its value.
func (p *planner) renamedKey(m *yaml.Node, key string) (k, v *yaml.Node) {
	k = p.renamed[m][key]
	if k == nil {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return k, m.Content[i+1]
		}
	}
	return nil, nil
}
