package fix

import (
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// docStyle is how a document writes block collections, each taken as the
// most common value in the document.
type docStyle struct {
	step       int  // mapping indentation step
	seqOffset  int  // dash column minus the key's column (0: compact)
	seqGap     int  // spaces between the dash and the item
	valueQuote byte // quote for new string values in block style
}

func (p *planner) style(doc *source.Document) *docStyle {
	if st := p.styles[doc.Root]; st != nil {
		return st
	}
	// Votes per width; every width counted is at most 8.
	var steps, offs, gaps [9]int
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 200 || n.Style&yaml.FlowStyle != 0 {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line:
					if d := v.Content[0].Column - k.Column; d > 0 && d <= 8 {
						steps[d]++
					}
				case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Line > k.Line:
					if d := v.Column - k.Column; d >= 0 && d <= 8 {
						offs[d]++
					}
				}
				walk(v, depth+1)
			}
		case yaml.SequenceNode:
			for _, it := range n.Content {
				// Anchors and tags sit between the dash and the item.
				if it.Kind != yaml.AliasNode && it.Anchor == "" && it.Style&yaml.TaggedStyle == 0 {
					if g := it.Column - n.Column - 1; g >= 1 && g <= 8 {
						gaps[g]++
					}
				}
				walk(it, depth+1)
			}
		}
	}
	walk(doc.Root, 0)
	st := &docStyle{step: mostCommon(steps, 2), seqOffset: mostCommon(offs, 0), seqGap: mostCommon(gaps, 1)}
	put(&p.styles, doc.Root, st)
	return st
}

// mostCommon is the width with the most votes, the smallest of a tie; def
// without votes.
func mostCommon(votes [9]int, def int) int {
	best, bestN := def, 0
	for v, n := range votes {
		if n > 0 && (n > bestN || (n == bestN && v < best)) {
			best, bestN = v, n
		}
	}
	return best
}
