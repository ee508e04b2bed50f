package kustomize

import (
	"bytes"
	"path/filepath"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// buildFS is the file system kustomize reads through. It serves the bytes
// of files the fixer has planned to change (Overlay) instead of the disk's,
// so that --diff can re-build without writing; it records every file read
// (what the build consumed); it adds `buildMetadata: [originAnnotations]`
// to the top kustomization, which makes kustomize annotate each object with
// the file it came from without the user's kustomization saying so; and it
// drops helmCharts, which secctx-lint does not render inside a
// kustomization, so that the rest of it is still built and judged.
type buildFS struct {
	filesys.FileSystem
	top     string            // absolute path of the top kustomization file
	overlay map[string][]byte // absolute path -> bytes to read instead
	noHelm  map[string]bool   // kustomization files whose helmCharts are dropped

	mu   sync.Mutex
	read []string // absolute paths, in read order
	// userOrigins: the user's kustomization asks for origin annotations
	// itself, so kubectl's output keeps them and so must ours.
	userOrigins bool
}

func (b *buildFS) ReadFile(path string) ([]byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	b.mu.Lock()
	b.read = append(b.read, abs)
	b.mu.Unlock()
	data, ok := b.overlay[abs]
	if !ok {
		if data, err = b.FileSystem.ReadFile(path); err != nil {
			return nil, err
		}
	}
	if abs == b.top || (b.noHelm[abs] && bytes.Contains(data, []byte("helmCharts"))) {
		return b.rewrite(data, abs == b.top), nil
	}
	return data, nil
}

// rewrite edits a kustomization as kustomize reads it: without helmCharts
// (not rendered here; the build reports them and judges the rest) and, for
// the top one, with originAnnotations in buildMetadata. A file that does
// not parse is returned as it is: kustomize reports it.
func (b *buildFS) rewrite(data []byte, top bool) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k == "helmCharts" || k == "helmGlobals" || k == "helmChartInflationGenerator" {
			root.Content = append(root.Content[:i], root.Content[i+2:]...)
			i -= 2
		}
	}
	if !top {
		out, err := yaml.Marshal(&doc)
		if err != nil {
			return data
		}
		return out
	}
	var meta *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "buildMetadata" {
			meta = root.Content[i+1]
		}
	}
	if meta == nil {
		meta = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"}, meta)
	}
	if meta.Kind != yaml.SequenceNode {
		return data
	}
	for _, it := range meta.Content {
		if it.Value == "originAnnotations" {
			b.userOrigins = true
			return data
		}
	}
	meta.Content = append(meta.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "originAnnotations"})
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return data
	}
	return out
}
