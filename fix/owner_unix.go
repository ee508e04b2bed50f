//go:build unix

package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// mayWrite refuses a file the user may not write. The rename that
// replaces it only needs the folder to be writable, so without this a
// file of someone else's in a shared folder would be replaced.
func mayWrite(path string) error {
	if err := syscall.Access(path, 2 /* W_OK */); err != nil {
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) {
			return fmt.Errorf("%s: you may not write it", path)
		}
		return &fs.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}

// keepOwner gives the new file the replaced one's owner and group, or
// refuses: the rename would leave a file owned by whoever ran the fix
// (a group-writable file of a colleague's, a checkout fixed with sudo).
func keepOwner(tmp *os.File, old fs.FileInfo, target string) error {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	now, err := tmp.Stat()
	if err != nil {
		return err
	}
	cur, ok := now.Sys().(*syscall.Stat_t)
	if !ok || cur.Uid == st.Uid && cur.Gid == st.Gid {
		return nil
	}
	if err := tmp.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("%s belongs to user %d, group %d: written anew by you it would change hands (%v)", target, st.Uid, st.Gid, err)
	}
	return nil
}
