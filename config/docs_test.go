package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/policy"
)

const docPath = "../docs/configuration.md"

// docExample is a YAML block of the documentation marked as a
// configuration example with `<!-- config-example -->` (or
// `<!-- config-example: NAME -->`) on the line before its fence.
type docExample struct {
	name string
	line int
	src  string
}

var exampleMarker = regexp.MustCompile(`^<!--\s*config-example(?::\s*([\w-]+))?\s*-->$`)

func docExamples(t *testing.T) (doc string, examples []docExample) {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		m := exampleMarker.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```yaml" {
			t.Fatalf("%s:%d: a config-example marker must be followed by a ```yaml fence", docPath, i+1)
		}
		start := i + 2
		end := start
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		if end == len(lines) {
			t.Fatalf("%s:%d: the example's fence is not closed", docPath, i+2)
		}
		// Blank lines in front keep the line numbers of the document, so
		// that errors point into docs/configuration.md itself.
		src := strings.Repeat("\n", start) + strings.Join(lines[start:end], "\n") + "\n"
		examples = append(examples, docExample{name: m[1], line: start + 1, src: src})
		i = end
	}
	return string(b), examples
}

// Every configuration example of docs/configuration.md loads without
// errors, so that the documentation cannot rot.
func TestDocExamplesLoad(t *testing.T) {
	_, examples := docExamples(t)
	if len(examples) < 3 {
		t.Fatalf("found %d marked examples in %s, want at least 3", len(examples), docPath)
	}
	for _, ex := range examples {
		cfg, errs := Parse(docPath, []byte(ex.src))
		for _, e := range errs {
			t.Errorf("%v", e)
		}
		if cfg == nil {
			continue
		}
		if _, err := cfg.Constraints(); err != nil {
			t.Errorf("example at %s:%d: %v", docPath, ex.line, err)
		}
	}
}

// The complete example judges the seed manifests as the seed scenario's
// configuration does, which TestSeedScenario checks verdict by verdict.
func TestDocSeedExample(t *testing.T) {
	_, examples := docExamples(t)
	var seed *docExample
	for i := range examples {
		if examples[i].name == "seed" {
			seed = &examples[i]
		}
	}
	if seed == nil {
		t.Fatalf("no example marked config-example: seed in %s", docPath)
	}
	fromDoc, errs := Parse(docPath, []byte(seed.src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want, errs := Load("testdata/seed.secctx-lint.yaml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	manifests, err := os.ReadFile("testdata/seed-manifests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, exp := judge(t, fromDoc, manifests), judge(t, want, manifests)
	if strings.Join(got, "\n") != strings.Join(exp, "\n") || len(got) == 0 {
		t.Errorf("the documented example judges\n%s\nthe seed configuration\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
	}
	if fmt.Sprint(*fromDoc.Fix) != fmt.Sprint(*want.Fix) || fromDoc.Namespace != want.Namespace {
		t.Errorf("namespace or fix differ: %q %+v, want %q %+v", fromDoc.Namespace, fromDoc.Fix, want.Namespace, want.Fix)
	}
}

// allowedKeys reads the keys the parser accepts in a mapping from its own
// unknown-key message, so that a key added to the parser must be documented.
func allowedKeys(t *testing.T, src string) []string {
	t.Helper()
	_, errs := Parse("c.yaml", []byte(src))
	for _, e := range errs {
		if _, list, ok := strings.Cut(e.Msg, "(want "); ok {
			return strings.Split(strings.TrimSuffix(list, ")"), ", ")
		}
	}
	t.Fatalf("%q: no unknown-key error: %v", src, errs)
	return nil
}

// The reference part of the documentation names every key the parser
// accepts and every built-in initiative.
func TestDocNamesEveryKey(t *testing.T) {
	doc, _ := docExamples(t)
	for _, tc := range []struct{ what, src, format string }{
		{"top-level key", "zzz: 1\n", "### `%s`"},
		{"fix key", "fix: {zzz: 1}\n", "| `%s` |"},
		{"initiative key", "initiatives:\n  x: {zzz: 1}\n", "| `%s` |"},
		{"assignment key", "assignments:\n  - {initiative: restricted, zzz: 1}\n", "| `%s` |"},
	} {
		for _, k := range allowedKeys(t, tc.src) {
			if !strings.Contains(doc, strings.Replace(tc.format, "%s", k, 1)) {
				t.Errorf("%s %s is not documented in %s (want a line with %q)", tc.what, k, docPath, strings.Replace(tc.format, "%s", k, 1))
			}
		}
	}
	for _, name := range policy.BuiltinNames() {
		if !strings.Contains(doc, "| `"+name+"` |") {
			t.Errorf("built-in initiative %s is not in the presets table", name)
		}
	}
	for _, heading := range []string{"## Suppressions", "## Migrating from PodSecurityPolicy"} {
		if !strings.Contains(doc, "\n"+heading+"\n") {
			t.Errorf("heading %q is missing", heading)
		}
	}
}
