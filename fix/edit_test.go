package fix

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestApply(t *testing.T) {
	src := []byte("abcdef")
	out, err := Apply(src, []Edit{
		{Start: 6, End: 6, Text: "!"},
		{Start: 2, End: 2, Text: "<outer>", Depth: 2},
		{Start: 2, End: 2, Text: "<inner>", Depth: 4},
		{Start: 3, End: 5, Text: "X"},
	})
	if err != nil || string(out) != "ab<inner><outer>cXf!" {
		t.Fatalf("%q %v", out, err)
	}
	if string(src) != "abcdef" {
		t.Fatal("src modified")
	}
	if _, err := Apply(src, []Edit{{Start: 1, End: 4}, {Start: 3, End: 5}}); err == nil {
		t.Fatal("overlap accepted")
	}
	if _, err := Apply(src, []Edit{{Start: 5, End: 9}}); err == nil {
		t.Fatal("out of range accepted")
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.yaml")
	os.WriteFile(p, []byte("old"), 0o640)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink("a.yaml", link)
	if err := WriteAtomic(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("link replaced by a file")
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	// A failure leaves the original intact and no temporary file.
	if err := WriteAtomic(filepath.Join(dir, "missing.yaml"), []byte("x")); err == nil {
		t.Fatal("no error for a missing file")
	}
	if err := os.Chmod(dir, 0o500); err == nil && os.Getuid() != 0 {
		if err := WriteAtomic(p, []byte("newer")); err == nil {
			t.Fatal("write into a read-only folder succeeded")
		}
		os.Chmod(dir, 0o700)
		if b, _ := os.ReadFile(p); string(b) != "new" {
			t.Fatalf("original damaged: %q", b)
		}
	}
	os.Chmod(dir, 0o700)
	// A read-only file is refused even where the rename would work (in a
	// writable folder, or as root).
	os.Chmod(p, 0o444)
	if err := WriteAtomic(p, []byte("newest")); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("read-only file: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("read-only file changed: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("left behind: %v", entries)
	}
}

// A file reached through a linked folder, or through a link to a link, is
// replaced where it lives; the links stay links, and nothing is left
// beside it.
func TestWriteAtomicThroughLinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(real, "a.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.yaml", filepath.Join(real, "l1.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("l1.yaml", filepath.Join(real, "l2.yaml")); err != nil {
		t.Fatal(err)
	}
	for i, via := range []string{filepath.Join(dir, "linked", "a.yaml"), filepath.Join(dir, "linked", "l2.yaml")} {
		want := fmt.Sprintf("new %d", i)
		if err := WriteAtomic(via, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != want {
			t.Fatalf("via %s: the file holds %q", via, b)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Fatalf("via %s: mode %v", via, fi.Mode().Perm())
		}
	}
	for _, l := range []string{filepath.Join(dir, "linked"), filepath.Join(real, "l1.yaml"), filepath.Join(real, "l2.yaml")} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link (%v)", l, err)
		}
	}
	if entries, _ := os.ReadDir(real); len(entries) != 3 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestDiffLines checks that the operations rebuild both sides.
func TestDiffLines(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := []string{"a\n", "b\n", "c\n", "d"}
	for i := 0; i < 500; i++ {
		var a, b []string
		for j := r.Intn(12); j > 0; j-- {
			a = append(a, words[r.Intn(3)])
		}
		for j := r.Intn(12); j > 0; j-- {
			b = append(b, words[r.Intn(3)])
		}
		var ra, rb []string
		for _, op := range diffLines(a, b) {
			if op.kind != '+' {
				ra = append(ra, op.text)
			}
			if op.kind != '-' {
				rb = append(rb, op.text)
			}
		}
		if strings.Join(ra, "") != strings.Join(a, "") || strings.Join(rb, "") != strings.Join(b, "") {
			t.Fatalf("%q -> %q gave %v", a, b, diffLines(a, b))
		}
	}
	d := UnifiedDiff("x.yaml", []byte("a\nb\nc\n"), []byte("a\nb\nB\nc"))
	want := "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,3 +1,4 @@\n a\n b\n-c\n+B\n+c\n\\ No newline at end of file\n"
	if d != want {
		t.Fatalf("got\n%s", d)
	}
}

// UnifiedDiff cuts the lines both sides share at their ends before the
// line diff; the diff is the same as that of the whole lines, on random
// texts and on the corpus with lines inserted, dropped and changed.
func TestUnifiedDiffCutsOnlyWhatTheDiffShares(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	pieces := []string{"a\n", "b\n", "c\n", "d", "\n", "a", "\r\n", "é\n"}
	text := func(n int) []byte {
		var sb strings.Builder
		for ; n > 0; n-- {
			sb.WriteString(pieces[r.Intn(len(pieces))])
		}
		return []byte(sb.String())
	}
	type pair struct{ old, new []byte }
	var pairs []pair
	for i := 0; i < 3000; i++ {
		old := text(r.Intn(30))
		// A change in the middle of a shared head and tail, often.
		head, tail := text(r.Intn(12)), text(r.Intn(12))
		mid := text(r.Intn(4))
		pairs = append(pairs, pair{old, text(r.Intn(30))}, pair{concat(head, old, tail), concat(head, mid, tail)})
	}
	for _, name := range corpusFiles(t) {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := splitLines(src)
		for k := 0; k < 3 && len(lines) > 0; k++ {
			edited := slices.Clone(lines)
			i := r.Intn(len(edited))
			switch k {
			case 0:
				edited = slices.Insert(edited, i, "  inserted: true\n")
			case 1:
				edited = slices.Delete(edited, i, i+1)
			default:
				edited[i] = "changed\n"
			}
			pairs = append(pairs, pair{src, []byte(strings.Join(edited, ""))})
		}
	}
	for _, p := range pairs {
		if bytes.Equal(p.old, p.new) {
			continue
		}
		want := unifiedDiff("x.yaml", splitLines(p.old), splitLines(p.new), 0)
		if got := UnifiedDiff("x.yaml", p.old, p.new); got != want {
			t.Fatalf("%q -> %q:\ngot\n%s\nwant\n%s", p.old, p.new, got, want)
		}
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// Two findings that ask for different values of one missing key get
// neither (the planner notes the conflict), and nothing is written above
// the key either: no empty maps on the way to it, in a block map, a flow
// map or in place of a null value. Sequences whose items add up (Set) are
// written as one, in the order first asked.
func TestConflictWritesNoEmptyMaps(t *testing.T) {
	for _, src := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - {name: c, image: x}\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n",
		// drop: null is replaced, and two different values for it are a
		// conflict as they are for a missing key.
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      capabilities:\n        drop:\n",
	} {
		f := parsePod(t, src)
		ct := source.Get(source.Get(f.Docs[0].Root, "spec"), "containers").Content[0]
		seq := func(items ...string) *yaml.Node {
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, it := range items {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: it})
			}
			return n
		}
		ask := func(items ...string) lint.Finding {
			return lint.Finding{Fixable: true, Doc: f.Docs[0], Changes: []lint.Change{{Map: ct, Path: []string{"securityContext", "capabilities", "drop"}, Value: seq(items...)}}}
		}
		edits, notes, err := Plan(f, []lint.Finding{ask("ALL"), ask("ALL", "NET_RAW")})
		if err != nil {
			t.Fatal(err)
		}
		if len(edits) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Msg, "different values") {
			t.Errorf("%q: edits %+v, notes %+v; want no edit and the conflict noted", src, edits, notes)
		}
		// Items that add up (Set) are written together instead.
		set := func(items ...string) lint.Finding {
			fd := ask(items...)
			fd.Changes[0].Set = true
			return fd
		}
		res, err := File(f, []lint.Finding{set("ALL"), set("NET_RAW", "ALL"), set("NET_ADMIN")})
		if err != nil {
			t.Fatal(err)
		}
		out := string(res.Src)
		all, raw, admin := strings.Index(out, "ALL"), strings.Index(out, "NET_RAW"), strings.Index(out, "NET_ADMIN")
		if len(res.Notes) != 0 || all < 0 || !(all < raw && raw < admin) || strings.Count(out, "ALL") != 1 {
			t.Errorf("%q with Set: notes %+v, fixed text\n%s", src, res.Notes, out)
		}
	}
}

