package helm

import (
	"bytes"
	"strings"
)

// blank returns src with every template action ({{ ... }}, comments
// included) replaced by spaces of the same length, newlines kept. The
// result has the template's plain YAML lines at their byte offsets, so a
// node parsed from it points into the template itself.
func blank(src []byte) []byte {
	out := bytes.Clone(src)
	for i := 0; i+1 < len(out); {
		if out[i] != '{' || out[i+1] != '{' {
			i++
			continue
		}
		end := bytes.Index(out[i+2:], []byte("}}"))
		if end < 0 {
			end = len(out)
		} else {
			end = i + 2 + end + 2
		}
		// A comment action ({{/* ... */}}) may hold "}}"; it ends at "*/}}".
		if bytes.HasPrefix(bytes.TrimLeft(out[i+2:], "- "), []byte("/*")) {
			if c := bytes.Index(out[i+2:], []byte("*/")); c >= 0 {
				if e := bytes.Index(out[i+2+c:], []byte("}}")); e >= 0 {
					end = i + 2 + c + e + 2
				}
			}
		}
		for j := i; j < end; j++ {
			if out[j] != '\n' && out[j] != '\r' {
				out[j] = ' '
			}
		}
		i = end
	}
	return out
}

// tmplLines is a template split into lines, with which lines are plain
// YAML (no action touches them) and which hold an action that prints
// something (not only if/with/range/end/define/else, a variable or a
// comment).
type tmplLines struct {
	text    []string
	literal []bool
	prints  []bool
	// firstAction is the 0-based byte column of the first action of a line.
	firstAction []int
}

func splitTemplate(src []byte) *tmplLines {
	b := blank(src)
	orig := strings.Split(string(src), "\n")
	bl := strings.Split(string(b), "\n")
	t := &tmplLines{text: orig, literal: make([]bool, len(orig)), prints: make([]bool, len(orig)), firstAction: make([]int, len(orig))}
	for i := range orig {
		t.literal[i] = orig[i] == bl[i]
		t.firstAction[i] = -1
		if t.literal[i] {
			continue
		}
		t.firstAction[i] = firstDiff(orig[i], bl[i])
		t.prints[i] = printsSomething(orig[i])
	}
	return t
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return 0
}

// printsSomething tells whether a line holds an action that writes text:
// anything but control structure, assignments and comments, or plain text
// next to an action.
func printsSomething(line string) bool {
	rest := line
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return strings.TrimSpace(rest) != ""
		}
		if strings.TrimSpace(rest[:i]) != "" {
			return true
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return false
		}
		action := strings.TrimSpace(strings.Trim(rest[i+2:i+j], "-"))
		if !isControl(action) {
			return true
		}
		rest = rest[i+j+2:]
	}
}

func isControl(action string) bool {
	if strings.HasPrefix(action, "/*") || strings.HasPrefix(action, "$") && strings.Contains(action, ":=") {
		return true
	}
	for _, kw := range []string{"if", "else", "end", "with", "range", "define", "block", "break", "continue"} {
		if action == kw || strings.HasPrefix(action, kw+" ") {
			return true
		}
	}
	return action == ""
}

// maxAlign bounds the table of the line alignment (template lines times
// output lines); past it, a greedy forward match is used.
const maxAlign = 4 << 20

// align maps each line of a template's output to the template line that
// produced it (0-based): a plain line to itself, found by the longest
// common subsequence of plain lines; a line an action printed to the first
// printing action between the plain lines around it.
func align(t *tmplLines, out []string) []int {
	n, m := len(t.text), len(out)
	match := make([]int, m)
	for j := range match {
		match[j] = -1
	}
	eq := func(i, j int) bool {
		return t.literal[i] && strings.TrimRight(t.text[i], " \t\r") == strings.TrimRight(out[j], " \t\r") && strings.TrimSpace(out[j]) != ""
	}
	if n*m <= maxAlign {
		// dp[i][j]: LCS length of t.text[i:] and out[j:].
		w := m + 1
		dp := make([]int32, (n+1)*w)
		for i := n - 1; i >= 0; i-- {
			for j := m - 1; j >= 0; j-- {
				switch {
				case eq(i, j):
					dp[i*w+j] = dp[(i+1)*w+j+1] + 1
				case dp[(i+1)*w+j] >= dp[i*w+j+1]:
					dp[i*w+j] = dp[(i+1)*w+j]
				default:
					dp[i*w+j] = dp[i*w+j+1]
				}
			}
		}
		for i, j := 0, 0; i < n && j < m; {
			switch {
			case eq(i, j):
				match[j] = i
				i++
				j++
			case dp[(i+1)*w+j] >= dp[i*w+j+1]:
				i++
			default:
				j++
			}
		}
	} else {
		i := 0
		for j := 0; j < m; j++ {
			for k := i; k < n && k < i+200; k++ {
				if eq(k, j) {
					match[j], i = k, k+1
					break
				}
			}
		}
	}
	// Lines an action printed, between the plain lines around them: the
	// printing line whose plain text before its action starts the output
	// line (`hostPID: {{ .Values.hostPID }}` printed "hostPID: true"); else
	// the first line that is only an action (a toYaml), from the one the
	// line before took on, so that a block's lines stay with it; else the
	// first printing line. Searching from the plain line before in order
	// alone would hand the line to an action in a block the values turned
	// off, or to a sibling key's action on the line above.
	prev, last := -1, -1
	for j := 0; j < m; j++ {
		if match[j] >= 0 {
			prev, last = match[j], match[j]
			continue
		}
		next := n
		for k := j + 1; k < m; k++ {
			if match[k] >= 0 {
				next = match[k]
				break
			}
		}
		from := max(prev+1, last)
		at := -1
		for i := from; i < next && at < 0; i++ {
			if t.prints[i] && t.prefixStarts(i, out[j]) {
				at = i
			}
		}
		for i := from; i < next && at < 0; i++ {
			if t.prints[i] && t.prefix(i) == "" {
				at = i
			}
		}
		for i := prev + 1; i < next && at < 0; i++ {
			if t.prints[i] {
				at = i
			}
		}
		if at < 0 {
			at = max(prev, 0)
		}
		match[j], last = at, at
	}
	return match
}

// prefix is the plain text of template line i before its first action,
// without trailing blanks ("" for a line that starts with an action).
func (t *tmplLines) prefix(i int) string {
	if t.firstAction[i] <= 0 {
		return ""
	}
	p := strings.TrimRight(t.text[i][:t.firstAction[i]], " \t")
	if strings.TrimSpace(p) == "" {
		return ""
	}
	return p
}

// prefixStarts: template line i has plain text before its action and the
// output line starts with it.
func (t *tmplLines) prefixStarts(i int, out string) bool {
	p := t.prefix(i)
	return p != "" && strings.HasPrefix(out, p)
}
