package kustomize

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kust is what we read of one kustomization file ourselves, before and
// beside kustomize's build: which folders it uses (to choose what to build
// and to refuse remote resources before kustomize reaches for the network)
// and its patches (to map patched fields back into the patch files).
type kust struct {
	dir, file string // absolute
	src       *source.File
	// resources, components: entries with their nodes, for positions.
	resources, components []entry
	patches               []patch
	// files: the other files it names (configurations, crds, generator
	// and transformer configs, replacements, generators' files and envs),
	// so that a build error about one points at its line.
	files      []entry
	helmCharts *yaml.Node // the helmCharts key, when present
	openapi    bool       // sets its own OpenAPI schema
	component  bool       // kind: Component, built only by its users
	errs       []*source.Error
}

// entry is one string of a kustomization's list.
type entry struct {
	value string
	node  *yaml.Node
	abs   string // the local path it names
	dir   bool   // abs is a folder (a kustomization)
}

// patch is one patch of a kustomization: a file or inline text, strategic
// merge or JSON 6902, with its target.
type patch struct {
	file   string     // absolute path of the patch file; "" for inline
	rel    string     // the path as the kustomization writes it
	inline *yaml.Node // the inline text's scalar node
	json   bool       // a JSON 6902 patch (patchesJson6902, or a list of ops)
	target *selector  // nil: the patch's own kind and name
	node   *yaml.Node // the entry in the kustomization, for messages
}

// selector is the part of kustomize's patch target that we evaluate; a
// target we cannot evaluate fully (set-based selectors) matches by kind and
// name only, which at worst maps a field to a patch that did not set it.
type selector struct {
	kind, name, namespace string
	nameRE                *regexp.Regexp
	labels                map[string]string
}

// remoteRE recognises resources kustomize would fetch: URLs, git specs,
// and the host/org/repo shorthand.
var remoteRE = regexp.MustCompile(`^([a-z][a-z0-9+.-]*://|git@|(github|gitlab|bitbucket)\.(com|org)/)|\?ref=|\.git(//|$)`)

// scan reads the kustomization file in dir (absolute).
func (r *Renderer) scan(dir, name string) *kust {
	k := &kust{dir: dir, file: filepath.Join(dir, name)}
	f := r.origin(k.file, r.display(k.file))
	k.src = f
	if f == nil || f.Broken || len(f.Docs) == 0 {
		if f != nil && len(f.Docs) == 0 && !f.Broken {
			return k // an empty kustomization builds nothing
		}
		k.errs = append(k.errs, r.errorAt(k.file, nil, "the kustomization does not read as YAML"))
		return k
	}
	root := f.Docs[0].Root
	for _, key := range []string{"resources", "bases"} {
		k.resources = append(k.resources, r.entries(k, source.Get(root, key))...)
	}
	k.components = r.entries(k, source.Get(root, "components"))
	k.openapi = source.Get(root, "openapi") != nil
	k.component = str(source.Get(root, "kind")) == "Component"
	if hk, hv := source.Lookup(root, "helmCharts"); hk != nil && len(source.Items(hv)) > 0 {
		k.helmCharts = hk
	}
	for _, it := range source.Items(source.Get(root, "patchesStrategicMerge")) {
		if s, ok := source.Str(it); ok {
			if looksInline(s) {
				k.patches = append(k.patches, patch{inline: it, node: it})
			} else {
				k.patches = append(k.patches, patch{file: filepath.Join(dir, s), rel: s, node: it})
			}
		}
	}
	for _, key := range []string{"patches", "patchesJson6902"} {
		for _, it := range source.Items(source.Get(root, key)) {
			p := patch{node: it, json: key == "patchesJson6902"}
			if s, ok := source.Str(source.Get(it, "path")); ok && s != "" {
				p.file, p.rel = filepath.Join(dir, s), s
			} else if pn := source.Get(it, "patch"); pn != nil {
				p.inline = pn
			} else {
				continue
			}
			if t := source.Mapping(source.Get(it, "target")); t != nil {
				p.target = readSelector(t)
			}
			k.patches = append(k.patches, p)
		}
	}
	k.files = otherFiles(dir, root)
	return k
}

