package source

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The quick parser reads the YAML that manifests are nearly always written
// in (block mappings and sequences, plain and quoted scalars, also over
// several lines, escapes, plain block scalars, one-line flow collections,
// comments) straight into the node trees go-yaml builds, at several times
// go-yaml's speed: go-yaml's scanner, event parser and composer were most
// of what a run cost. It accepts a document only when it is sure go-yaml
// reads it the same way, to the node (kind, style, tag, value, line,
// column); anything else (anchors, tags, multi-line flow collections,
// tabs, CR, a BOM, directives, whatever looks odd or wrong) makes it give
// up, and go-yaml reads on from there (DecodeFile), so errors and their
// positions are go-yaml's own. Node comments are not kept: nothing reads them (the
// suppressions and the fixer read the source text). TestQuickMatchesGoYAML
// and FuzzQuick hold it to go-yaml.

// quick reads documents from src one at a time.
type quick struct {
	src []byte
	// The current line: [ls, le) without its line break, number line
	// (1-based); ind is the offset of its first non-blank byte.
	ls, le, ind, line int
	ascii             bool // the current line is ASCII: columns are byte offsets
	eof               bool
	// after is the offset of the line after the current one.
	after int
	// started: a document separator or a document has been seen, so an
	// empty chunk is a (null) document.
	started bool
	// failed: the quick parser gave up; go-yaml takes over.
	failed bool
	// chunkOff and chunkLine are where the document being read starts:
	// its separator line, or the start of the file.
	chunkOff, chunkLine int

	slab  []yaml.Node
	kids  []*yaml.Node // children being collected, per open collection
	ptrs  []*yaml.Node // storage the finished Content slices are cut from
	chunk int          // nodes (and pointers) per slab allocation
	used  int          // nodes of the document being read
	depth int
}

// quickUsable reports whether src is free of what the quick parser never
// reads: tabs, CR, a BOM, control characters, invalid UTF-8 and the line
// breaks YAML knows besides LF. Checked once per file.
func quickUsable(src []byte) bool {
	for i := 0; i < len(src); {
		c := src[i]
		if c < 0x80 {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError, r < 0xa0, r == 0x2028, r == 0x2029, r == 0xfeff, r >= 0xfffe && r <= 0xffff:
			return false
		}
		i += n
	}
	return true
}

func newQuick(src []byte) *quick {
	// Manifests hold about a node per 8 bytes: a slab that size holds a
	// typical file's nodes in one allocation without wasting much.
	q := &quick{src: src, chunkLine: 1}
	q.chunk = min(max(len(src)/8, 16), 1024)
	q.load(0, 1)
	return q
}

// load makes the line at offset off, numbered n, current.
func (q *quick) load(off, n int) {
	q.line = n
	if off >= len(q.src) {
		q.eof = true
		q.ls, q.le, q.ind, q.after = len(q.src), len(q.src), len(q.src), len(q.src)
		return
	}
	q.ls = off
	end := off
	q.ascii = true
	for end < len(q.src) && q.src[end] != '\n' {
		if q.src[end] >= 0x80 {
			q.ascii = false
		}
		end++
	}
	q.le = end
	q.after = end + 1
	i := off
	for i < end && q.src[i] == ' ' {
		i++
	}
	q.ind = i
}

func (q *quick) fail() { q.failed = true }

func (q *quick) advance() { q.load(q.after, q.line+1) }

// blank: the current line holds nothing but spaces or a comment.
func (q *quick) blank() bool { return q.ind == q.le || q.src[q.ind] == '#' }

// skipBlank moves to the next line that holds content (or EOF).
func (q *quick) skipBlank() {
	for !q.eof && q.blank() {
		q.advance()
	}
}

// separator: the current line starts a new document ("---", then
// nothing but blanks or a comment). Any other line starting with "---" or
// "..." at column 0 is given up on.
func (q *quick) separator() bool {
	if !q.separatorLike() {
		return false
	}
	l := q.src[q.ls:q.le]
	if l[0] == '.' {
		q.fail()
		return false
	}
	// Content after "---" ("---x" is a plain scalar to go-yaml, "--- x" a
	// document's root on the separator line) is a rare sight.
	if !q.restOfLine(q.ls + 3) {
		q.fail()
		return false
	}
	return true
}

