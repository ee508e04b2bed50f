// Package testshared finds the read-only shared data (Azure's files, the
// conformance cases, the corpus) that sits beside the repository as
// ../shared in CI. A user's clone has no such folder: tests that need it
// skip, except under CI=true, where its absence is a failure.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of elem inside the shared folder, relative to the
// test's package (which sits one folder below the repository root), or
// skips the test (fails it under CI=true) when it is not there.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true but the shared data %s is missing: %v", p, err)
		}
		tb.Skipf("shared data not found at %s (it sits beside the repository in CI); skipping", p)
	}
	return p
}
