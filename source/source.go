// Package source reads manifests from files, folders and stdin and parses
// them once into YAML node trees that keep every node's line and column in
// the original bytes. Nothing later in the pipeline reads a file again.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// File is one input: its original bytes and the documents parsed from them.
type File struct {
	// Path is the name used in reports: the path as the user gave it (or
	// found under a folder they gave), or "-" for stdin.
	Path string
	// Src holds the original bytes, BOM and line endings included.
	Src []byte
	// Docs are the documents that parsed, in order. Empty and comment-only
	// documents are not included.
	Docs []*Document
	// Broken is set when part of the file could not be parsed or is not a
	// manifest a fixer may touch (template syntax, duplicate keys). Documents
	// before the problem are still in Docs and are judged; the file is never
	// written.
	Broken bool
	// DocumentCount counts every non-empty document, also ones that were
	// not objects.
	DocumentCount int
	// Skipped, when set, says why a walked file was not parsed (it is not
	// a manifest); such a file has no Src and no Docs and is only counted.
	Skipped string
	// Parser, when set, is how this file's text parses (a Helm template
	// parses with its actions blanked out); the fixer checks a fixed text
	// with it. Nil: Parse.
	Parser func(path string, src []byte, lim Limits) (*File, []*Error)

	lines *LineIndex
}

// Lines returns the file's line table, built on first use.
func (f *File) Lines() *LineIndex {
	if f.lines == nil {
		f.lines = NewLineIndex(f.Src)
	}
	return f.lines
}

// Document is one YAML document of a file whose top node is a mapping.
type Document struct {
	File *File
	// Index is the 0-based position among the stream's documents, counting
	// empty ones, as `---` separators do.
	Index int
	// Root is the document's mapping node.
	Root *yaml.Node
	// Origins resolves the nodes of a rendered document to the files a
	// person edits (origin.go); nil for a plain file, whose nodes are their
	// own origins.
	Origins Origins
	// Rendered says what a rendered document was built from; nil for a
	// plain file.
	Rendered *Rendered
}

// Error is a problem with an input, with the position it was found at.
// Line and Column are 1-based; 0 means unknown.
type Error struct {
	Path   string
	Line   int
	Column int
	Msg    string
	// NotObject: the error is a document that is not a mapping; readers of
	// files that are not manifests (the configuration) word it their way.
	NotObject bool
	// OverLimit: the text is refused for its size (Limits), not its syntax.
	OverLimit bool
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
}

// Limits bound what one input may cost.
type Limits struct {
	// MaxFileSize is the largest file read, in bytes.
	MaxFileSize int64
	// MaxNodes bounds the nodes of one file, alias expansions counted, so
	// that a crafted file cannot make later stages run away.
	MaxNodes int
}

// DefaultLimits are generous for real manifests: the largest file of the
// test corpus (an argo-cd install bundle) is 2 MB.
var DefaultLimits = Limits{MaxFileSize: 32 << 20, MaxNodes: 10_000_000}

var bom = []byte("\xef\xbb\xbf")

// Parse parses src as a stream of YAML documents. It returns the file with
// every document that parsed, and the problems found. Parse never panics on
// any input and never expands aliases.
func Parse(path string, src []byte, lim Limits) (*File, []*Error) {
	return Decode(path, src, lim, func(d *Document) { d.File.Docs = append(d.File.Docs, d) })
}

// Decode parses src as Parse does, but hands each document to each as soon
// as it is parsed and checked, and keeps none in File.Docs: a caller that
// judges a document and lets go of it holds one document's tree at a time,
// however many documents the file has. Problems found later in the stream
// set File.Broken after earlier documents were handed on, so a caller that
// writes the file decides at the end. each may be nil (count and check
// only).
func Decode(path string, src []byte, lim Limits, each func(*Document)) (*File, []*Error) {
	f := &File{Path: path, Src: src}
	return f, DecodeFile(f, lim, each)
}

