package helm

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"testing"
)

// A chart that names pods with randAlphaNum renders to the same text on
// every run (podinfo's test pods), and not to a text without the names.
func TestRendersAreRepeatable(t *testing.T) {
	dir := chartDir("real/podinfo")
	opt := Options{KubeVersion: testKubeVersion}
	a, b := Render(dir, opt), Render(dir, opt)
	if a.File == nil || b.File == nil {
		t.Fatalf("not rendered: %v %v", a.Errors, b.Errors)
	}
	if !bytes.Equal(a.File.Src, b.File.Src) {
		t.Error("two renders of podinfo differ")
	}
	if n := len(regexp.MustCompile(`name: [a-z-]+-test-[a-z0-9]{5}\n`).FindAll(a.File.Src, -1)); n < 3 {
		t.Errorf("%d test pods named with a random suffix, want the 3 podinfo renders by default", n)
	}
}

// The seeded functions keep sprig's contracts: lengths, character sets,
// randInt's half-open range, a version 4 UUID; a fresh set draws the same
// values again.
func TestSeededFuncs(t *testing.T) {
	draw := func() []string {
		f := seededFuncs()
		var out []string
		for i := 0; i < 50; i++ {
			out = append(out,
				f["randAlphaNum"].(func(int) string)(8),
				f["randAlpha"].(func(int) string)(8),
				f["randNumeric"].(func(int) string)(8),
				f["randAscii"].(func(int) string)(8),
				f["randBytes"].(func(int) string)(6),
				f["uuidv4"].(func() string)(),
				f["shuffle"].(func(string) string)("abcdef"),
				string(rune('0'+f["randInt"].(func(int, int) int)(3, 7))),
			)
		}
		return out
	}
	got := draw()
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`^[A-Za-z0-9]{8}$`), regexp.MustCompile(`^[A-Za-z]{8}$`), regexp.MustCompile(`^[0-9]{8}$`),
		regexp.MustCompile(`^[ -~]{8}$`), nil,
		regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		regexp.MustCompile(`^[a-f]{6}$`), regexp.MustCompile(`^[3-6]$`),
	}
	seen := map[string]bool{}
	for i, v := range got {
		seen[v] = true
		if p := patterns[i%len(patterns)]; p != nil && !p.MatchString(v) {
			t.Errorf("draw %d: %q does not match %s", i, v, p)
		}
		if i%len(patterns) == 4 {
			if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != 6 {
				t.Errorf("randBytes 6: %q (%v)", v, err)
			}
		}
	}
	if len(seen) < len(got)/2 {
		t.Errorf("only %d distinct values in %d draws", len(seen), len(got))
	}
	again := draw()
	for i := range got {
		if got[i] != again[i] {
			t.Fatalf("draw %d: %q, then %q from a fresh set", i, got[i], again[i])
		}
	}
	if s := seededFuncs()["randAlphaNum"].(func(int) string)(-1); s != "" {
		t.Errorf("randAlphaNum -1 = %q", s)
	}
}
