package packaging

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/actionstest"
)

// runGet runs action/get.sh as the action's first step does, with
// releases served from releases (a URL) and tags listed from gitURL, and
// returns its step outputs. stderr is logged.
func runGet(t *testing.T, temp, ref, releases string, wantCode int, env ...string) map[string]string {
	t.Helper()
	o, _ := runGetIn(t, "", temp, ref, releases, wantCode, env...)
	return o
}

// runGetIn is runGet in the folder cwd ("" for the test's), returning
// the step outputs and what get.sh printed on stdout (workflow commands).
func runGetIn(t *testing.T, cwd, temp, ref, releases string, wantCode int, env ...string) (map[string]string, string) {
	t.Helper()
	abs, _ := filepath.Abs(root)
	out := filepath.Join(t.TempDir(), "out")
	os.WriteFile(out, nil, 0o644)
	cmd := exec.Command("bash", filepath.Join(abs, "action/get.sh"))
	cmd.Dir = cwd
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"GITHUB_ACTION_PATH=" + abs, "RUNNER_TEMP=" + temp, "RUNNER_OS=Linux", "RUNNER_ARCH=X64",
		"GITHUB_OUTPUT=" + out, "GITHUB_SERVER_URL=http://127.0.0.1:1", // never the network
		"SECCTX_LINT_REF=" + ref, "SECCTX_LINT_REPOSITORY=secctx-lint/secctx-lint",
		"SECCTX_LINT_RELEASES=" + releases}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	t.Logf("get.sh %s: %s", ref, stderr.String())
	if code != wantCode {
		t.Fatalf("get.sh %s: exit %d, want %d\n%s", ref, code, wantCode, stderr.String())
	}
	b, _ := os.ReadFile(out)
	o, err := actionstest.Outputs(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return o, stdout.String()
}

// fakeRelease serves GoReleaser's layout on 127.0.0.1:
// /TAG/checksums.txt and /TAG/secctx-lint_VERSION_OS_ARCH.tar.gz, whose
// binary is a script that prints "fake secctx-lint TAG". A tag in bad
// gets a checksums.txt that does not match its archive.
type fakeRelease struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
}

func newFakeRelease(t *testing.T, bad ...string) *fakeRelease {
	f := &fakeRelease{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits = append(f.hits, r.URL.Path)
		f.mu.Unlock()
		tag, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		version := strings.TrimPrefix(tag, "v")
		var names []string
		for _, osArch := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"} {
			names = append(names, fmt.Sprintf("secctx-lint_%s_%s.tar.gz", version, osArch))
		}
		switch {
		case file == "checksums.txt":
			for _, n := range names {
				sum := sha256.Sum256(fakeArchive(t, tag))
				if slices.Contains(bad, tag) {
					sum = sha256.Sum256([]byte("something else"))
				}
				fmt.Fprintf(w, "%x  %s\n", sum, n)
			}
		case slices.Contains(names, file):
			w.Write(fakeArchive(t, tag))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRelease) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hits...)
}