// column is the 1-based column (in characters) of byte offset off in the
// current line.
func (q *quick) column(off int) int {
	if q.ascii {
		return off - q.ls + 1
	}
	return utf8.RuneCount(q.src[q.ls:off]) + 1
}

// quickStatus is what next found.
type quickStatus int

const (
	quickDoc    quickStatus = iota // a document (root set, or nil for a null one)
	quickEnd                       // no more documents
	quickGiveUp                    // go-yaml must read the file
)

// next reads the next document. Its root is nil for an empty document.
// A document ends at a separator line, which the next call consumes.
func (q *quick) next() (root *yaml.Node, st quickStatus) {
	if q.failed {
		return nil, quickGiveUp
	}
	for {
		q.skipBlank()
		if q.eof {
			if q.started {
				// The empty document after a last separator.
				q.started = false
				return nil, quickDoc
			}
			return nil, quickEnd
		}
		if !q.separator() {
			break
		}
		if q.started {
			// Two separators in a row: a null document between them;
			// the second is consumed by the next call.
			q.started = false
			return nil, quickDoc
		}
		q.started = true
		q.chunkOff, q.chunkLine = q.ls, q.line
		q.advance()
	}
	if q.failed {
		return nil, quickGiveUp
	}
	// Each document gets slabs of its own: a slab shared by two documents
	// keeps the first alive as long as the second, and a chain of them
	// keeps a whole stream. Sized like the document before.
	if q.used > 0 {
		q.chunk = min(q.used+q.used/4+4, 1024)
	}
	q.slab, q.ptrs, q.used = nil, nil, 0
	root = q.block(q.ind - q.ls)
	if q.failed || root == nil || root.Kind != yaml.MappingNode {
		q.fail()
		return nil, quickGiveUp
	}
	q.started = false
	q.skipBlank()
	if !q.eof && (!q.separator() || q.failed) {
		q.fail()
		return nil, quickGiveUp
	}
	return root, quickDoc
}

// node returns a fresh node from the slab.
func (q *quick) node() *yaml.Node {
	if len(q.slab) == cap(q.slab) {
		q.slab = make([]yaml.Node, 0, q.chunk)
	}
	q.slab = q.slab[:len(q.slab)+1]
	q.used++
	return &q.slab[len(q.slab)-1]
}

// content cuts a Content slice holding kids, capped so that an append by
// a later stage copies rather than writes over a neighbour.
func (q *quick) content(kids []*yaml.Node) []*yaml.Node {
	if len(kids) == 0 {
		return nil
	}
	if cap(q.ptrs)-len(q.ptrs) < len(kids) {
		q.ptrs = make([]*yaml.Node, 0, max(q.chunk, len(kids)))
	}
	start := len(q.ptrs)
	q.ptrs = append(q.ptrs, kids...)
	return q.ptrs[start:len(q.ptrs):len(q.ptrs)]
}

// block reads the block node whose first line is current, starting at
// column ind (0-based; a compact mapping in a sequence item starts past
// the line's indentation).
func (q *quick) block(ind int) *yaml.Node {
	if q.depth > 200 {
		q.fail()
		return nil
	}
	start := q.ls + ind
	if q.dashAt(start) {
		return q.sequence(ind)
	}
	if _, _, ok := q.keyAt(start); ok {
		return q.mapping(ind)
	}
	// A scalar or flow collection alone on its line.
	n, end := q.inline(start, false)
	if n == nil || !q.restOfLine(end) {
		q.fail()
		return nil
	}
	q.advance()
	return n
}

