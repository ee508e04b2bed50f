package helm

import (
	"sync"

	"github.com/secctx-lint/secctx-lint/source"
)

// Cache holds the origin files of a run, each parsed once: the values
// files as YAML, the templates with their actions blanked out (the bytes
// kept are the template's own). Safe for concurrent renders.
type Cache struct {
	mu      sync.Mutex
	files   map[string]*source.File
	overlay Overlay
}

// NewCache returns an empty cache that reads files through overlay (nil:
// from disk).
func NewCache(overlay Overlay) *Cache {
	return &Cache{files: map[string]*source.File{}, overlay: overlay}
}

func (c *Cache) values(p string, lim source.Limits) *source.File {
	return c.get("v:"+p, func() *source.File {
		src, err := c.overlay.read(p)
		if err != nil {
			return nil
		}
		f, _ := source.Parse(p, src, lim)
		return f
	})
}

// template parses a template with its actions blanked to spaces, which
// keeps every byte offset; a template whose plain lines do not parse alone
// (a key printed by an action, branches with the same keys) has no
// documents and so takes no edit.
func (c *Cache) template(p string, lim source.Limits) *source.File {
	return c.get("t:"+p, func() *source.File {
		src, err := c.overlay.read(p)
		if err != nil {
			return nil
		}
		f, errs := ParseTemplate(p, src, lim)
		if len(errs) > 0 || f.Broken {
			return nil
		}
		return f
	})
}

func (c *Cache) get(key string, load func() *source.File) *source.File {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.files[key]; ok {
		return f
	}
	f := load()
	c.files[key] = f
	return f
}

// ParseTemplate parses a template's plain YAML lines: the text with every
// action blanked to spaces, so that nodes point into the template; the
// file keeps the template's own bytes.
func ParseTemplate(p string, src []byte, lim source.Limits) (*source.File, []*source.Error) {
	f, errs := source.Parse(p, blank(src), lim)
	f.Src = src
	f.Parser = ParseTemplate
	return f, errs
}
