package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/policy"
)

// docFiles are the documents whose examples must keep working.
var docFiles = []string{"../../README.md", "../../docs/configuration.md", "../../docs/github-action.md"}

// docCommand is one secctx-lint invocation shown in a document.
type docCommand struct {
	where string   // file:line
	args  []string // the words after secctx-lint, up to a shell operator
}

// shellWords splits a line into words the way a reader sees them: quotes
// keep a word together (and stay in it, so a quoted "secctx-lint" is not
// a command), operators are words of their own.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quote := byte(0)
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t':
			flush()
		case c == '|' || c == ';' || c == '>' || c == '&' || c == '#':
			flush()
			words = append(words, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return words
}

// commandsIn finds the secctx-lint invocations of a line: a word that is
// the program (secctx-lint, or go run's ./cmd/secctx-lint) at the start or
// after an operator or after docker run's options, not a value (-t
// secctx-lint, name: secctx-lint).
func commandsIn(line string) [][]string {
	words := shellWords(line)
	var out [][]string
	for i, w := range words {
		if w != "secctx-lint" && !strings.HasSuffix(w, "/cmd/secctx-lint") {
			continue
		}
		if i > 0 {
			prev := words[i-1]
			if strings.HasSuffix(prev, ":") || prev == "-t" || prev == "-name" || prev == "install" || prev == "for" || prev == "run" && i > 1 && words[i-2] == "docker" {
				continue
			}
			if !strings.ContainsAny(prev, "|;&") && prev != "run" && !(len(words) > 1 && words[0] == "docker") {
				continue // prose or a value, not a command
			}
		}
		var args []string
		for _, a := range words[i+1:] {
			if strings.ContainsAny(a, "|;>&#") && len(a) == 1 {
				break
			}
			args = append(args, strings.Trim(a, `"'`))
		}
		out = append(out, args)
	}
	return out
}

var (
	fence    = regexp.MustCompile("^\\s*```(\\w*)\\s*$")
	codeSpan = regexp.MustCompile("`([^`]+)`")
)

// docCommands collects the secctx-lint invocations of the documents: the
// lines of sh and yaml code blocks, and code spans in the prose. Output
// samples (text blocks) are not commands.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	var cmds []docCommand
	for _, path := range docFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lang, in := "", false
		for n, line := range strings.Split(string(b), "\n") {
			where := filepath.Base(path) + ":" + strconv.Itoa(n+1)
			if m := fence.FindStringSubmatch(line); m != nil {
				if in {
					in = false
				} else {
					in, lang = true, m[1]
				}
				continue
			}
			var sources []string
			switch {
			case in && (lang == "sh" || lang == "yaml"):
				sources = []string{line}
			case !in:
				for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
					sources = append(sources, m[1])
				}
			}
			for _, s := range sources {
				for _, args := range commandsIn(s) {
					cmds = append(cmds, docCommand{where, args})
				}
			}
		}
	}
	// The --help examples are documentation too.
	_, examples, _ := strings.Cut(usageTail, "Examples:\n")
	for _, line := range strings.Split(examples, "\n") {
		for _, args := range commandsIn(line) {
			cmds = append(cmds, docCommand{"--help", args})
		}
	}
	return cmds
}

// TestDocCommandsParse: every secctx-lint command the README, the docs and
// --help show is accepted as written: subcommands exist, flags exist and
// take the values shown, built-in initiative names are real.
func TestDocCommandsParse(t *testing.T) {
	cmds := docCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("found only %d documented commands; the extraction is broken", len(cmds))
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		args := placeholders(c.args)
		seen[strings.Join(args, " ")] = true
		if len(args) > 0 {
			if _, ok := subcommands[args[0]]; ok || args[0] == "help" {
				// Flags are parsed in order, so a bad one fails before
				// the --help at the end ends the parse.
				if code, _, errs := runCLI(t, "", append(args, "--help")...); code != exitOK {
					t.Errorf("%s: secctx-lint %s: exit %d: %s", c.where, strings.Join(c.args, " "), code, errs)
				}
				continue
			}
		}
		cfg, code, err := parseFlags(args, io.Discard, io.Discard)
		if err != nil || (cfg == nil && code != exitOK) {
			t.Errorf("%s: secctx-lint %s: exit %d, %v", c.where, strings.Join(c.args, " "), code, err)
			continue
		}
		if cfg != nil && cfg.set["initiative"] {
			if _, err := policy.Builtin(cfg.initiative); err != nil {
				t.Errorf("%s: secctx-lint %s: %v", c.where, strings.Join(c.args, " "), err)
			}
		}
	}
	// The extraction finds what is there (so the test bites).
	for _, want := range []string{"examples/", "--diff deploy/", "init", "policies", "--constraint constraints.yaml deploy/", "--format rdjsonl --fail-on never deploy"} {
		if !seen[want] {
			t.Errorf("documented command %q not found; found %v", want, seen)
		}
	}
}

// placeholders turns the docs' placeholders into words a parser takes.
func placeholders(args []string) []string {
	var out []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "[") || a == "...":
			continue // [flags] [PATH ...]
		case strings.HasSuffix(a, "..."):
			a = strings.TrimSuffix(a, "...")
		}
		out = append(out, a)
	}
	return out
}

// TestReadmeQuickStart runs the README's quick start as it promises:
// examples/ fails (exit 1) because of web.yaml, compliant.yaml passes, and
// the text output sample is what the tool prints for web.yaml.
func TestReadmeQuickStart(t *testing.T) {
	t.Chdir("../..") // the README's commands run from the repository root
	if code, out, _ := runCLI(t, "", "examples/"); code != exitFindings || !strings.Contains(out, "examples/web.yaml:") || strings.Contains(out, "examples/compliant.yaml:") {
		t.Errorf("examples/: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "", "examples/compliant.yaml"); code != exitOK {
		t.Errorf("examples/compliant.yaml: exit %d\n%s", code, out)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(readme), "Text (default), grouped by file:\n\n```\n")
	sample, _, ok := strings.Cut(after, "```")
	if !ok || sample == "" {
		t.Fatal("no text output sample in the README")
	}
	_, out, _ := runCLI(t, "", "examples/web.yaml")
	if !strings.Contains(out, sample) {
		t.Errorf("the README's text sample is not what secctx-lint prints:\n%s\ngot:\n%s", sample, out)
	}
}