// keyAt finds a plain or quoted key at offset at of the current line:
// the key's end and the offset after its colon.
func (q *quick) keyAt(at int) (keyEnd, after int, ok bool) {
	l := q.src
	if at >= q.le {
		return 0, 0, false
	}
	switch c := l[at]; c {
	case '\'', '"':
		end, ok := q.quotedEnd(at)
		if !ok || end >= q.le || l[end] != ':' || (end+1 < q.le && l[end+1] != ' ') || end-at > 1000 {
			return 0, 0, false // (go-yaml's 1024-character limit for implicit keys)
		}
		return end, end + 1, true
	}
	if !plainStart(l, at, q.le) {
		return 0, 0, false
	}
	for i := at; i < q.le; i++ {
		switch l[i] {
		case ':':
			if i+1 == q.le || l[i+1] == ' ' {
				if l[i-1] == ' ' || i-at > 1000 {
					// "a :" and keys past go-yaml's 1024-character
					// limit for implicit keys are left to go-yaml.
					return 0, 0, false
				}
				return i, i + 1, true
			}
		case '#':
			if l[i-1] == ' ' {
				return 0, 0, false
			}
		}
	}
	return 0, 0, false
}

// plainStart: a plain scalar may start at offset i (of a line ending at
// end): not with an indicator, and "-", "?" and ":" only when followed by
// a character that is not a blank. The quick parser is stricter still
// and refuses all of "?" and ":" starts.
func plainStart(l []byte, i, end int) bool {
	switch l[i] {
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', ':', ' ':
		return false
	case '-':
		return i+1 < end && l[i+1] != ' '
	}
	return true
}

// mapping reads a block mapping whose keys start at column ind.
func (q *quick) mapping(ind int) *yaml.Node {
	m, base := q.open(yaml.MappingNode, "!!map", q.ls+ind)
	for more := true; more; more = q.sibling(ind) {
		at := q.ls + ind
		keyEnd, after, ok := q.keyAt(at)
		if !ok {
			q.fail()
			break
		}
		k := q.scalarNode(at, keyEnd)
		if k == nil {
			break
		}
		q.kids = append(q.kids, k)
		v := q.value(ind, after, true)
		if v == nil {
			break
		}
		q.kids = append(q.kids, v)
	}
	return q.close(m, base)
}

// open starts a block collection whose first key or dash is at offset at;
// its children are collected on q.kids from base.
func (q *quick) open(kind yaml.Kind, tag string, at int) (n *yaml.Node, base int) {
	n = q.node()
	n.Kind, n.Tag = kind, tag
	n.Line, n.Column = q.line, q.column(at)
	q.depth++
	return n, len(q.kids)
}

// close gives n the children collected since base, or nil when the quick
// parser gave up on the way.
func (q *quick) close(n *yaml.Node, base int) *yaml.Node {
	q.depth--
	defer func() { q.kids = q.kids[:base] }()
	if q.failed {
		return nil
	}
	n.Content = q.content(q.kids[base:])
	return n
}

// separatorLike: a line starting with "---" or "..." (at column 0, then)
// ends whatever block is open (separator decides whether it is a
// document separator or something to give up on).
func (q *quick) separatorLike() bool {
	l := q.src[q.ls:q.le]
	return len(l) >= 3 && (string(l[:3]) == "---" || string(l[:3]) == "...")
}