// otherFiles lists the file names a kustomization gives outside its
// resources, components and patches.
func otherFiles(dir string, root *yaml.Node) []entry {
	var out []entry
	add := func(n *yaml.Node) {
		if s, ok := source.Str(n); ok && s != "" {
			if i := strings.IndexByte(s, '='); i >= 0 {
				s = s[i+1:] // a generator's files: key=path
			}
			out = append(out, entry{value: s, node: n, abs: filepath.Join(dir, s)})
		}
	}
	for _, key := range []string{"configurations", "crds", "generators", "transformers", "validators"} {
		for _, it := range source.Items(source.Get(root, key)) {
			add(it)
		}
	}
	for _, it := range source.Items(source.Get(root, "replacements")) {
		add(source.Get(it, "path"))
	}
	for _, key := range []string{"configMapGenerator", "secretGenerator"} {
		for _, g := range source.Items(source.Get(root, key)) {
			for _, list := range []string{"files", "envs"} {
				for _, it := range source.Items(source.Get(g, list)) {
					add(it)
				}
			}
			add(source.Get(g, "env"))
		}
	}
	return out
}

// looksInline: patchesStrategicMerge entries may be inline YAML.
func looksInline(s string) bool { return strings.ContainsAny(s, "\n:") }

func (r *Renderer) entries(k *kust, list *yaml.Node) []entry {
	var out []entry
	for _, it := range source.Items(list) {
		s, ok := source.Str(it)
		if !ok {
			continue
		}
		e := entry{value: s, node: it}
		if remoteRE.MatchString(s) {
			k.errs = append(k.errs, r.errorAt(k.file, it, fmt.Sprintf("remote resource %q: secctx-lint builds without network; vendor it into the repository, or run `kustomize build %s | secctx-lint -`", s, r.display(k.dir))))
			continue
		}
		e.abs = filepath.Join(k.dir, s)
		if info, err := os.Stat(e.abs); err == nil && info.IsDir() {
			e.dir = true
		}
		out = append(out, e)
	}
	return out
}

func readSelector(t *yaml.Node) *selector {
	s := &selector{}
	s.kind, _ = source.Str(source.Get(t, "kind"))
	s.name, _ = source.Str(source.Get(t, "name"))
	s.namespace, _ = source.Str(source.Get(t, "namespace"))
	if s.name != "" {
		// kustomize reads the name as an anchored regular expression.
		if re, err := regexp.Compile("^(?:" + s.name + ")$"); err == nil {
			s.nameRE = re
		}
	}
	if ls, ok := source.Str(source.Get(t, "labelSelector")); ok && ls != "" {
		s.labels = map[string]string{}
		for _, part := range strings.Split(ls, ",") {
			kv := strings.SplitN(strings.TrimSpace(part), "=", 2)
			if len(kv) != 2 || strings.ContainsAny(kv[0], "!<> ") {
				s.labels = nil // set-based: not evaluated
				break
			}
			s.labels[strings.TrimSpace(kv[0])] = strings.TrimPrefix(strings.TrimSpace(kv[1]), "=")
		}
	}
	return s
}

// matches says whether the selector picks an object of kind with one of
// names (its built name and its name in the source), in namespace, with
// labels.
func (s *selector) matches(kind string, names []string, namespace string, labels map[string]string) bool {
	if s.kind != "" && s.kind != kind {
		return false
	}
	if s.namespace != "" && s.namespace != namespace {
		return false
	}
	if s.name != "" {
		ok := false
		for _, n := range names {
			ok = ok || n == s.name || (s.nameRE != nil && s.nameRE.MatchString(n))
		}
		if !ok {
			return false
		}
	}
	for k, v := range s.labels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// errorAt is an input error in file at node n (nil: no line).
func (r *Renderer) errorAt(file string, n *yaml.Node, msg string) *source.Error {
	e := &source.Error{Path: r.display(file), Msg: msg}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}
