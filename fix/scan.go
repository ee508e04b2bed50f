package fix

import (
	"bytes"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// This file finds where nodes end in the original bytes. yaml.v3 gives
// every node's start; the end is found by reading the text.

// lineIndent counts the spaces that start a line.
func lineIndent(line []byte) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

// isBlank reports whether a line holds only spaces and tabs.
func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t")) == 0
}

func isCommentLine(line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	return len(t) > 0 && t[0] == '#'
}

// scanner reads one file's bytes.
type scanner struct {
	src []byte
	li  *source.LineIndex
}

func (s *scanner) offset(n *yaml.Node) int { return s.li.Offset(n.Line, n.Column) }

func (s *scanner) lineOf(off int) int {
	l, _ := s.li.Position(off)
	return l
}

// skipProps moves past an anchor (&a) and a tag (!t) at off and the blanks
// after them. It returns the offset of the content, the end of the last
// property token (off when there is none) and the span of a !!null tag
// when one was seen (nullTag -1 otherwise).
func (s *scanner) skipProps(off int) (content int, props propSpan) {
	props = propSpan{end: off, nullTag: -1}
	for off < len(s.src) && (s.src[off] == '&' || s.src[off] == '!') {
		start := off
		for off < len(s.src) && !isSep(s.src[off]) {
			off++
		}
		props.end = off
		tok := string(s.src[start:off])
		if tok == "!!null" || tok == "!<tag:yaml.org,2002:null>" {
			props.nullTag, props.nullEnd = start, off
		}
		for off < len(s.src) && (s.src[off] == ' ' || s.src[off] == '\t') {
			off++
		}
	}
	return off, props
}

type propSpan struct {
	end              int
	nullTag, nullEnd int
}

// isSep ends a plain token: blanks, line breaks and flow indicators.
func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', '[', ']', '{', '}':
		return true
	}
	return false
}

// matchFlow reads the flow collection opening at off ('{' or '['). It
// returns the offset of the matching closer and the offset of the last
// significant byte before it at the top level (the opener itself when the
// collection is empty). Quotes, comments, tags and plain scalars (which
// may hold quotes, # and ! inside: `a "b`, `a#b`) are understood as go-yaml
// reads them. ok is false when the text does not match.
func (s *scanner) matchFlow(off int) (closeOff, lastSig int, ok bool) {
	src := s.src
	if off >= len(src) || (src[off] != '{' && src[off] != '[') {
		return 0, 0, false
	}
	depth := 0
	lastSig = off
	quoteEnd := -1   // where the last quoted scalar ended
	inPlain := false // inside a plain scalar, which runs over blanks
	for i := off; i < len(src); i++ {
		c := src[i]
		switch c {
		case '{', '[':
			depth++
			if depth > 1 {
				lastSig = i
			}
			inPlain = false
		case '}', ']':
			depth--
			if depth == 0 {
				return i, lastSig, true
			}
			lastSig, inPlain = i, false
		case ',':
			lastSig, inPlain = i, false
		case ':':
			// A value indicator after a quoted key (JSON style) or before a
			// blank or an indicator; else part of a plain scalar (a:b).
			lastSig = i
			inPlain = !(i-1 == quoteEnd || i+1 >= len(src) || isSep(src[i+1]))
		case '"', '\'':
			if inPlain {
				lastSig = i
				continue
			}
			end := s.endDouble
			if c == '\'' {
				end = s.endSingle
			}
			j, good := end(i)
			if !good {
				return 0, 0, false
			}
			i = j
			lastSig, quoteEnd = i, i
		case '#':
			// A # that cannot continue a plain scalar starts a comment: after
			// a blank, a closing quote or a flow indicator (go-yaml reads
			// `}#c` and `,#c` so).
			if i == 0 || i-1 == quoteEnd || isSep(src[i-1]) {
				for i < len(src) && src[i] != '\n' && src[i] != '\r' {
					i++
				}
				i--
				inPlain = false
				continue
			}
			lastSig = i
		case '!':
			if inPlain {
				lastSig = i
				continue
			}
			// A tag runs over URI characters, flow indicators included
			// (go-yaml reads `!t],` as one tag): too odd to edit around.
			j := i + 1
			for j < len(src) && isTagChar(src[j]) {
				if strings.ContainsRune(",[]{}", rune(src[j])) {
					return 0, 0, false
				}
				j++
			}
			i = j - 1
			lastSig = i
		case '&', '*':
			if inPlain {
				lastSig = i
				continue
			}
			// An anchor or an alias: a token of its own, not the start of
			// a plain scalar (`&a "x"` is a quoted scalar with an anchor).
			for i+1 < len(src) && !isSep(src[i+1]) {
				i++
			}
			lastSig = i
		case ' ', '\t', '\r', '\n':
		default:
			lastSig, inPlain = i, true
		}
	}
	return 0, 0, false
}