// value reads what follows a key's colon or a sequence item's dash, at
// offset after of the current line; ind is the column of the key or dash.
// inMap: a block sequence may follow at the key's own column.
func (q *quick) value(ind, after int, inMap bool) *yaml.Node {
	i := after
	for i < q.le && q.src[i] == ' ' {
		i++
	}
	if i == q.le || q.src[i] == '#' && q.src[i-1] == ' ' {
		// Nothing more on the line: the value is on the lines below, or
		// null (positioned just after the indicator, as go-yaml does).
		nullLine, nullCol := q.line, q.column(after)
		q.advance()
		q.skipBlank()
		if !q.eof && !(q.separatorLike()) {
			col := q.ind - q.ls
			if col > ind || (inMap && col == ind && q.dashAt(q.ind)) {
				return q.block(col)
			}
		}
		n := q.node()
		n.Kind, n.Tag, n.Line, n.Column = yaml.ScalarNode, "!!null", nullLine, nullCol
		return n
	}
	if !inMap && q.dashAt(i) {
		q.fail() // "- - x": nested compact sequences
		return nil
	}
	if !inMap {
		if _, _, ok := q.keyAt(i); ok {
			// "- key: value": a mapping whose keys sit at this column.
			return q.mapping(i - q.ls)
		}
	}
	var n *yaml.Node
	if c := q.src[i]; c == '|' || c == '>' {
		if n = q.blockScalar(i, ind); n == nil {
			q.fail()
			return nil
		}
	} else if (c == '\'' || c == '"') && !q.closesOnLine(i) {
		if n = q.quotedLines(i, ind); n == nil {
			q.fail()
			return nil
		}
	} else {
		var end int
		n, end = q.inline(i, false)
		if n == nil || !q.restOfLine(end) {
			q.fail()
			return nil
		}
		plainToEnd := n.Kind == yaml.ScalarNode && n.Style == 0 && q.skipSpaces(end) == q.le
		q.advance()
		if plainToEnd && !q.continuePlain(n, ind) {
			q.fail()
			return nil
		}
	}
	// A more indented line after a value is an error (or a plain scalar's
	// continuation after a comment): go-yaml's to read.
	q.skipBlank()
	if !q.eof && q.ind-q.ls > ind {
		q.fail()
		return nil
	}
	return n
}

// quotedLines reads a quoted scalar that starts at offset i and ends on a
// later line, as a value under a key or dash at column ind, and moves past
// it. Its lines fold as a plain scalar's do; every line after the first
// is indented more than ind, none ends in an escaped line break, and the
// closing quote is followed by nothing but a comment.
func (q *quick) quotedLines(i, ind int) *yaml.Node {
	quote := q.src[i]
	style := yaml.SingleQuotedStyle
	if quote == '"' {
		style = yaml.DoubleQuotedStyle
	}
	n := q.scalar(i, style, "!!str", "")
	// unquote reads one line's part of the text.
	unquote := func(b []byte) ([]byte, bool) {
		if quote == '\'' {
			return []byte(unquoteSingle(b)), true
		}
		// A last lone backslash (an escaped line break) is refused too.
		v, ok := unescapeDouble(b)
		return []byte(v), ok
	}
	first, ok := unquote(bytes.TrimRight(q.src[i+1:q.le], " "))
	if !ok {
		return nil
	}
	val := first
	breaks := 0
	for {
		q.advance()
		if q.eof {
			return nil
		}
		if q.ind == q.le {
			breaks++
			continue
		}
		if q.ind-q.ls <= ind {
			return nil
		}
		end, closed := q.closingQuote(q.ind, quote)
		textEnd := end - 1
		if !closed {
			textEnd = q.le
		}
		// Spaces before a line break fold away; before the closing
		// quote they are text.
		raw := q.src[q.ind:textEnd]
		if !closed {
			raw = bytes.TrimRight(raw, " ")
		}
		part, ok := unquote(raw)
		if !ok {
			return nil
		}
		val = append(fold(val, breaks), part...)
		breaks = 0
		if closed {
			if !q.restOfLine(end) {
				return nil
			}
			q.advance()
			n.Value = string(val)
			return n
		}
	}
}

