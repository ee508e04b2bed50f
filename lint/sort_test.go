package lint

import (
	"math/rand"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// SortFindings sorts small slices by hand; it must order exactly as a
// stable sort on the same keys does, ties kept in input order.
func TestSortFindingsIsStable(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 45; n++ {
		fs := make([]Finding, n)
		for i := range fs {
			fs[i] = Finding{File: []string{"a", "b"}[r.Intn(2)], Line: r.Intn(4), Column: r.Intn(2), Rule: []string{"x", "y"}[r.Intn(2)], Field: []string{"f", "g"}[r.Intn(2)], Message: string(rune('A' + i))}
		}
		want := append([]Finding(nil), fs...)
		sort.SliceStable(want, func(i, j int) bool { return findingLess(&want[i], &want[j]) })
		SortFindings(fs)
		if d := cmp.Diff(want, fs, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("n=%d: (-stable +SortFindings)\n%s", n, d)
		}
	}
}