// isTagChar: the characters go-yaml reads as part of a tag.
func isTagChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		strings.IndexByte("_-;/?:@&=+$,.!~*'()[]%", c) >= 0
}

// endDouble returns the offset of the closing quote of the double-quoted
// scalar opening at off.
func (s *scanner) endDouble(off int) (int, bool) {
	for i := off + 1; i < len(s.src); i++ {
		switch s.src[i] {
		case '\\':
			i++
		case '"':
			return i, true
		}
	}
	return 0, false
}

// endSingle does the same for single quotes (” is an escaped quote).
func (s *scanner) endSingle(off int) (int, bool) {
	for i := off + 1; i < len(s.src); i++ {
		if s.src[i] == '\'' {
			if i+1 < len(s.src) && s.src[i+1] == '\'' {
				i++
				continue
			}
			return i, true
		}
	}
	return 0, false
}

// endLine returns the last line that belongs to node n, whose parent
// (the key or the sequence dash) is indented by parentIndent spaces. keep
// reports a block scalar with keep chomping (its trailing blank lines are
// part of the value), block a block scalar at all.
func (s *scanner) endLine(n *yaml.Node, keyLine, parentIndent int) (line int, block bool, ok bool) {
	switch n.Kind {
	case yaml.AliasNode:
		return n.Line, false, true
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 {
			off, _ := s.skipProps(s.offset(n))
			c, _, good := s.matchFlow(off)
			if !good {
				return 0, false, false
			}
			return s.lineOf(c), false, true
		}
		if len(n.Content) == 0 {
			return n.Line, false, true
		}
		if n.Kind == yaml.MappingNode {
			k, v := n.Content[len(n.Content)-2], n.Content[len(n.Content)-1]
			return s.endLine(v, k.Line, k.Column-1)
		}
		last := n.Content[len(n.Content)-1]
		return s.endLine(last, last.Line, n.Column-1)
	}
	// Scalars.
	if isEmptyNull(n) && n.Style&yaml.TaggedStyle == 0 && n.Anchor == "" {
		// An empty value, or one with only a non-specific tag (`!`), which
		// go-yaml reports the same way: then the value ends after the tag,
		// maybe on a later line than the key.
		if off := s.offset(n); off < len(s.src) && s.src[off] == '!' {
			content, props := s.skipProps(off)
			if content >= len(s.src) || s.src[content] == '\n' || s.src[content] == '\r' || s.src[content] == '#' {
				return max(keyLine, s.lineOf(props.end-1)), false, true
			}
		}
		return keyLine, false, true // empty value: the key's own line
	}
	off, _ := s.skipProps(s.offset(n))
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		e, good := s.endDouble(off)
		return s.lineOf(e), false, good
	case n.Style&yaml.SingleQuotedStyle != 0:
		e, good := s.endSingle(off)
		return s.lineOf(e), false, good
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		hdrLine := s.lineOf(off)
		hdrEnd := s.li.LineEnd(hdrLine)
		header := s.src[off:hdrEnd]
		if i := bytes.IndexByte(header, '#'); i >= 0 {
			header = header[:i]
		}
		keep := bytes.IndexByte(header, '+') >= 0
		last := hdrLine
		for l := hdrLine + 1; l <= s.li.Lines(); l++ {
			text := s.li.Line(l)
			if isBlank(text) {
				if keep && l < s.li.Lines() {
					last = l
				}
				continue
			}
			if lineIndent(text) <= parentIndent {
				break
			}
			last = l
		}
		return last, true, true
	}
	// Plain scalar, maybe over several lines.
	last := s.lineOf(off)
	for l := last + 1; l <= s.li.Lines(); l++ {
		text := s.li.Line(l)
		if isBlank(text) {
			continue
		}
		if lineIndent(text) <= parentIndent || isCommentLine(text) {
			break
		}
		last = l
	}
	return last, false, true
}