// TestConflictOnNullValue: a null value is filled as a missing key is, so
// two different values asked for it are a conflict there too (neither is
// written, and a third ask does not bring one back); the same value asked
// twice is written once.
func TestConflictOnNullValue(t *testing.T) {
	for _, src := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser:\n  containers:\n  - name: c\n    image: x\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: null\n  containers:\n  - name: c\n    image: x\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: {}\n  containers:\n  - name: c\n    image: x\n",
	} {
		f := parsePod(t, src)
		spec := source.Get(f.Docs[0].Root, "spec")
		ask := func(uid string) lint.Finding {
			return lint.Finding{Fixable: true, Doc: f.Docs[0], Changes: []lint.Change{{Map: spec, Path: []string{"securityContext", "runAsUser"}, Value: &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: uid}}}}
		}
		edits, notes, err := Plan(f, []lint.Finding{ask("1000"), ask("2000"), ask("1000")})
		if err != nil {
			t.Fatal(err)
		}
		if len(edits) != 0 || len(notes) != 1 || !strings.Contains(notes[0].Msg, "runAsUser is asked for with different values") {
			t.Errorf("%q: edits %+v, notes %+v; want no edit and the conflict noted", src, edits, notes)
		}
		res, err := File(f, []lint.Finding{ask("1000"), ask("1000")})
		if err != nil {
			t.Fatal(err)
		}
		if out := string(res.Src); len(res.Notes) != 0 || strings.Count(out, "runAsUser: 1000") != 1 {
			t.Errorf("%q asked twice: notes %+v, fixed text\n%s", src, res.Notes, out)
		}
	}
}

// parsePod parses a test pod that must parse.
func parsePod(t *testing.T, src string) *source.File {
	t.Helper()
	f, errs := source.Parse("pod.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return f
}