func fakeArchive(t *testing.T, tag string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := []byte("#!/bin/sh\necho fake secctx-lint " + tag + "\n")
	for _, h := range []struct {
		name string
		body []byte
	}{{"LICENSE", []byte("Apache-2.0\n")}, {"secctx-lint", body}} {
		if err := tw.WriteHeader(&tar.Header{Name: h.name, Mode: 0o755, Size: int64(len(h.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Error(err)
		}
		tw.Write(h.body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestActionGetRelease: on a release tag get.sh downloads the runner's
// archive, checks it against checksums.txt and installs the binary; a
// wrong checksum is refused and nothing is installed; a branch, a SHA or
// a local action falls back to building without asking the server.
func TestActionGetRelease(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	rel := newFakeRelease(t, "v6.6.6")
	bin := func(temp string) string { return filepath.Join(temp, "secctx-lint", "bin", "secctx-lint") }

	temp := t.TempDir()
	o := runGet(t, temp, "v1.2.3", rel.srv.URL, 0)
	if o["build"] != "false" || o["version"] != "v1.2.3" || o["cache-key"] != "" {
		t.Errorf("outputs %v", o)
	}
	if out, err := exec.Command(bin(temp)).Output(); err != nil || string(out) != "fake secctx-lint v1.2.3\n" {
		t.Errorf("installed binary: %q, %v", out, err)
	}
	if got := rel.requests(); strings.Join(got, " ") != "/v1.2.3/checksums.txt /v1.2.3/secctx-lint_1.2.3_linux_amd64.tar.gz" {
		t.Errorf("requests %v", got)
	}

	// The runner's OS and architecture pick the archive.
	temp = t.TempDir()
	runGet(t, temp, "v1.2.3", rel.srv.URL, 0, "RUNNER_OS=macOS", "RUNNER_ARCH=ARM64")
	if got := rel.requests(); got[len(got)-1] != "/v1.2.3/secctx-lint_1.2.3_darwin_arm64.tar.gz" {
		t.Errorf("requests %v", got)
	}

	// A checksum that does not match: refused, nothing installed.
	temp = t.TempDir()
	runGet(t, temp, "v6.6.6", rel.srv.URL, 1)
	if _, err := os.Stat(bin(temp)); err == nil {
		t.Errorf("a binary with a wrong checksum was installed")
	}
	// No release at the tag (a 404: a fork or a GHES copy has the tags
	// but not the releases, or the release is still being made), or a
	// release without the runner's archive: build from source, with a
	// notice that says why.
	noArchive := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".tar.gz") {
			http.NotFound(w, r)
			return
		}
		rel.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer noArchive.Close()
	for name, url := range map[string]string{"no release": rel.srv.URL + "/missing", "no archive": noArchive.URL} {
		temp := t.TempDir()
		o, stdout := runGetIn(t, "", temp, "v1.2.3", url, 0)
		if o["build"] != "true" || !strings.HasPrefix(o["cache-key"], "secctx-lint-Linux-X64-") || o["version"] != "" {
			t.Errorf("%s: outputs %v, want a build from source", name, o)
		}
		if c, ok := actionstest.Parse(strings.TrimSpace(stdout)); !ok || c.Name != "notice" || !strings.Contains(c.Data, "building from the action's source") {
			t.Errorf("%s: stdout %q, want a notice", name, stdout)
		}
		if _, err := os.Stat(bin(temp)); err == nil {
			t.Errorf("%s: a binary was installed", name)
		}
	}

	// Not a release: build from source, and the server is not asked.
	before := len(rel.requests())
	for _, ref := range []string{"", "main", "feature/x", "0123456789abcdef0123456789abcdef01234567", "v1.2.3-and-more/stuff"} {
		o := runGet(t, t.TempDir(), ref, rel.srv.URL, 0)
		if o["build"] != "true" || !strings.HasPrefix(o["cache-key"], "secctx-lint-Linux-X64-") {
			t.Errorf("ref %q: outputs %v", ref, o)
		}
	}
	if after := len(rel.requests()); after != before {
		t.Errorf("a non-release ref asked the release server: %v", rel.requests()[before:])
	}
}

// TestActionGetMajorTag: @v1 resolves to the full version tag on the same
// commit (listed with git ls-remote, here from a local repository); a
// major tag with no release on its commit builds from source.
func TestActionGetMajorTag(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("commit", "-q", "--allow-empty", "-m", "one")
	git("tag", "v1.2.2")
	git("commit", "-q", "--allow-empty", "-m", "two")
	// The rc promoted unchanged: its tag shares the commit with the final
	// one, which wins (sort -V alone puts v1.2.3-rc.1 after v1.2.3).
	git("tag", "-a", "-m", "rc", "v1.2.3-rc.1")
	git("tag", "-a", "-m", "release", "v1.2.3") // annotated: ls-remote peels it
	git("tag", "v1")
	git("commit", "-q", "--allow-empty", "-m", "three")
	git("tag", "v2")
	git("commit", "-q", "--allow-empty", "-m", "four")
	git("tag", "v3.0.0-rc.1")
	git("tag", "v3.0.0-rc.2")
	git("tag", "v3")

	rel := newFakeRelease(t)
	o := runGet(t, t.TempDir(), "v1", rel.srv.URL, 0, "SECCTX_LINT_GIT_URL="+repo)
	if o["version"] != "v1.2.3" || o["build"] != "false" {
		t.Errorf("v1: outputs %v", o)
	}
	if o := runGet(t, t.TempDir(), "v2", rel.srv.URL, 0, "SECCTX_LINT_GIT_URL="+repo); o["build"] != "true" {
		t.Errorf("v2 (no release on its commit): outputs %v", o)
	}
	// Only pre-releases on the commit: the newest of them.
	if o := runGet(t, t.TempDir(), "v3", rel.srv.URL, 0, "SECCTX_LINT_GIT_URL="+repo); o["version"] != "v3.0.0-rc.2" {
		t.Errorf("v3 (pre-releases only): outputs %v", o)
	}
}

// TestActionCacheKey: the build cache key follows the action's source, so
// an unchanged ref hits and a changed file misses.
func TestActionCacheKey(t *testing.T) {
	a := runGet(t, t.TempDir(), "main", "", 0)["cache-key"]
	b := runGet(t, t.TempDir(), "main", "", 0)["cache-key"]
	if a == "" || a != b {
		t.Errorf("keys %q and %q for the same source", a, b)
	}
	c := runGet(t, t.TempDir(), "main", "", 0, "RUNNER_OS=macOS")["cache-key"]
	if c == a || !strings.HasPrefix(c, "secctx-lint-macOS-X64-") {
		t.Errorf("macOS key %q, Linux key %q", c, a)
	}
}

// TestActionCacheKeyCoversBinary: the key is a hash over a list of files
// (source.sha256 in RUNNER_TEMP); every file the binary is built from must
// be on it: the Go files and go:embed files of the module's packages,
// go.mod, go.sum, and action.yml (the build command and its flags). A
// change to any of them must make a new key, or @main users would keep a
// cached old binary.
func TestActionCacheKeyCoversBinary(t *testing.T) {
	temp := t.TempDir()
	runGet(t, temp, "main", "", 0)
	list, err := os.ReadFile(filepath.Join(temp, "secctx-lint", "source.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	hashed := map[string]bool{}
	for _, l := range strings.Split(string(list), "\n") {
		if _, name, ok := strings.Cut(l, "  "); ok {
			hashed[strings.TrimPrefix(name, "./")] = true
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}`, root+"/cmd/secctx-lint").Output()
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	want := []string{"go.mod", "go.sum", "action.yml"}
	embedded := 0
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(abs, f)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a dependency from the module cache
		}
		if !strings.HasSuffix(rel, ".go") {
			embedded++
		}
		want = append(want, filepath.ToSlash(rel))
	}
	if embedded == 0 {
		t.Errorf("go list names no embedded file: the check would not bite")
	}
	for _, f := range want {
		if !hashed[f] {
			t.Errorf("the cache key leaves out %s, which goes into the binary", f)
		}
	}
}

// TestActionCacheKeyFollowsContent: a changed embedded data file or
// action.yml makes a new key; a changed document does not.
func TestActionCacheKeyFollowsContent(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{"go.mod": "module x\n", "main.go": "package main\n", "action.yml": "name: x\n",
		"azure/builtin/p.json": "{}\n", "docs/x.md": "doc\n", "README.md": "readme\n"}
	for name, body := range files {
		os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(src, name), []byte(body), 0o644)
	}
	key := func() string {
		return runGet(t, t.TempDir(), "main", "", 0, "GITHUB_ACTION_PATH="+src)["cache-key"]
	}
	k := key()
	for _, name := range []string{"azure/builtin/p.json", "action.yml", "docs/x.md", "README.md"} {
		os.WriteFile(filepath.Join(src, name), []byte(files[name]+"changed\n"), 0o644)
		changed := key() != k
		if want := !strings.HasSuffix(name, ".md"); changed != want {
			t.Errorf("%s changed: key changed %v, want %v", name, changed, want)
		}
		k = key()
	}
}

// TestActionGoProbe: the probe for a usable Go runs outside the caller's
// workspace with GOTOOLCHAIN=local: a go.mod there asking for a newer Go
// must not make it fetch that toolchain (and, offline, count a good Go as
// none, so that setup-go changes PATH for the later steps).
func TestActionGoProbe(t *testing.T) {
	v, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Skip("no go")
	}
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "go.mod"), []byte("module ws\n\ngo 1.99\n"), 0o644)
	o, _ := runGetIn(t, ws, t.TempDir(), "main", "", 0, "GOTOOLCHAIN=auto", "GOPROXY=off", "GOFLAGS=-mod=mod")
	if o["go-found"] != "true" {
		t.Errorf("go-found %q with %s on PATH", o["go-found"], strings.TrimSpace(string(v)))
	}
}