// useQuick lets the quick parser (quick.go) read what it can; tests turn
// it off to compare with go-yaml alone.
var useQuick = true

// DecodeFile is Decode for a File whose Path and Src are set, for callers
// that need the File before its first document (to judge it as it comes).
func DecodeFile(f *File, lim Limits, each func(*Document)) []*Error {
	path, src := f.Path, f.Src
	var errs []*Error
	// refuse records e as the file's, which does not read; fail is refuse
	// for a message.
	refuse := func(e *Error) *Error {
		e.Path = path
		f.Broken = true
		errs = append(errs, e)
		return e
	}
	fail := func(line, col int, format string, args ...any) *Error {
		return refuse(&Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
	}
	if lim.MaxFileSize > 0 && int64(len(src)) > lim.MaxFileSize {
		fail(0, 0, "file is %d bytes, over the %d-byte limit; not read", len(src), lim.MaxFileSize).OverLimit = true
		return errs
	}
	if looksBinary(src) {
		fail(0, 0, "binary file (it holds NUL bytes); not read")
		return errs
	}
	nodes := 0
	// accept checks one document's root and hands it on; false stops the
	// file (its rest is not read).
	accept := func(index int, root *yaml.Node) bool {
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			return true
		}
		f.DocumentCount++
		if problem := check(root, &nodes, lim, map[*yaml.Node]bool{}); problem != nil {
			refuse(problem)
			return false
		}
		if root.Kind != yaml.MappingNode {
			fail(root.Line, root.Column, "document %d is %s, not an object; a Kubernetes manifest is a mapping with apiVersion and kind", index+1, Describe(root)).NotObject = true
			return true
		}
		if line, col, msg := unservedVersion(root); msg != "" {
			fail(line, col, "%s", msg)
			return true
		}
		if each != nil {
			each(&Document{File: f, Index: index, Root: root})
		}
		return true
	}
	// The quick parser reads what it is sure of. When it gives up, go-yaml
	// reads on from the separator of the first document not handed on,
	// with its lines shifted to the file's; should that stretch fail
	// (go-yaml's own error, or an alias to an anchor before it), go-yaml
	// reads the whole file and skips the documents already handed on, so
	// errors are go-yaml's own. A document is handed on only once the next
	// one has been read too: go-yaml looks a few tokens past a document's
	// end, and an error there fails the document before it.
	handed := 0 // documents before this index are settled
	if useQuick && quickUsable(src) {
		q := newQuick(src)
		var pending *yaml.Node
		pendingOff, pendingLine := 0, 1
		for index := 0; ; index++ {
			root, st := q.next()
			if st == quickGiveUp {
				if pending == nil {
					// Nothing waits: go-yaml starts at the document the
					// quick parser gave up in.
					pendingOff, pendingLine, handed = q.chunkOff, q.chunkLine, index
				}
				break
			}
			if root == nil && st != quickEnd {
				continue // a null document settles nothing
			}
			if pending != nil && !accept(handed, pending) {
				return errs
			}
			if st == quickEnd {
				return errs
			}
			pending, handed = root, index
			pendingOff, pendingLine = q.chunkOff, q.chunkLine
		}
		if pendingOff > 0 {
			n, done, stop := decodeFrom(src, pendingOff, pendingLine, handed, accept)
			if done || stop {
				return errs
			}
			handed += n
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for index := 0; ; index++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, col := yamlErrorLine(err), 0
			if l, c, ok := parserMark(dec, src); ok {
				line, col = l, c
			}
			msg := plainYAMLError(err)
			if tl := templateLineNear(src, line); tl > 0 {
				// Point at the template, which is what needs fixing.
				line, col = tl, 0
				msg += " (the file looks like a Helm or Go template: render it first, e.g. with `helm template`)"
			}
			fail(line, col, "%s", msg)
			break
		}
		if index < handed || len(doc.Content) == 0 {
			continue // handed on by the quick parser; or empty or comment-only
		}
		if !accept(index, doc.Content[0]) {
			break
		}
	}
	return errs
}

