// Package actionstest reads what a program printed for the GitHub Actions
// runner the way the runner reads it (a port of actions/runner's
// ActionCommand.TryParseV2 and its unescaping, and of the file-command
// format of GITHUB_OUTPUT). Only tests import it.
package actionstest

import (
	"fmt"
	"strings"
)

// Command is one parsed workflow command.
type Command struct {
	Name       string
	Properties map[string]string
	Data       string
}

// Lines splits output as the runner does: CR, LF and CRLF end a line.
func Lines(out string) []string {
	out = strings.ReplaceAll(out, "\r\n", "\n")
	out = strings.ReplaceAll(out, "\r", "\n")
	lines := strings.Split(out, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// dotnetSpace is what .NET's String.TrimStart() removes (Char.IsWhiteSpace).
func dotnetSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a || r >= 0x1c && r <= 0x1f
}

// IsCommand tells whether the runner would try to read line as a workflow
// command: a V2 command (after leading white space the line starts with
// "::" and holds another "::") or a legacy "##[" anywhere.
func IsCommand(line string) bool {
	if strings.Contains(line, "##[") {
		return true
	}
	t := strings.TrimLeftFunc(line, dotnetSpace)
	return strings.HasPrefix(t, "::") && strings.Contains(t[2:], "::")
}

// Parse reads a V2 command ("::name k=v,k=v::data") like the runner.
func Parse(line string) (Command, bool) {
	t := strings.TrimLeftFunc(line, dotnetSpace)
	if !strings.HasPrefix(t, "::") {
		return Command{}, false
	}
	end := strings.Index(t[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	info := t[2 : 2+end]
	c := Command{Properties: map[string]string{}}
	name, props, hasProps := strings.Cut(info, " ")
	c.Name = name
	if hasProps {
		for _, p := range strings.Split(strings.TrimSpace(props), ",") {
			if p == "" {
				continue
			}
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" || v == "" {
				continue
			}
			c.Properties[strings.ToLower(k)] = unescapeProperty(v)
		}
	}
	c.Data = unescapeData(t[2+end+2:])
	return c, true
}

func unescapeData(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}

func unescapeProperty(s string) string {
	// The runner replaces %25 last: no double decoding.
	s = strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",").Replace(s)
	return strings.ReplaceAll(s, "%25", "%")
}

// Outputs parses a GITHUB_OUTPUT file: "name=value" lines and
// "name<<DELIM" heredocs. A name set twice is an error, as is a heredoc
// without its closing delimiter.
func Outputs(file string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(file, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		var name, value string
		if n, delim, ok := strings.Cut(l, "<<"); ok && (!strings.Contains(l, "=") || strings.Index(l, "<<") < strings.Index(l, "=")) {
			name = n
			var vals []string
			closed := false
			for i++; i < len(lines); i++ {
				if lines[i] == delim {
					closed = true
					break
				}
				vals = append(vals, lines[i])
			}
			if !closed {
				return nil, fmt.Errorf("output %s: no closing delimiter %q", name, delim)
			}
			value = strings.Join(vals, "\n")
		} else if n, v, ok := strings.Cut(l, "="); ok {
			name, value = n, v
		} else {
			return nil, fmt.Errorf("line %d: not an output: %q", i+1, l)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("output %s set twice", name)
		}
		out[name] = value
	}
	return out, nil
}
