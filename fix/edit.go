// Package fix turns the Changes of lint findings into byte splices of the
// original file ("approach B" of the kyaml fidelity study): the YAML tree is
// used only to locate, never to write, so every byte outside the inserted
// text stays as it was. It also writes files atomically and renders unified
// diffs.
package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Edit replaces the bytes [Start, End) of the original file with Text. An
// insertion has Start == End. Positions are byte offsets into the original
// bytes (BOM included), so an Edit can be turned into a suggestion for any
// tool that works on the unmodified file.
type Edit struct {
	Start, End int
	Text       string
	// Depth orders insertions at the same offset: the deeper one (the
	// larger Depth, its indentation) goes first, so that keys added to a
	// nested map end up before keys added to its parent.
	Depth int
}

// Apply returns src with the edits applied. Edits are sorted by position;
// overlapping edits are an error, and src is never modified.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	es := append([]Edit(nil), edits...)
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Start != es[j].Start {
			return es[i].Start < es[j].Start
		}
		// At the same offset: insertions before a replacement, deeper
		// insertions first.
		ii, ij := es[i].Start == es[i].End, es[j].Start == es[j].End
		if ii != ij {
			return ii
		}
		return es[i].Depth > es[j].Depth
	})
	size := len(src)
	for i, e := range es {
		if e.Start < 0 || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("edit %d..%d is outside the file (%d bytes)", e.Start, e.End, len(src))
		}
		if i > 0 && e.Start < es[i-1].End {
			return nil, fmt.Errorf("edits overlap at bytes %d..%d and %d..%d", es[i-1].Start, es[i-1].End, e.Start, e.End)
		}
		size += len(e.Text) - (e.End - e.Start)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range es {
		out = append(out, src[pos:e.Start]...)
		out = append(out, e.Text...)
		pos = e.End
	}
	return append(out, src[pos:]...), nil
}

// WriteAtomic replaces the file at path with data: it writes a temporary
// file in the same folder, syncs it, gives it the original file's mode and
// renames it over the original, so that a failure at any point leaves the
// original intact. A symbolic link is written through: the link is
// resolved and its target is replaced, the link itself stays a link. A file
// without write permission for its owner is refused.
func WriteAtomic(path string, data []byte) error {
	// Only a symlink in the last element needs resolving (the link is
	// kept and its target replaced); a linked folder on the way holds the
	// temporary file as well as the target. One lstat instead of one per
	// element: --fix writes thousands of files on a slow file system.
	target := path
	info, err := os.Lstat(path)
	if err == nil && info.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err == nil {
			info, err = os.Stat(target)
		}
	}
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", target)
	}
	// The rename only needs the folder to be writable; a file its owner
	// made read-only is left alone, as editors and formatters do.
	if info.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s is read-only", target)
	}
	if err := mayWrite(target); err != nil {
		return err
	}
	return renameInto(target, data, info.Mode().Perm(), info)
}

// WriteFile writes data to path atomically: an existing file is replaced
// as WriteAtomic does (keeping its mode), a new one is created with
// exactly perm (the umask does not apply).
func WriteFile(path string, data []byte, perm os.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return WriteAtomic(path, data)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return renameInto(path, data, perm, nil)
}

// renameInto writes data to a temporary file beside target and renames it
// over target, with the owner of old, the file it replaces (nil: none).
func renameInto(target string, data []byte, perm os.FileMode, old fs.FileInfo) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".secctx-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if old != nil {
		// Before the mode: a change of owner may clear mode bits.
		if err := keepOwner(tmp, old, target); err != nil {
			return err
		}
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, target); err != nil {
		return err
	}
	ok = true
	return nil
}
