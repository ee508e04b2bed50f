package source

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		line     int
		contains string
		docs     int
	}{
		{"not yaml", "a: b\n  c: [d\n", 2, "invalid YAML", 0},
		{"helm template breaks yaml", "metadata:\n  name: {{ .Release.Name }}-pod\n", 2, "Helm or Go template", 0},
		{"helm template that parses", "spec:\n  replicas: {{ .Values.replicas }}\n", 2, "template syntax", 0},
		{"duplicate keys", "apiVersion: v1\nkind: Pod\nkind: Service\n", 3, `duplicate key "kind" (first at line 2)`, 0},
		{"scalar document", "just text\n", 1, "not an object", 0},
		{"list document", "- a\n- b\n", 1, "a list, not an object", 0},
		{"alias into another document", "x: &b {image: x}\n---\nkind: Pod\nspec:\n  containers:\n  - <<: *b\n    name: a\n", 6, "alias *b refers to an anchor in another document", 1},
		{"second document broken keeps the first", "kind: Pod\n---\nkind: [\n", 3, "invalid YAML", 1},
		{"binary", "kind: Pod\x00\x01", 0, "binary file", 0},
		{"pod under apps/v1", "kind: ConfigMap\n---\napiVersion: apps/v1\nkind: Pod\n", 3, `no matches for kind "Pod" in version "apps/v1": the API server serves Pod as v1`, 1},
		{"deployment in the core group", "apiVersion: v1\nkind: Deployment\n", 1, `no matches for kind "Deployment" in version "v1"`, 0},
		{"cronjob under a k8s.io group", "apiVersion: apps.k8s.io/v1\nkind: CronJob\n", 1, `serves CronJob as batch/v1`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs := Parse("x.yaml", []byte(tt.src), DefaultLimits)
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", errs)
			}
			if errs[0].Line != tt.line || !strings.Contains(errs[0].Msg, tt.contains) {
				t.Errorf("got %q at line %d, want line %d containing %q", errs[0].Msg, errs[0].Line, tt.line, tt.contains)
			}
			if !f.Broken || len(f.Docs) != tt.docs {
				t.Errorf("Broken=%v docs=%d, want broken with %d docs", f.Broken, len(f.Docs), tt.docs)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := map[string]string{
		"empty":                   "",
		"comments only":           "# nothing\n---\n# here\n",
		"template in a string":    "kind: ConfigMap\ndata:\n  msg: \"{{ $labels.pod }} down\"\n  plain: value {{ x }}\n",
		"json":                    `{"kind": "Pod", "spec": {"containers": []}}`,
		"merge keys":              "base: &b {x: 1}\nkind: Pod\nother:\n  <<: *b\n  y: 2\n",
		"an old but real group":   "apiVersion: extensions/v1beta1\nkind: Deployment\n",
		"a custom resource's Pod": "apiVersion: example.com/v1\nkind: Pod\n",
		"alias in its document":   "kind: Pod\n---\nkind: Pod\nspec:\n  containers:\n  - &c {name: a}\n  initContainers:\n  - *c\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			f, errs := Parse("x.yaml", []byte(src), DefaultLimits)
			if len(errs) > 0 || f.Broken {
				t.Fatalf("unexpected errors: %v", errs)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	t.Run("size", func(t *testing.T) {
		_, errs := Parse("big.yaml", bytes.Repeat([]byte("a: b\n"), 100), Limits{MaxFileSize: 100})
		if len(errs) != 1 || !strings.Contains(errs[0].Msg, "over the 100-byte limit") {
			t.Fatalf("got %v", errs)
		}
	})
	t.Run("alias bomb is not expanded", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < 30; i++ {
			b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
			for j := 0; j < 10; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("*a" + itoa(i-1))
			}
			b.WriteString("]\n")
		}
		b.WriteString("kind: Pod\n")
		f, errs := Parse("bomb.yaml", []byte(b.String()), DefaultLimits)
		if len(errs) != 0 || len(f.Docs) != 1 {
			t.Fatalf("got %v", errs)
		}
	})
	t.Run("deep nesting", func(t *testing.T) {
		src := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
		_, errs := Parse("deep.yaml", []byte(src), DefaultLimits)
		if len(errs) != 1 {
			t.Fatalf("want an error, got %v", errs)
		}
	})
	t.Run("node budget", func(t *testing.T) {
		_, errs := Parse("many.yaml", []byte("a: [1, 2, 3, 4, 5, 6]\n"), Limits{MaxNodes: 5})
		if len(errs) != 1 || !strings.Contains(errs[0].Msg, "more than 5 YAML nodes") || !errs[0].OverLimit {
			t.Fatalf("got %v", errs)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// Positions are yaml.v3's (1-based line, rune column) and map back to the
// original bytes, also with CRLF endings, a BOM and several documents.
func TestLineIndex(t *testing.T) {
	src := []byte("\ufeffkind: Pod\r\n---\r\nmetadata:\r\n  name: é-x\r\n")
	f, errs := Parse("crlf.yaml", src, DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	li := f.Lines()
	meta := f.Docs[1].Root
	name := Get(meta, "metadata").Content[1]
	if name.Line != 4 || name.Column != 9 {
		t.Fatalf("yaml.v3 position %d:%d, want 4:9", name.Line, name.Column)
	}
	off := li.Offset(name.Line, name.Column)
	if !bytes.HasPrefix(src[off:], []byte("é-x\r\n")) {
		t.Errorf("offset %d points at %q", off, src[off:])
	}
	if l, c := li.Position(off); l != 4 || c != 9 {
		t.Errorf("Position(%d) = %d:%d, want 4:9", off, l, c)
	}
	if got := string(li.Line(2)); got != "---" {
		t.Errorf("line 2 = %q", got)
	}
	kind := f.Docs[0].Root.Content[0]
	if kind.Line != 1 || kind.Column != 1 || li.Offset(1, 1) != 3 {
		t.Errorf("BOM: kind at %d:%d, offset %d", kind.Line, kind.Column, li.Offset(1, 1))
	}
}

func TestBoolReadsYAML11(t *testing.T) {
	f, _ := Parse("b.yaml", []byte("a: yes\nb: \"yes\"\nc: false\nd: On\n"), DefaultLimits)
	m := f.Docs[0].Root
	for key, want := range map[string][2]bool{"a": {true, true}, "b": {false, false}, "c": {false, true}, "d": {true, true}} {
		v, ok := Bool(Get(m, key))
		if v != want[0] || ok != want[1] {
			t.Errorf("%s: got %v,%v want %v,%v", key, v, ok, want[0], want[1])
		}
	}
}

func TestLookupMergeKeys(t *testing.T) {
	f, _ := Parse("m.yaml", []byte("base: &b {x: 1, y: 1}\nm:\n  <<: *b\n  y: 2\n"), DefaultLimits)
	m := Get(f.Docs[0].Root, "m")
	if v, _ := Int(Get(m, "x")); v != 1 {
		t.Errorf("merged x = %d", v)
	}
	if v, _ := Int(Get(m, "y")); v != 2 {
		t.Errorf("explicit y = %d, want it to win over the merged one", v)
	}
}

// Syntax errors point where the parser found the problem (its problem
// mark), not at the start of the enclosing mapping as go-yaml's message
// does, and carry the column.
func TestSyntaxErrorPositions(t *testing.T) {
	for _, tt := range []struct {
		src       string
		line, col int
	}{
		{"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: b\n   bad: x\n", 7, 4},
		{"a:\n  b: 1\n c: 2\n", 3, 2},
		{"a: b: c\n", 1, 5},
		{"a:\n  - x\n  y: 1\n", 3, 3},
		{"- a\nb: c\n", 2, 1},
		// at the end of the input: where the quote opened, or the last line
		{"a: 'x\n\n", 1, 4},
		{"kind: Pod\n---\nkind: [\n", 3, 8},
	} {
		_, errs := Parse("x.yaml", []byte(tt.src), DefaultLimits)
		if len(errs) != 1 || errs[0].Line != tt.line || errs[0].Column != tt.col {
			t.Errorf("%q: got %v, want an error at %d:%d", tt.src, errs, tt.line, tt.col)
		}
	}
}

// The "\n"-only scan gives the general scan's line starts wherever it is
// used: on the corpus and on text made of line-break bytes and others.
func TestNewlineStartsMatchBreakStarts(t *testing.T) {
	var inputs [][]byte
	eachManifest(t, func(_ string, src []byte) { inputs = append(inputs, src) })
	rng := rand.New(rand.NewPCG(1, 2))
	// With the first bytes of NEL, LS and PS, and what follows them, so
	// that near misses (·, —) take the fast path too.
	alphabet := []byte("a \n:-\xef\xbb\xbf\xc2\xe2\x80\x85\xa8\xa9\xb7\x94")
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, b)
	}
	for _, b := range inputs {
		first := 0
		if bytes.HasPrefix(b, []byte("\ufeff")) {
			first = 3
		}
		if !onlyNewlines(b) {
			continue
		}
		if got, want := newlineStarts(b, first), breakStarts(b, first); !slices.Equal(got, want) {
			t.Fatalf("%q: newlineStarts %v, breakStarts %v", b, got, want)
		}
	}
}
