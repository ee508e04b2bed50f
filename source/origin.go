package source

import "sigs.k8s.io/kustomize/kyaml/yaml"

// This file is the render-stage contract (issues 10 and 11): what a
// renderer (kustomize, Helm) hands the rest of the pipeline. A renderer
// builds objects from sources a person edits, parses what it built into an
// ordinary *File whose Documents carry Origins and Rendered, and lint, the
// reports and the fixer then speak of the origin files only: positions are
// in them, edits are spliced into them. A plain file is the trivial render:
// Origins is nil and every node is its own origin.

// Origin says where a node of a rendered document comes from.
type Origin struct {
	// Path is the file a person edits, spelled as reports print paths (the
	// walk's spelling: relative to where the user pointed us).
	Path string
	// Line and Column are 1-based, in Path; 0 when unknown (a remote base).
	Line, Column int
	// Doc is the parsed origin document, when the origin is YAML that was
	// parsed (a resource file, a strategic-merge patch, a values file).
	// Nil for a template line, a remote base or a generated object.
	Doc *Document
	// Node is the node in Doc that the rendered node came from: for a
	// mapping, the mapping a missing key is inserted into; for a key or a
	// scalar, the one to point at. Nil when Doc is nil.
	Node *yaml.Node
	// Keys, when set, say that the rendered mapping stands for the value
	// at these keys below Node, which is then that value's parent mapping:
	// a values map written `{}` or left empty (null) takes its new fields
	// as a block in place of the token, which only the parent can say.
	Keys []string
	// Editable: the fixer may splice new keys into Node in Doc.File. False
	// for a JSON 6902 patch, a generated object, a remote base, a template
	// expression or a field a later patch replaces.
	Editable bool
	// Note says, when the origin cannot take the edit, where and what to
	// add instead; it becomes the finding's fixNote.
	Note string
	// Inherited: the rendered node itself has no source (a renderer added
	// it, e.g. kustomize's namespace or labels); this is the origin of its
	// nearest ancestor that has one. Positions point there; an edit is
	// never made through an inherited origin.
	Inherited bool
}

// Origins resolves the nodes of a rendered document to their origins. Of
// is called with nodes of the Document's Root tree (keys and values alike)
// and reports false when nothing at all is known about the node.
type Origins interface {
	Of(rendered *yaml.Node) (Origin, bool)
}

// AbsentOrigins is what an Origins may also know: where a key that a
// rendered mapping lacks belongs. Helm prints `securityContext:` only when
// the values map behind it is not empty (`{{- with .Values.podSecurityContext }}`),
// so a missing pod securityContext belongs in that values map, not in the
// template. OfAbsent's origin is the mapping the absent key's own fields
// go into (the values map itself).
type AbsentOrigins interface {
	OfAbsent(parent *yaml.Node, key string) (Origin, bool)
}

// Rendered says what a rendered document was built from. Its JSON form is
// the `renderedFrom` object of the findings of rendered documents.
type Rendered struct {
	// Kind is "kustomize" or "helm".
	Kind string `json:"kind"`
	// Dir is the kustomization folder or the chart folder, as reports
	// print paths.
	Dir string `json:"folder"`
	// ValuesFiles and ValueSet are Helm's --values files and --set values,
	// in the order given.
	ValuesFiles []string `json:"valuesFiles,omitempty"`
	ValueSet    []string `json:"set,omitempty"`
	// ValueSetName names the configuration's value set (prod, staging)
	// when a chart is judged with several.
	ValueSetName string `json:"valueSet,omitempty"`
}

// Render is what a renderer made of one source (a kustomization, a chart).
type Render struct {
	// File holds the built objects, parsed with positions in the rendered
	// text (Path is a name for messages, e.g. "kustomize build overlays/prod");
	// every Document has Origins and Rendered set. Nil when the build failed.
	File *File
	// Consumed are the files the build read (resources, patches,
	// components, generator inputs; everything in a chart), as absolute
	// paths: they are not judged alone.
	Consumed []string
	// OriginFiles are the parsed origin files, by Path, that the Origins of
	// the documents point into: the fixer writes them and the reports take
	// their lines for snippets. A file is parsed once per run and shared by
	// every render that reads it, so that the same edit planned from two
	// overlays lands on the same node and is made once.
	OriginFiles map[string]*File
	// Errors are build problems: the kustomization or chart file named, with
	// a line where the tool gives one. Other renders and files go on.
	Errors []*Error
}

// OriginMap is the plain Origins: an origin recorded for every rendered
// node that has one (renderers record inherited origins too, while they
// still know a node's ancestors).
type OriginMap map[*yaml.Node]Origin

// Of implements Origins.
func (m OriginMap) Of(n *yaml.Node) (Origin, bool) {
	o, ok := m[n]
	return o, ok
}