// closingQuote finds the closing quote of a scalar in quote whose text
// goes on from offset i of this line: the offset after it, and whether
// there is one. A backslash in double quotes escapes the next character
// (unescapeDouble checks it); ” in single quotes is a quote.
func (q *quick) closingQuote(i int, quote byte) (int, bool) {
	for j := i; j < q.le; j++ {
		switch q.src[j] {
		case '\\':
			if quote == '"' {
				j++
			}
		case quote:
			if quote == '\'' && j+1 < q.le && q.src[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return q.le, false
}

// continuePlain reads the lines that continue the plain scalar n, one
// line so far, as a value under a key or dash at column ind: lines
// indented more than ind, folded as YAML folds them (a line break is a
// space, an empty line a line break). It stops at a line indented no
// more, or at a comment. False: a line it is not sure of (one that holds
// ": " or " #", or ends in a colon).
func (q *quick) continuePlain(n *yaml.Node, ind int) bool {
	var b []byte
	breaks := 0
	for !q.eof {
		if q.ind == q.le {
			breaks++ // empty, or only spaces
			q.advance()
			continue
		}
		if q.ind-q.ls <= ind || q.src[q.ind] == '#' {
			break
		}
		line := bytes.TrimRight(q.src[q.ind:q.le], " ")
		// Indicators only matter at a scalar's first character; a line
		// that goes on holds text alone, but ": " or " #" in it, or a
		// colon at its end, are go-yaml's to judge.
		if line[len(line)-1] == ':' || bytes.Contains(line, []byte(": ")) || bytes.Contains(line, []byte(" #")) {
			return false
		}
		if b == nil {
			b = append(b, n.Value...)
		}
		b = append(fold(b, breaks), line...)
		breaks = 0
		q.advance()
	}
	if b != nil {
		n.Value = string(b)
		n.Tag = plainTag(n.Value)
	}
	return true
}

// fold joins a flow scalar's next line to b as YAML folds lines: a line
// break is a space, each of breaks empty lines between a line break.
func fold(b []byte, breaks int) []byte {
	if breaks == 0 {
		return append(b, ' ')
	}
	for ; breaks > 0; breaks-- {
		b = append(b, '\n')
	}
	return b
}

// blockScalar reads a literal (|) or folded (>) block scalar whose
// indicator is at offset i, under a key or dash at column ind, and moves
// past it. Only the plain forms: clip or strip chomping, indentation
// found from the first line, which must follow at once; lines are empty
// or indented at least as much (folded: exactly as much, none empty).
// Whitespace-only lines, keep chomping and an indentation indicator are
// go-yaml's to read.
func (q *quick) blockScalar(i, ind int) *yaml.Node {
	folded := q.src[i] == '>'
	style := yaml.LiteralStyle
	if folded {
		style = yaml.FoldedStyle
	}
	n := q.scalar(i, style, "!!str", "")
	j := i + 1
	strip := false
	if j < q.le && q.src[j] == '-' {
		strip = true
		j++
	}
	if j < q.le && q.src[j] != ' ' || !q.restOfLine(j) || q.after > len(q.src) {
		return nil
	}
	q.advance()
	if q.eof || q.ind == q.le || q.ind-q.ls <= ind {
		return nil // empty, or starting with empty lines
	}
	indent := q.ind - q.ls
	var b []byte
	pendingEmpty := 0
	lines := 0
	for !q.eof {
		if q.le == q.ls {
			pendingEmpty++
			q.advance()
			continue
		}
		if q.ind == q.le {
			return nil // only spaces
		}
		if q.ind-q.ls < indent {
			break
		}
		if q.after > len(q.src) {
			return nil // the last line has no line break
		}
		if folded && (pendingEmpty > 0 || q.ind-q.ls != indent) {
			return nil
		}
		if lines > 0 {
			sep := byte('\n')
			if folded {
				sep = ' '
			}
			b = append(b, sep)
			for ; pendingEmpty > 0; pendingEmpty-- {
				b = append(b, '\n')
			}
		}
		b = append(b, q.src[q.ls+indent:q.le]...)
		lines++
		q.advance()
	}
	if !strip {
		b = append(b, '\n')
	}
	n.Value = string(b)
	return n
}

// dashAt: a block sequence's "-" is at offset i of the current line.
func (q *quick) dashAt(i int) bool {
	return q.src[i] == '-' && (i+1 == q.le || q.src[i+1] == ' ')
}

// restOfLine: from offset i, the current line holds only blanks and a
// comment.
func (q *quick) restOfLine(i int) bool {
	for ; i < q.le; i++ {
		switch q.src[i] {
		case ' ':
		case '#':
			return q.src[i-1] == ' '
		default:
			return false
		}
	}
	return true
}

// sibling moves to the next line that is not blank and tells whether it
// holds another entry of the block collection at column ind: a line
// indented less or a separator ends the collection, and one indented
// more, which a finished entry leaves behind, is given up on.
func (q *quick) sibling(ind int) bool {
	q.skipBlank()
	if q.eof {
		return false
	}
	if col := q.ind - q.ls; col != ind {
		if col > ind {
			q.fail()
		}
		return false
	}
	return !q.separatorLike()
}

// sequence reads a block sequence whose dashes sit at column ind.
func (q *quick) sequence(ind int) *yaml.Node {
	s, base := q.open(yaml.SequenceNode, "!!seq", q.ls+ind)
	// A line at ind without a dash is the next key of the mapping that
	// holds this sequence.
	for more := true; more; more = q.sibling(ind) && q.dashAt(q.ind) {
		dash := q.ls + ind
		v := q.value(ind, dash+1, false)
		if v == nil {
			break
		}
		q.kids = append(q.kids, v)
	}
	return q.close(s, base)
}

// inline reads a scalar or a flow collection starting at offset i of the
// current line, ending on it; end is the offset after it. flow: inside a
// flow collection.
func (q *quick) inline(i int, flow bool) (n *yaml.Node, end int) {
	switch q.src[i] {
	case '{', '[':
		return q.flowCollection(i)
	case '\'', '"':
		e, ok := q.quotedEnd(i)
		if !ok {
			return nil, 0
		}
		return q.scalarNode(i, e), e
	}
	if !plainStart(q.src, i, q.le) {
		return nil, 0
	}
	e := i
	last := i // end of the last non-blank
	for ; e < q.le; e++ {
		c := q.src[e]
		switch c {
		case ' ':
			continue
		case '#':
			if q.src[e-1] == ' ' {
				return q.plainNode(i, last), last
			}
		case ':':
			if e+1 == q.le || q.src[e+1] == ' ' || flow {
				// "a: b: c" is an error; in a flow, "a:b" is left to
				// go-yaml.
				if flow && e+1 < q.le && q.src[e+1] == ' ' {
					return q.plainNode(i, last), last
				}
				return nil, 0
			}
		case ',', '[', ']', '{', '}', '?':
			// go-yaml ends a plain scalar in a flow at these, "?" too
			if flow {
				return q.plainNode(i, last), last
			}
		}
		last = e + 1
	}
	return q.plainNode(i, last), last
}

// quotedEnd finds the end (offset after the closing quote) of a quoted
// scalar starting at i that ends on this line; a double-quoted one may
// hold the escapes unescapeDouble reads.
func (q *quick) quotedEnd(i int) (int, bool) { return q.closingQuote(i+1, q.src[i]) }

// closesOnLine: the quoted scalar opening at i closes on its own line.
func (q *quick) closesOnLine(i int) bool {
	_, ok := q.quotedEnd(i)
	return ok
}

// scalarNode makes the node of the key or quoted scalar in [i, end).
func (q *quick) scalarNode(i, end int) *yaml.Node {
	switch q.src[i] {
	case '"':
		v, ok := unescapeDouble(q.src[i+1 : end-1])
		if !ok {
			q.fail()
			return nil
		}
		return q.scalar(i, yaml.DoubleQuotedStyle, "!!str", v)
	case '\'':
		return q.scalar(i, yaml.SingleQuotedStyle, "!!str", unquoteSingle(q.src[i+1:end-1]))
	}
	return q.plainNode(i, end)
}

func (q *quick) plainNode(i, end int) *yaml.Node {
	v := text(q.src[i:end])
	return q.scalar(i, 0, plainTag(v), v)
}

// scalar makes a scalar node that starts at offset i of the current line.
func (q *quick) scalar(i int, style yaml.Style, tag, value string) *yaml.Node {
	n := q.node()
	n.Kind, n.Style, n.Tag, n.Value = yaml.ScalarNode, style, tag, value
	n.Line, n.Column = q.line, q.column(i)
	return n
}

// flowCollection reads a flow mapping or sequence that ends on this line.
func (q *quick) flowCollection(i int) (*yaml.Node, int) {
	if q.depth > 200 {
		return nil, 0
	}
	open := q.src[i]
	n := q.node()
	n.Style = yaml.FlowStyle
	n.Line, n.Column = q.line, q.column(i)
	closer := byte(']')
	if open == '{' {
		n.Kind, n.Tag, closer = yaml.MappingNode, "!!map", '}'
	} else {
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
	}
	q.depth++
	defer func() { q.depth-- }()
	base := len(q.kids)
	defer func() { q.kids = q.kids[:base] }()
	j := q.skipSpaces(i + 1)
	if j < q.le && q.src[j] == closer {
		return n, j + 1
	}
	for {
		keyStart := j
		var item *yaml.Node
		if item, j = q.flowItem(j); item == nil {
			return nil, 0
		}
		if open == '{' {
			// key: value, with a blank after the colon, within go-yaml's
			// 1024 characters for an implicit key
			if q.src[j] != ':' || item.Kind != yaml.ScalarNode || j+1 >= q.le || q.src[j+1] != ' ' || j-keyStart > 1000 {
				return nil, 0
			}
			q.kids = append(q.kids, item)
			if item, j = q.flowItem(q.skipSpaces(j + 1)); item == nil {
				return nil, 0
			}
		} else if q.src[j] == ':' {
			return nil, 0 // a single-pair mapping in a sequence
		}
		q.kids = append(q.kids, item)
		switch q.src[j] {
		case closer:
			n.Content = q.content(q.kids[base:])
			return n, j + 1
		case ',':
			j = q.skipSpaces(j + 1)
			if j < q.le && (q.src[j] == closer || q.src[j] == ',') {
				return nil, 0 // trailing or empty entries: go-yaml's
			}
		default:
			return nil, 0
		}
	}
}

// flowItem reads the flow item at j and the blanks after it; nil unless
// the line goes on after them (with ',', ':' or the closer).
func (q *quick) flowItem(j int) (*yaml.Node, int) {
	if j >= q.le {
		return nil, 0
	}
	n, e := q.inline(j, true)
	if n == nil {
		return nil, 0
	}
	if e = q.skipSpaces(e); e >= q.le {
		return nil, 0
	}
	return n, e
}

func (q *quick) skipSpaces(i int) int {
	for i < q.le && q.src[i] == ' ' {
		i++
	}
	return i
}

// unescapeDouble is the value of a one-line double-quoted scalar's
// text: YAML's escapes, as go-yaml reads them. False for an escape it
// refuses (an unknown one, bad hex, a surrogate or a code point past
// U+10FFFF).
func unescapeDouble(b []byte) (string, bool) {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return text(b), true
	}
	out := append(make([]byte, 0, len(b)), b[:i]...)
	for ; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return "", false
		}
		hex := 0
		switch b[i] {
		case '0':
			out = append(out, 0)
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'v':
			out = append(out, '\v')
		case 'f':
			out = append(out, '\f')
		case 'r':
			out = append(out, '\r')
		case 'e':
			out = append(out, 0x1b)
		case ' ', '"', '\'', '\\':
			out = append(out, b[i])
		case 'N':
			out = utf8.AppendRune(out, 0x85)
		case '_':
			out = utf8.AppendRune(out, 0xa0)
		case 'L':
			out = utf8.AppendRune(out, 0x2028)
		case 'P':
			out = utf8.AppendRune(out, 0x2029)
		case 'x':
			hex = 2
		case 'u':
			hex = 4
		case 'U':
			hex = 8
		default:
			return "", false
		}
		if hex == 0 {
			continue
		}
		if i+1+hex > len(b) {
			return "", false
		}
		v, err := strconv.ParseUint(string(b[i+1:i+1+hex]), 16, 32)
		if err != nil || v >= 0xd800 && v <= 0xdfff || v > 0x10ffff {
			return "", false
		}
		out = utf8.AppendRune(out, rune(v))
		i += hex
	}
	return string(out), true
}

