package helm

import (
	"encoding/base64"
	"math/rand/v2"
	"text/template"

	"helm.sh/helm/v4/pkg/engine"
)

// newEngine is Helm's template engine with the random functions seeded.
func newEngine() engine.Engine {
	return engine.Engine{CustomTemplateFuncs: seededFuncs()}
}

// seededFuncs replaces sprig's random functions (crypto/rand in Helm)
// with ones drawn from a generator seeded alike for every render, so a
// chart renders to the same text on every run. Charts name test pods and
// jobs with `randAlphaNum 5`: with a new name each run, a finding on such
// a pod would be new to --baseline and to code scanning (its SARIF
// fingerprint holds the name) on every push, and --diff would not be
// repeatable. What is drawn only depends on the order of the calls, which
// Helm makes in its sorted order of templates.
func seededFuncs() template.FuncMap {
	rng := rand.New(rand.NewPCG(0x5ecc7, 0x11e7))
	pick := func(count int, set string) string {
		if count <= 0 {
			return "" // sprig's answer too (its error is dropped)
		}
		b := make([]byte, count)
		for i := range b {
			b[i] = set[rng.IntN(len(set))]
		}
		return string(b)
	}
	const (
		letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		digits  = "0123456789"
	)
	ascii := make([]byte, 0, 95)
	for c := byte(' '); c <= '~'; c++ {
		ascii = append(ascii, c)
	}
	return template.FuncMap{
		"randAlphaNum": func(count int) string { return pick(count, letters+digits) },
		"randAlpha":    func(count int) string { return pick(count, letters) },
		"randNumeric":  func(count int) string { return pick(count, digits) },
		"randAscii":    func(count int) string { return pick(count, string(ascii)) },
		"randBytes": func(count int) string {
			b := make([]byte, max(count, 0))
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			return base64.StdEncoding.EncodeToString(b)
		},
		// As sprig's: min inclusive, max exclusive, and a panic (which
		// the template reports as an error) when max <= min.
		"randInt": func(min, max int) int { return rng.IntN(max-min) + min },
		"uuidv4": func() string {
			var u [16]byte
			for i := range u {
				u[i] = byte(rng.UintN(256))
			}
			u[6] = u[6]&0x0f | 0x40 // version 4
			u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
			const hex = "0123456789abcdef"
			out := make([]byte, 0, 36)
			for i, c := range u {
				if i == 4 || i == 6 || i == 8 || i == 10 {
					out = append(out, '-')
				}
				out = append(out, hex[c>>4], hex[c&0x0f])
			}
			return string(out)
		},
		"shuffle": func(s string) string {
			r := []rune(s)
			rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
			return string(r)
		},
	}
}
