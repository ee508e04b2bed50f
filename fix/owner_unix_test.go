//go:build unix

package fix

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const nobody = 65534

// Run as root, a fixed file keeps its owner and group; run as another
// user (the test binary again, under uid 65534), a file that user may not
// write, or could write but not give back to its owner, is refused and
// left as it was, in a folder where anyone may create files.
func TestWriteAtomicKeepsOwnerOrRefuses(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to make files of other users")
	}
	// Not t.TempDir: the other user must reach the folder, and run the
	// test binary, whose own folder it may not read.
	dir, err := os.MkdirTemp("", "owner-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "test.bin")
	if b, err := os.ReadFile(os.Args[0]); err != nil || os.WriteFile(bin, b, 0o755) != nil {
		t.Fatal("copying the test binary:", err)
	}
	theirs := filepath.Join(dir, "theirs.yaml")
	if err := os.WriteFile(theirs, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(theirs, []byte("new")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(theirs)
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody || st.Gid != nobody || fi.Mode().Perm() != 0o644 {
		t.Errorf("after the write: uid %d gid %d mode %v, want %d %d 0644", st.Uid, st.Gid, fi.Mode().Perm(), nobody, nobody)
	}

	for name, tc := range map[string]struct {
		mode os.FileMode
		want string
	}{
		"rootonly.yaml": {0o644, "you may not write it"},
		"shared.yaml":   {0o666, "would change hands"},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("root's"), tc.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, tc.mode) // past the umask
		cmd := exec.Command(bin, "-test.run=^TestWriteAtomicAsAnotherUser$", "-test.v")
		cmd.Env = append(os.Environ(), "SECCTX_WRITE_AS_OTHER="+p)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s as uid %d: %v\n%s", name, nobody, err, out)
		}
		if b, _ := os.ReadFile(p); string(b) != "root's" {
			t.Errorf("%s was written: %q", name, b)
		}
		fi, _ := os.Stat(p)
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 {
			t.Errorf("%s changed hands: uid %d", name, st.Uid)
		}
	}
	// The other user's own file, in root's group: written, and it stays
	// the user's (in the user's group).
	own := filepath.Join(dir, "own.yaml")
	if err := os.WriteFile(own, []byte("theirs, group 0"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(own, nobody, 0); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestWriteAtomicAsAnotherUser$", "-test.v")
	cmd.Env = append(os.Environ(), "SECCTX_WRITE_AS_OTHER="+own, "SECCTX_WRITE_SHOULD_WORK=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("own file in another group: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(own); string(b) != "nobody's" {
		t.Errorf("own file in another group: holds %q", b)
	}
	if fi, _ := os.Stat(own); fi.Sys().(*syscall.Stat_t).Uid != nobody {
		t.Errorf("own file changed hands")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 { // and test.bin
		t.Errorf("left behind: %v", entries)
	}
}

// TestWriteAtomicAsAnotherUser is the other user's side of
// TestWriteAtomicKeepsOwnerOrRefuses: it prints WriteAtomic's error.
func TestWriteAtomicAsAnotherUser(t *testing.T) {
	p := os.Getenv("SECCTX_WRITE_AS_OTHER")
	if p == "" {
		t.Skip("run by TestWriteAtomicKeepsOwnerOrRefuses")
	}
	err := WriteAtomic(p, []byte("nobody's"))
	t.Logf("error: %v", err)
	if works := os.Getenv("SECCTX_WRITE_SHOULD_WORK") != ""; works != (err == nil) {
		t.Fatalf("written: %v, want %v", err == nil, works)
	}
}
