//go:build !unix

package source

import (
	"io"
	"os"
)

// openRead opens a file to read it whole, with its size and whether it is
// a regular file.
func openRead(path string) (io.ReadCloser, int64, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, false, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, false, err
	}
	return f, info.Size(), info.Mode().IsRegular(), nil
}
