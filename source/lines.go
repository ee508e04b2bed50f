package source

import (
	"bytes"
	"unicode/utf8"
)

// LineIndex maps yaml.v3 positions (1-based line, 1-based rune column) to
// byte offsets in the original bytes. It counts line breaks exactly as
// yaml.v3 does: CRLF, CR, LF, NEL, U+2028 and U+2029.
type LineIndex struct {
	src    []byte
	starts []int // byte offset where each line starts; starts[0] is line 1
}

// NewLineIndex builds the table for src. A leading BOM is not part of line
// 1's columns: yaml.v3 skips it before counting.
func NewLineIndex(src []byte) *LineIndex {
	first := 0
	if len(src) >= 3 && src[0] == 0xef && src[1] == 0xbb && src[2] == 0xbf {
		first = 3
	}
	if onlyNewlines(src) {
		return &LineIndex{src: src, starts: newlineStarts(src, first)}
	}
	return &LineIndex{src: src, starts: breakStarts(src, first)}
}

// onlyNewlines: src breaks lines with "\n" alone, none of the other
// breaks yaml.v3 counts (CR, NEL, U+2028, U+2029). Other text with the
// bytes that start NEL or LS (·, °, —, ’ in comments) still qualifies.
func onlyNewlines(src []byte) bool {
	return bytes.IndexByte(src, '\r') < 0 && !bytes.Contains(src, []byte("\u0085")) &&
		!bytes.Contains(src, []byte("\u2028")) && !bytes.Contains(src, []byte("\u2029"))
}

// newlineStarts is breakStarts for text whose only line break is "\n",
// nearly every manifest: the scan goes at bytes.IndexByte's speed, which
// made it a third of --diff's planning.
func newlineStarts(src []byte, first int) []int {
	starts := make([]int, 1, bytes.Count(src, []byte{'\n'})+1)
	starts[0] = first
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return starts
		}
		i += j + 1
		starts = append(starts, i)
	}
}

// breakStarts lists where each line starts, line 1 at first, counting
// every line break yaml.v3 counts.
func breakStarts(src []byte, first int) []int {
	starts := []int{first}
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			i++
			starts = append(starts, i)
		case c == '\n':
			i++
			starts = append(starts, i)
		case c == 0xc2 && i+1 < len(src) && src[i+1] == 0x85: // NEL
			i += 2
			starts = append(starts, i)
		case c == 0xe2 && i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xa8 || src[i+2] == 0xa9):
			i += 3
			starts = append(starts, i)
		default:
			i++
		}
	}
	return starts
}

// Lines is the number of lines (a final line break starts an empty last line).
func (li *LineIndex) Lines() int { return len(li.starts) }

// LineStart is the byte offset of the first byte of a 1-based line.
func (li *LineIndex) LineStart(line int) int {
	if line < 1 {
		return 0
	}
	if line > len(li.starts) {
		return len(li.src)
	}
	return li.starts[line-1]
}

// LineEnd is the byte offset just after the last content byte of a line,
// before its line break.
func (li *LineIndex) LineEnd(line int) int {
	end := len(li.src)
	if line < len(li.starts) {
		end = li.starts[line]
	}
	start := li.LineStart(line)
	for end > start {
		c := li.src[end-1]
		if c == '\n' || c == '\r' {
			end--
			continue
		}
		if c == 0x85 && end-2 >= start && li.src[end-2] == 0xc2 {
			end -= 2
			continue
		}
		if (c == 0xa8 || c == 0xa9) && end-3 >= start && li.src[end-3] == 0xe2 && li.src[end-2] == 0x80 {
			end -= 3
			continue
		}
		break
	}
	return end
}

// Line returns the text of a 1-based line without its line break.
func (li *LineIndex) Line(line int) []byte {
	return li.src[li.LineStart(line):li.LineEnd(line)]
}

// Offset converts a 1-based line and 1-based rune column into a byte offset.
func (li *LineIndex) Offset(line, col int) int {
	off := li.LineStart(line)
	end := li.LineEnd(line)
	for c := 1; c < col && off < end; c++ {
		_, size := utf8.DecodeRune(li.src[off:end])
		off += size
	}
	return off
}

// Position converts a byte offset back into a 1-based line and rune column.
func (li *LineIndex) Position(off int) (line, col int) {
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	start := li.starts[lo]
	if off < start {
		off = start
	}
	return lo + 1, utf8.RuneCount(li.src[start:off]) + 1
}
