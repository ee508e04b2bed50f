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
// refuses another user's file: the rename would leave it owned by
// whoever ran the fix (a group-writable file of a colleague's). The
// user's own file whose group cannot be kept is written in the user's
// group.
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
		if cur.Uid == st.Uid {
			// The user's own file in a group the user is not in (written
			// by a container as the user's uid, group 0): it stays theirs,
			// in their group, as an editor that replaces files leaves it.
			return nil
		}
		return fmt.Errorf("%s belongs to user %d, group %d: written anew by you it would change hands (%v)", target, st.Uid, st.Gid, err)
	}
	return nil
}
