package source

import (
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Extensions are the file name endings read when walking a folder. Files
// named explicitly are read whatever their name.
var Extensions = []string{".yaml", ".yml", ".json"}

// Input is one file to read: a path, or stdin when Path is "-".
type Input struct {
	Path string
	// Walked: the file was found by walking a folder, not named; it is
	// read only when its content looks like a Kubernetes manifest
	// (LooksLikeManifest), else it is skipped quietly and counted.
	Walked bool
}

// HasManifestExt reports a name ending in one of Extensions.
func HasManifestExt(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range Extensions {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// PlainOSError is an OS error without the path, which messages print
// already.
func PlainOSError(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// ReadFile reads and parses one input. stdin is read from in.
func ReadFile(in Input, stdin io.Reader, lim Limits) (*File, []*Error) {
	src, err := Read(in, stdin, lim)
	if err != nil {
		return &File{Path: in.Path, Broken: true}, []*Error{err}
	}
	if in.Walked && !LooksLikeManifest(src) {
		return &File{Path: in.Path, Skipped: NotManifest}, nil
	}
	return Parse(in.Path, src, lim)
}

// Read reads one input's bytes (stdin from stdin), within the size limit.
// A walked input that is not a manifest (LooksLikeManifest) is the
// caller's to skip.
func Read(in Input, stdin io.Reader, lim Limits) ([]byte, *Error) {
	var src []byte
	var err error
	if in.Path == "-" {
		src, err = readLimited(stdin, lim.MaxFileSize)
		if err == nil && len(src) == 0 {
			// `kustomize build x | secctx-lint -` without pipefail passes
			// when the build fails: say so, as for an empty folder.
			return nil, &Error{Path: in.Path, Msg: "standard input is empty: nothing to judge (did the command before the pipe fail?)"}
		}
	} else {
		src, err = readPath(in.Path, lim.MaxFileSize)
	}
	if err != nil {
		return nil, &Error{Path: in.Path, Msg: err.Error()}
	}
	return src, nil
}

func readPath(path string, max int64) ([]byte, error) {
	f, size, regular, err := openRead(path)
	if err != nil {
		return nil, fmt.Errorf("%s", PlainOSError(err))
	}
	defer f.Close()
	if !regular {
		return nil, fmt.Errorf("not a regular file")
	}
	if max > 0 && size > max {
		return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit; not read", size, max)
	}
	// Read into a buffer of the file's size (one byte more to see it
	// grow): io.ReadAll's doubling would hold up to twice a large file.
	buf := make([]byte, 0, size+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || err == nil && int64(len(buf)) == size && n > 0 {
			// The size fstat gave is read: reading on only to be told EOF
			// costs a system call per file. A file that grew since fills
			// the extra byte and is read on below.
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			// The file grew while being read: read the rest as before.
			rest, err := io.ReadAll(f)
			if err != nil {
				return nil, err
			}
			buf = append(buf, rest...)
			if max > 0 && int64(len(buf)) > max {
				return nil, fmt.Errorf("input is over the %d-byte limit; not read", max)
			}
			return buf, nil
		}
	}
}

func readLimited(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		return io.ReadAll(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("input is over the %d-byte limit; not read", max)
	}
	return b, nil
}

// Stream works on every input on all cores: work is called with each
// input and a put function, and emit gets every result put, in input
// order (all of a file's before the next file's), while later files are
// still being worked on. A file's results
// wait in a short queue; a worker ahead of emit blocks when its queue is
// full, so what is held is a few results per core, not a whole file's.
func Stream[T any](inputs []Input, work func(in Input, put func(T)), emit func(T)) {
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	if workers <= 1 {
		for _, in := range inputs {
			work(in, emit)
		}
		return
	}
	const queue = 16
	type job struct {
		in Input
		ch chan T
	}
	jobs := make(chan job)
	// order hands emit each file's queue in input order; its capacity
	// bounds how many files are started ahead of emit.
	order := make(chan chan T, 2*workers)
	go func() {
		for _, in := range inputs {
			ch := make(chan T, queue)
			order <- ch
			jobs <- job{in, ch}
		}
		close(jobs)
		close(order)
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				work(j.in, func(t T) { j.ch <- t })
				close(j.ch)
			}
		}()
	}
	for ch := range order {
		for t := range ch {
			emit(t)
		}
	}
	wg.Wait()
}

// SortErrors orders errors by path and position.
func SortErrors(errs []*Error) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}
