// Package gittest runs git in temporary repositories for tests of the
// packages that read git (the filter stage, the CLI's --new-from-rev).
package gittest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// In returns a function that runs git in dir with no user or system
// configuration and a fixed identity, fails the test on an error, and
// returns git's output without surrounding white space.
func In(tb testing.TB, dir string) func(args ...string) string {
	return func(args ...string) string {
		tb.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			tb.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
}
