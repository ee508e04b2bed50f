package fix

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// This file holds a small Myers line diff, so that --diff needs no
// dependency: the diffs the fixer makes are short insertions, and a
// hundred lines of code are easier to keep than a module.

// maxEditDistance bounds the Myers search; beyond it the changed middle is
// shown as one replaced block, which is still a correct diff.
const maxEditDistance = 4000

// splitLines splits b into lines that keep their line break ("\n", with a
// "\r" before it when present). The last line may lack one.
func splitLines(b []byte) []string {
	// One copy of the text; the lines are slices of it.
	s := string(b)
	out := make([]string, 0, bytes.Count(b, []byte{'\n'})+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

type lineOp struct {
	kind byte // ' ', '-' or '+'
	text string
}

// diffLines returns the line operations that turn a into b.
func diffLines(a, b []string) []lineOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []lineOp
	for _, l := range a[:pre] {
		ops = append(ops, lineOp{' ', l})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, lineOp{' ', l})
	}
	return ops
}

func myers(a, b []string) []lineOp {
	n, m := len(a), len(b)
	replaceAll := func() []lineOp {
		var ops []lineOp
		for _, l := range a {
			ops = append(ops, lineOp{'-', l})
		}
		for _, l := range b {
			ops = append(ops, lineOp{'+', l})
		}
		return ops
	}
	if n == 0 || m == 0 {
		return replaceAll()
	}
	max := n + m
	if max > maxEditDistance {
		max = maxEditDistance
	}
	off := max + 1
	v := make([]int, 2*max+3)
	// trace[d] is the part of v that step d reads, v[off-d-1 : off+d+2]:
	// copying all of v each step cost O(D·max), most of --diff's time on
	// files of a few hundred lines.
	var trace [][]int
	at := func(d, i int) int { return trace[d][i-(off-d-1)] }
	found := -1
	for d := 0; d <= max && found < 0; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return replaceAll()
	}
	// Walk back through the trace.
	var rev []lineOp
	x, y := n, m
	for d := found; d > 0; d-- {
		k := x - y
		var pk int
		if k == -d || (k != d && at(d, off+k-1) < at(d, off+k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(d, off+pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, lineOp{' ', a[x]})
		}
		if x == px {
			y--
			rev = append(rev, lineOp{'+', b[y]})
		} else {
			x--
			rev = append(rev, lineOp{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, lineOp{' ', a[x]})
	}
	ops := make([]lineOp, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops
}

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// UnifiedDiff renders the change from old to new as a unified diff with
// three lines of context, the way `diff -u` and `git apply` read it. A
// relative path gets git's a/ and b/ prefixes (apply with `git apply` or
// `patch -p1`), an absolute path none. It is
// empty when old and new are equal.
func UnifiedDiff(path string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	// The lines both sides begin and end with are the same diff whether
	// the line diff finds them or they are cut off first, as long as the
	// context lines beside the change stay: cutting them off as bytes
	// spares splitting and walking every line of a file that the fixer
	// changed in a few places.
	from, skipped, oldTo, newTo := commonLines(old, new, diffContext)
	return unifiedDiff(path, splitLines(old[from:oldTo]), splitLines(new[from:newTo]), skipped)
}

// commonLines finds the bytes old and new share at both ends, in whole
// lines, less ctx lines at each end: old[:from] and new[:from] are the
// same skipped lines, and so are old[oldTo:] and new[newTo:].
func commonLines(old, new []byte, ctx int) (from, skipped, oldTo, newTo int) {
	n := min(len(old), len(new))
	p := 0
	for p < n && old[p] == new[p] {
		p++
	}
	// head is where the line of the first difference starts: the whole
	// lines before it are the same. Of those, the last ctx stay.
	head := bytes.LastIndexByte(old[:p], '\n') + 1
	from = head
	for k := 0; k < ctx && from > 0; k++ {
		from = bytes.LastIndexByte(old[:from-1], '\n') + 1
	}
	skipped = bytes.Count(old[:from], []byte{'\n'})
	// The common tail, not reaching into the common head; a line of it
	// counts when the byte before it is a line break in both (inside the
	// tail, where the two sides agree).
	s := 0
	for s < n-head && old[len(old)-1-s] == new[len(new)-1-s] {
		s++
	}
	// The first line of the tail starts after its first line break; then
	// ctx lines stay.
	tail := len(old) - s
	j := bytes.IndexByte(old[tail:], '\n')
	cut := tail + j + 1
	for k := 0; k < ctx && j >= 0 && cut < len(old); k++ {
		j = bytes.IndexByte(old[cut:], '\n')
		cut += j + 1
	}
	if j < 0 || cut >= len(old) {
		return from, skipped, len(old), len(new)
	}
	return from, skipped, cut, len(new) - (len(old) - cut)
}

// headerName is a file name on a ---/+++ line as git writes it: quoted
// in C style when it holds a quote, a backslash or a control character
// (a line break would end the line), and followed by a tab when it holds
// a blank, which is where patch stops reading the name.
func headerName(prefix, name string) string {
	if strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == '"' || r == '\\' || r == 0x7f }) {
		var q strings.Builder
		q.WriteByte('"')
		q.WriteString(prefix)
		for _, c := range []byte(name) {
			switch {
			case c == '"' || c == '\\':
				q.WriteByte('\\')
				q.WriteByte(c)
			case c == '\t':
				q.WriteString(`\t`)
			case c == '\n':
				q.WriteString(`\n`)
			case c < ' ' || c == 0x7f:
				fmt.Fprintf(&q, `\%03o`, c)
			default:
				q.WriteByte(c)
			}
		}
		q.WriteByte('"')
		return q.String()
	}
	if strings.Contains(name, " ") {
		return prefix + name + "\t"
	}
	return prefix + name
}

// unifiedDiff is UnifiedDiff of the lines a and b, which follow skipped
// lines the two sides share.
func unifiedDiff(path string, a, b []string, skipped int) string {
	ops := diffLines(a, b)
	const ctx = diffContext
	var sb strings.Builder
	if filepath.IsAbs(path) {
		fmt.Fprintf(&sb, "--- %s\n+++ %s\n", headerName("", path), headerName("", path))
	} else {
		p := filepath.ToSlash(path)
		fmt.Fprintf(&sb, "--- %s\n+++ %s\n", headerName("a/", p), headerName("b/", p))
	}
	// Line numbers before each op.
	type pos struct{ a, b int }
	at := make([]pos, len(ops)+1)
	at[0] = pos{skipped, skipped}
	for i, op := range ops {
		at[i+1] = at[i]
		if op.kind != '+' {
			at[i+1].a++
		}
		if op.kind != '-' {
			at[i+1].b++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i - ctx
		if start < 0 {
			start = 0
		}
		// Extend the hunk while changes are within 2*ctx lines of each other.
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j + 1
			} else if j-end >= 2*ctx {
				break
			}
		}
		stop := end + ctx
		if stop > len(ops) {
			stop = len(ops)
		}
		na, nb := at[stop].a-at[start].a, at[stop].b-at[start].b
		sa, sb2 := at[start].a+1, at[start].b+1
		if na == 0 {
			sa--
		}
		if nb == 0 {
			sb2--
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(sa, na), hunkRange(sb2, nb))
		for _, op := range ops[start:stop] {
			sb.WriteByte(op.kind)
			sb.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
	return sb.String()
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