// decodeFrom decodes src[off:], which starts at line line and with the
// document of index first, handing each document on with its lines
// shifted to the file's. It returns how many documents it settled,
// whether it read to the end, and whether accept stopped the file; on a
// go-yaml error it stops, settling nothing more, for go-yaml to read the
// whole file. A document go-yaml hands on here is what it hands on when
// reading the whole file: the stretch starts at a separator, and the only
// state earlier documents leave, anchors, fails an alias to them here.
func decodeFrom(src []byte, off, line, first int, accept func(int, *yaml.Node) bool) (settled int, done, stop bool) {
	dec := yaml.NewDecoder(bytes.NewReader(src[off:]))
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err != nil {
			return i, errors.Is(err, io.EOF), false
		}
		if len(doc.Content) > 0 {
			root := doc.Content[0]
			shiftLines(root, line-1)
			if !accept(first+i, root) {
				return i, false, true
			}
		}
	}
}

// shiftLines adds delta to the line of every node of a tree.
func shiftLines(n *yaml.Node, delta int) {
	n.Line += delta
	for _, c := range n.Content {
		shiftLines(c, delta)
	}
}

// DecodeRange decodes f.Src[start:end], whole lines of which the first
// is line, as DecodeFile decodes a file, with the file's lines: the
// documents name f and their nodes and the errors carry the lines they
// are on in f. A stretch that does not read sets f.Broken.
func DecodeRange(f *File, start, end, line int, lim Limits, each func(*Document)) []*Error {
	part := &File{Path: f.Path, Src: f.Src[start:end]}
	errs := DecodeFile(part, lim, func(d *Document) {
		shiftLines(d.Root, line-1)
		d.File = f
		each(d)
	})
	for _, e := range errs {
		if e.Line > 0 {
			e.Line += line - 1
		}
	}
	f.Broken = f.Broken || part.Broken
	return errs
}

// workloadGroups gives, per built-in workload kind, the apiVersion it is
// served as today and the API groups that ever served it (extensions and
// the beta versions are gone, but a manifest under them is old, not wrong
// about what it is, and is still judged).
var workloadGroups = map[string]struct {
	served string
	groups []string
}{
	"Pod": {"v1", []string{""}}, "PodTemplate": {"v1", []string{""}}, "ReplicationController": {"v1", []string{""}},
	"Deployment": {"apps/v1", []string{"apps", "extensions"}}, "ReplicaSet": {"apps/v1", []string{"apps", "extensions"}},
	"DaemonSet": {"apps/v1", []string{"apps", "extensions"}}, "StatefulSet": {"apps/v1", []string{"apps"}},
	"Job": {"batch/v1", []string{"batch"}}, "CronJob": {"batch/v1", []string{"batch"}},
}

// unservedVersion reports a built-in workload kind under a built-in API
// group that never served it (kind: Pod under apps/v1): kubectl finds no
// such resource and the object is never created. A group with a dot that
// is not *.k8s.io is a custom resource's, which may reuse the name.
func unservedVersion(root *yaml.Node) (line, col int, msg string) {
	kind, _ := Str(Get(root, "kind"))
	w, builtin := workloadGroups[kind]
	k, v := Lookup(root, "apiVersion")
	av, ok := Str(v)
	if !builtin || !ok {
		return 0, 0, ""
	}
	group, _, hasGroup := strings.Cut(av, "/")
	if !hasGroup {
		group = ""
	}
	if strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io") {
		return 0, 0, ""
	}
	for _, g := range w.groups {
		if g == group {
			return 0, 0, ""
		}
	}
	return k.Line, k.Column, fmt.Sprintf("no matches for kind %q in version %q: the API server serves %s as %s; kubectl refuses this document, so it is not judged", kind, av, kind, w.served)
}

