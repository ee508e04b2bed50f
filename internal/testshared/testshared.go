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
// test's package (at any depth below the repository root, so that the
// paths the tests print are the same on every machine), or skips the test
// (fails it under CI=true) when it is not there.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{moduleRoot(), "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true but the shared data %s is missing: %v", p, err)
		}
		tb.Skipf("shared data not found at %s (it sits beside the repository in CI); skipping", p)
	}
	return p
}

// moduleRoot is the relative path from the working folder (a test's
// package) up to the folder holding go.mod; ".." when none is found.
func moduleRoot() string {
	rel := "."
	for i := 0; i < 8; i++ {
		if _, err := os.Stat(filepath.Join(rel, "go.mod")); err == nil {
			return rel
		}
		rel = filepath.Join(rel, "..")
	}
	return ".."
}