// unquoteSingle is a single-quoted scalar's text: ” is a quote (a lone
// one would have ended the scalar).
func unquoteSingle(b []byte) string {
	if bytes.IndexByte(b, '\'') < 0 {
		return text(b)
	}
	return strings.ReplaceAll(string(b), "''", "'")
}

// text is string(b), with the words manifests repeat in every object
// shared rather than allocated each time.
func text(b []byte) string {
	if s, ok := common[string(b)]; ok {
		return s
	}
	return string(b)
}

var common = map[string]string{}

func init() {
	for _, s := range []string{"apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations",
		"spec", "template", "containers", "initContainers", "image", "imagePullPolicy", "ports", "containerPort",
		"protocol", "env", "value", "valueFrom", "resources", "requests", "limits", "cpu", "memory", "selector",
		"matchLabels", "replicas", "volumeMounts", "mountPath", "volumes", "securityContext", "readOnly",
		"livenessProbe", "readinessProbe", "httpGet", "path", "port", "tcpSocket", "initialDelaySeconds",
		"periodSeconds", "args", "command", "app", "TCP", "http", "IfNotPresent", "Always", "v1", "apps/v1",
		"Deployment", "Service", "ConfigMap", "true", "false", "runAsUser", "runAsGroup", "runAsNonRoot",
		"fsGroup", "allowPrivilegeEscalation", "capabilities", "drop", "ALL", "seccompProfile", "type",
		"RuntimeDefault", "readOnlyRootFilesystem", "privileged", "serviceAccountName", "nodeSelector",
		"tolerations", "key", "operator", "effect", "configMap", "secret", "emptyDir", "data", "targetPort",
		"strategy", "status", "tier", "component", "version"} {
		common[s] = s
	}
}

