package report

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/secctx-lint/secctx-lint/walk"
)

// Workflow-command safety. The GitHub Actions runner reads a process's
// stdout and stderr line by line (CR, LF and CRLF all end a line) and
// executes a line as a command when, after leading white space, it starts
// with "::", or when it contains the legacy "##[" anywhere. Manifest text
// (file names, values, messages) must never do either.

// jsonSafe rewrites "##[" in encoded JSON as "#\u0023[". In JSON output
// "##[" can only occur inside a string, where the escape decodes to the same
// value; and no JSON line starts with "::". So JSON, SARIF and rdjsonl can
// be printed in a workflow log as they are.
func jsonSafe(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("##["), []byte(`#\u0023[`))
}

// zwsp breaks command syntax without changing what a person reads.
const zwsp = "\u200b"

// NeutralizeLine makes one line of plain text inert for the runner: a
// leading "::" becomes ":\u200b:" and every "##[" becomes "#\u200b#[".
func NeutralizeLine(s string) string {
	s = strings.ReplaceAll(s, "##[", "#"+zwsp+"#[")
	trimmed := strings.TrimLeft(s, " \t\f\v\u00a0\u0085\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")
	if strings.HasPrefix(trimmed, "::") {
		i := len(s) - len(trimmed)
		s = s[:i] + ":" + zwsp + s[i+1:]
	}
	return s
}

// CommandSafeWriter passes text through line by line with NeutralizeLine
// applied, so that plain output (the text format, error messages) printed
// in a GitHub Actions log cannot run workflow commands. Call Flush at the end.
type CommandSafeWriter struct {
	W   io.Writer
	buf []byte
}

// Write buffers p and writes every complete line.
func (c *CommandSafeWriter) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	for {
		i := bytes.IndexAny(c.buf, "\r\n")
		if i < 0 {
			return len(p), nil
		}
		if _, err := io.WriteString(c.W, NeutralizeLine(string(c.buf[:i]))+string(c.buf[i])); err != nil {
			return 0, err
		}
		c.buf = c.buf[i+1:]
	}
}

// Flush writes what is left after the last line break.
func (c *CommandSafeWriter) Flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(c.W, NeutralizeLine(string(c.buf)))
	c.buf = nil
	return err
}

// relPath makes a finding's path relative to root (slash-separated) when
// root is set and the file lies below it; otherwise it returns the path as
// given, slash-separated. "-" (stdin) is returned as it is.
func relPath(root, p string) string { return relPaths(root)(p) }

// relPaths is relPath for one root, with the root made absolute and the
// working folder read once: filepath.Abs reads it (two stats) per call,
// and SARIF and annotations ask for every finding's path.
func relPaths(root string) func(p string) string {
	if root == "" {
		return func(p string) string {
			if p == "-" {
				return p
			}
			return filepath.ToSlash(p)
		}
	}
	abs := walk.Absolute()
	rootAbs, rootErr := abs(root)
	return func(p string) string {
		if p == "-" || p == "" {
			return p
		}
		a, err := abs(p)
		if err != nil {
			return filepath.ToSlash(p)
		}
		if rootErr != nil {
			return filepath.ToSlash(a)
		}
		rel, err := filepath.Rel(rootAbs, a)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(a)
		}
		return filepath.ToSlash(rel)
	}
}

// uriRef turns a slash path into a URI reference (percent-encoding what a
// URI cannot hold), as SARIF's artifactLocation.uri wants.
func uriRef(p string) string {
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// CommandPause passes text through unchanged between the runner's
// ::stop-commands:: and the line that resumes them, so that text which
// must stay byte for byte what it is (a diff, to apply it from the log or
// from a file) cannot run workflow commands either. git apply and patch
// skip the two lines around a diff. Nothing is added when nothing is
// written. Call Resume at the end.
type CommandPause struct {
	W       io.Writer
	token   string
	started bool
	midLine bool // the last byte written is not a line break
}

// NewCommandPause pauses commands on w with a token nobody can guess, so
// no text inside can resume them early.
func NewCommandPause(w io.Writer) *CommandPause {
	var b [16]byte
	rand.Read(b[:])
	return &CommandPause{W: w, token: hex.EncodeToString(b[:])}
}

// Write starts the pause before the first bytes.
func (c *CommandPause) Write(p []byte) (int, error) {
	if !c.started && len(p) > 0 {
		c.started = true
		if _, err := io.WriteString(c.W, "::stop-commands::"+c.token+"\n"); err != nil {
			return 0, err
		}
	}
	if len(p) > 0 {
		c.midLine = p[len(p)-1] != '\n'
	}
	return c.W.Write(p)
}

// Resume ends the pause, on a line of its own, if one was started.
func (c *CommandPause) Resume() error {
	if !c.started {
		return nil
	}
	c.started = false
	nl := ""
	if c.midLine {
		nl = "\n"
	}
	_, err := io.WriteString(c.W, nl+"::"+c.token+"::\n")
	return err
}
