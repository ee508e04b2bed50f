package helm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/ignore"
)

// Overlay holds file contents that replace what is on disk, by absolute
// path: --diff renders the chart again from the fixed text it did not
// write.
type Overlay map[string][]byte

// read reads a file through the overlay.
func (o Overlay) read(p string) ([]byte, error) {
	if len(o) > 0 {
		if abs, err := filepath.Abs(p); err == nil {
			if b, ok := o[abs]; ok {
				return b, nil
			}
		}
	}
	return os.ReadFile(p)
}

// touches tells whether the overlay replaces a file below dir.
func (o Overlay) touches(dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for p := range o {
		if strings.HasPrefix(p, abs+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// load loads a chart folder as Helm's directory loader does (.helmignore
// and its defaults honoured, a BOM dropped), reading through the overlay.
func (o Overlay) load(dir string) (*chart.Chart, error) {
	if !o.touches(dir) {
		return loader.Load(dir)
	}
	top, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	rules := ignore.Empty()
	if _, err := os.Stat(filepath.Join(top, ignore.HelmIgnore)); err == nil {
		if rules, err = ignore.ParseFile(filepath.Join(top, ignore.HelmIgnore)); err != nil {
			return nil, err
		}
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	err = filepath.Walk(top, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n := filepath.ToSlash(strings.TrimPrefix(p, top+string(filepath.Separator)))
		if p == top {
			return nil
		}
		if rules.Ignore(n, fi) {
			if fi.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if fi.IsDir() {
			return nil
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("cannot load irregular file %s", p)
		}
		data, err := o.read(p)
		if err != nil {
			return err
		}
		files = append(files, &archive.BufferedFile{Name: n, ModTime: fi.ModTime(), Data: bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loader.LoadFiles(files)
}
