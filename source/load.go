package source

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
}

// Expand turns the user's arguments into the list of files to read: files
// as given, folders walked (in lexical order) for manifest files, "-" for
// stdin. Folders named .git are skipped. Problems (a path that does not
// exist) are returned as errors; the rest is still expanded.
func Expand(args []string) ([]Input, []*Error) {
	var out []Input
	var errs []*Error
	seen := map[string]bool{}
	add := func(p string) {
		// A file reached twice (named twice, or through a symlink in a
		// walked folder) is judged and fixed once.
		key := p
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if abs, err := filepath.Abs(real); err == nil {
				key = abs
			}
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, Input{Path: p})
		}
	}
	for _, arg := range args {
		if arg == "-" {
			add("-")
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			errs = append(errs, &Error{Path: arg, Msg: plainOSError(err)})
			continue
		}
		if !info.IsDir() {
			add(arg)
			continue
		}
		found := len(out)
		walkErr := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, &Error{Path: p, Msg: plainOSError(err)})
				return nil
			}
			if d.IsDir() {
				if p != arg && d.Name() == ".git" {
					return filepath.SkipDir
				}
				return nil
			}
			if hasManifestExt(d.Name()) && d.Type()&fs.ModeIrregular == 0 {
				add(p)
			}
			return nil
		})
		if walkErr != nil {
			errs = append(errs, &Error{Path: arg, Msg: plainOSError(walkErr)})
		} else if len(out) == found {
			// A CI gate pointed at the wrong folder must not pass quietly.
			errs = append(errs, &Error{Path: arg, Msg: "no " + strings.Join(Extensions, ", ") + " file in this folder"})
		}
	}
	return out, errs
}

func hasManifestExt(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range Extensions {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

func plainOSError(err error) string {
	var pe *fs.PathError
	if ok := asPathError(err, &pe); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func asPathError(err error, target **fs.PathError) bool {
	pe, ok := err.(*fs.PathError)
	if ok {
		*target = pe
	}
	return ok
}

// ReadFile reads and parses one input. stdin is read from in.
func ReadFile(in Input, stdin io.Reader, lim Limits) (*File, []*Error) {
	var src []byte
	var err error
	if in.Path == "-" {
		src, err = readLimited(stdin, lim.MaxFileSize)
	} else {
		src, err = readPath(in.Path, lim.MaxFileSize)
	}
	if err != nil {
		return &File{Path: in.Path, Broken: true}, []*Error{{Path: in.Path, Msg: err.Error()}}
	}
	return Parse(in.Path, src, lim)
}

func readPath(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s", plainOSError(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s", plainOSError(err))
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if max > 0 && info.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit; not read", info.Size(), max)
	}
	return readLimited(f, max)
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

// Each reads and parses every input, hands each file to work on all cores,
// and calls emit with the results in input order, so that output is
// deterministic while the work is parallel. At most a few files per core are
// held ahead of emit.
func Each[T any](inputs []Input, stdin io.Reader, lim Limits, work func(*File, []*Error) T, emit func(T)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > len(inputs) {
		workers = len(inputs)
	}
	if workers <= 1 {
		for _, in := range inputs {
			emit(work(ReadFile(in, stdin, lim)))
		}
		return
	}
	slots := make([]chan T, len(inputs))
	for i := range slots {
		slots[i] = make(chan T, 1)
	}
	ahead := make(chan struct{}, 4*workers) // bounds memory held for emit
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				slots[i] <- work(ReadFile(inputs[i], stdin, lim))
			}
		}()
	}
	go func() {
		for i := range inputs {
			ahead <- struct{}{}
			next <- i
		}
		close(next)
	}()
	for i := range inputs {
		emit(<-slots[i])
		<-ahead
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