func looksBinary(src []byte) bool {
	head := src
	if len(head) > 8000 {
		head = head[:8000]
	}
	return bytes.IndexByte(head, 0) >= 0
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErrorLine extracts the line go-yaml puts in its messages.
func yamlErrorLine(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return 0
	}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func plainYAMLError(err error) string {
	msg := err.Error()
	msg = yamlLineRE.ReplaceAllString(msg, "")
	msg = strings.TrimPrefix(msg, "yaml: ")
	return "invalid YAML: " + msg
}

// templateLineNear returns the first line holding "{{" within three lines
// of the line go-yaml blamed (anywhere when it named none), or 0.
func templateLineNear(src []byte, line int) int {
	if !bytes.Contains(src, []byte("{{")) {
		return 0
	}
	cur := 1
	for start := 0; start <= len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src) - start
		}
		near := line <= 0 || (cur >= line-3 && cur <= line+3)
		if near && bytes.Contains(src[start:start+end], []byte("{{")) {
			return cur
		}
		if line > 0 && cur > line+3 {
			break
		}
		cur++
		start += end + 1
	}
	return 0
}

// earlierKey returns an earlier key of mapping n equal to the key at index
// i. Small mappings (most of a manifest) are scanned without allocating;
// large ones get an index built once.
func earlierKey(n *yaml.Node, i int, seen *map[string]*yaml.Node) *yaml.Node {
	k := n.Content[i]
	if len(n.Content) <= 32 {
		for j := 0; j < i; j += 2 {
			if o := n.Content[j]; o.Value == k.Value && o.Kind == yaml.ScalarNode && o.Tag != "!!merge" {
				return o
			}
		}
		return nil
	}
	if *seen == nil {
		*seen = make(map[string]*yaml.Node, len(n.Content)/2)
	}
	if first, dup := (*seen)[k.Value]; dup {
		return first
	}
	(*seen)[k.Value] = k
	return nil
}

// check walks a document once and refuses what later stages must not see:
// duplicate keys (the API server would take the last, a fixer would edit the
// first), non-scalar keys (what an unquoted `{{ ... }}` parses to), and
// documents that exceed the node budget.
func check(n *yaml.Node, nodes *int, lim Limits, anchors map[*yaml.Node]bool) *Error {
	*nodes++
	if lim.MaxNodes > 0 && *nodes > lim.MaxNodes {
		return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("more than %d YAML nodes; not judged", lim.MaxNodes), OverLimit: true}
	}
	if n.Anchor != "" {
		anchors[n] = true
	}
	switch n.Kind {
	case yaml.AliasNode:
		// go-yaml keeps anchors across the documents of a stream; kubectl
		// and Helm read each document alone and fail on such an alias.
		if !anchors[n.Alias] {
			return &Error{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("alias *%s refers to an anchor in another document; kubectl reads each document alone and fails (unknown anchor)", n.Value)}
		}
	case yaml.MappingNode:
		var seen map[string]*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				if k.Kind == yaml.MappingNode && k.Style&yaml.FlowStyle != 0 {
					return &Error{Line: k.Line, Column: k.Column, Msg: "a mapping is used as a key: this is template syntax ({{ ... }}) outside a string; render the template first, e.g. with `helm template`"}
				}
				return &Error{Line: k.Line, Column: k.Column, Msg: "complex mapping keys are not supported in manifests"}
			}
			if k.Anchor != "" {
				anchors[k] = true
			}
			if k.Tag != "!!merge" {
				if first := earlierKey(n, i, &seen); first != nil {
					return &Error{Line: k.Line, Column: k.Column, Msg: fmt.Sprintf("duplicate key %q (first at line %d); the API server would keep only the last one", k.Value, first.Line)}
				}
			}
			if err := check(n.Content[i+1], nodes, lim, anchors); err != nil {
				return err
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if err := check(c, nodes, lim, anchors); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reparse parses new text for f as f's own text was parsed.
func (f *File) Reparse(src []byte, lim Limits) (*File, []*Error) {
	if f.Parser != nil {
		return f.Parser(f.Path, src, lim)
	}
	return Parse(f.Path, src, lim)
}
