//go:build unix

package source

import (
	"io"
	"io/fs"
	"syscall"
)

// openRead opens a file to read it whole, with its size and whether it is
// a regular file. Through the system calls themselves: os.Open also
// tries to register every file with the network poller (four fcntl and
// an epoll_ctl that fails for a regular file), which doubled the system
// calls of reading a folder of small manifests.
func openRead(path string) (io.ReadCloser, int64, bool, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, 0, false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return &rawFile{fd, path}, st.Size, st.Mode&syscall.S_IFMT == syscall.S_IFREG, nil
}

// rawFile reads a file descriptor as an io.Reader does.
type rawFile struct {
	fd   int
	path string
}

func (f *rawFile) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(f.fd, p)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
		}
		if n == 0 && len(p) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f *rawFile) Close() error { return syscall.Close(f.fd) }