// plainTag is the tag go-yaml resolves a plain scalar to (YAML 1.1 and
// 1.2 core schema words and numbers, as its resolve does): null, bool,
// int, float, timestamp, merge, else str.
func plainTag(s string) string {
	if s == "" {
		return "!!null"
	}
	switch s {
	case "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float"
	case "<<":
		return "!!merge"
	}
	c := s[0]
	switch {
	case c == '.':
		if isFloat(s) {
			return "!!float"
		}
		return "!!str"
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		return numberTag(s)
	}
	return "!!str"
}

// numberTag resolves a plain scalar starting with a sign or a digit.
func numberTag(s string) string {
	if isTimestamp(s) {
		return "!!timestamp"
	}
	plain := strings.ReplaceAll(s, "_", "")
	if !numberChars(plain) {
		// "100m", "128Mi": no base and no float takes these bytes, and
		// each failed strconv call allocates its error.
		return "!!str"
	}
	if isInt(plain, 0) {
		return "!!int"
	}
	if yamlFloat(plain) {
		if isFloat(plain) {
			return "!!float"
		}
	}
	for _, p := range []struct {
		prefix string
		base   int
	}{{"0b", 2}, {"0o", 8}} {
		switch {
		case len(plain) > 2 && plain[:2] == p.prefix:
			if isInt(plain[2:], p.base) {
				return "!!int"
			}
		case len(plain) > 3 && plain[:3] == "-"+p.prefix:
			if _, err := strconv.ParseInt("-"+plain[3:], p.base, 64); err == nil {
				return "!!int"
			}
		}
	}
	return "!!str"
}

// numberChars: every byte of s may stand in an integer of any base
// strconv reads with base 0 (signs, digits, hex digits, the 0x, 0o and 0b
// prefixes) or in a float yamlFloat lets through ('.', 'e').
func numberChars(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F',
			c == 'x', c == 'X', c == 'o', c == 'O', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// yamlFloat matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
func yamlFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

var timestampFormats = []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"}

// isTimestamp: four digits, a dash, and one of the layouts go-yaml takes.
func isTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range timestampFormats {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// isInt: s is an integer in base (0: by its prefix) that fits 64 bits,
// signed or not, as go-yaml resolves one.
func isInt(s string, base int) bool {
	if _, err := strconv.ParseInt(s, base, 64); err == nil {
		return true
	}
	_, err := strconv.ParseUint(s, base, 64)
	return err == nil
}

func isFloat(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
