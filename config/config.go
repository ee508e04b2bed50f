// Package config reads .secctx-lint.yaml: initiatives and assignments as
// users define them in Azure (in Azure's words), the values the fixer
// writes, and the default namespace. Every error carries the line and
// column of the offending key or value; a file with errors judges nothing.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// FileName is the name looked for in the working folder and its parents.
const FileName = ".secctx-lint.yaml"

// Config is a parsed configuration file.
type Config struct {
	Path string
	// Namespace is the default namespace for objects without one; "" when
	// the file does not say.
	Namespace string
	// Fix holds the values the fixer writes; nil when the file does not say.
	Fix *lint.FixValues
	// Initiatives are the custom initiatives by name.
	Initiatives map[string]*policy.Initiative
	// Assignments are what to judge with, in file order. Empty when the file
	// assigns nothing (the command line's --initiative then applies).
	Assignments []*policy.Assignment
	// Charts are Helm charts with the value sets to judge them with.
	Charts []Chart
	// Exclude are globs of paths not walked, relative to the folder that
	// holds the file (as --exclude is relative to the working folder).
	Exclude []string
}

// Find looks for FileName in dir and its parents and returns the first
// found, or "".
func Find(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, FileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Load reads and parses a configuration file.
func Load(path string) (*Config, []*source.Error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, []*source.Error{{Path: path, Msg: err.Error()}}
	}
	return Parse(path, src)
}

// topKeys are the keys of the configuration's top-level mapping.
var topKeys = []string{"namespace", "exclude", "fix", "initiatives", "assignments", "charts"}

// Parse parses a configuration file's bytes.
func Parse(path string, src []byte) (*Config, []*source.Error) {
	f, errs := source.Parse(path, src, source.DefaultLimits)
	for _, e := range errs {
		if e.NotObject {
			e.Msg = "the configuration must be a mapping with the keys " + strings.Join(topKeys, ", ")
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	p := &parser{path: path, cfg: &Config{Path: path, Initiatives: map[string]*policy.Initiative{}}}
	switch len(f.Docs) {
	case 0:
		return p.cfg, nil // an empty file configures nothing
	case 1:
	default:
		p.fail(f.Docs[1].Root, "the configuration is one YAML document; found %d", len(f.Docs))
		return nil, p.errs
	}
	p.root(f.Docs[0].Root)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool {
			if p.errs[i].Line != p.errs[j].Line {
				return p.errs[i].Line < p.errs[j].Line
			}
			return p.errs[i].Column < p.errs[j].Column
		})
		return nil, p.errs
	}
	return p.cfg, nil
}

// Constraints expands every assignment.
func (c *Config) Constraints() ([]*policy.Constraint, error) {
	var out []*policy.Constraint
	for _, a := range c.Assignments {
		cs, err := a.Constraints()
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// NotJudged lists, once each, the members of the assigned initiatives that
// secctx-lint does not judge.
func (c *Config) NotJudged() []policy.NotJudged {
	return NotJudgedOf(c.Assignments)
}

// NotJudgedOf lists the not-judged members of assignments, once each.
func NotJudgedOf(as []*policy.Assignment) []policy.NotJudged {
	var out []policy.NotJudged
	seen := map[string]bool{}
	for _, a := range as {
		if a.Effect == policy.Disabled {
			continue
		}
		for _, n := range a.Initiative.NotJudged {
			key := n.DefinitionID + "/" + n.ReferenceID
			if !seen[key] {
				seen[key] = true
				out = append(out, n)
			}
		}
	}
	return out
}

type parser struct {
	path string
	cfg  *Config
	errs []*source.Error
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.errs = append(p.errs, &source.Error{Path: p.path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// entry is one key of a mapping with its value.
type entry struct {
	key, val *yaml.Node
}

// fields walks a mapping, reports keys not in allowed, and returns the
// known entries by name. what names the mapping in messages.
func (p *parser) fields(n *yaml.Node, what string, allowed ...string) map[string]entry {
	n = source.Resolve(n)
	if n == nil || source.IsNull(n) {
		return map[string]entry{}
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s must be a mapping, not %s", what, source.Describe(n))
		return nil
	}
	out := map[string]entry{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], source.Resolve(n.Content[i+1])
		if !contains(allowed, k.Value) {
			p.fail(k, "unknown key %q in %s (want %s)", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		out[k.Value] = entry{k, v}
	}
	return out
}

// pairs walks a mapping whose keys are names the user chooses (initiative
// names, policies, parameters) and returns its entries in order, values
// resolved. what describes the mapping expected, for the message when it is
// something else; null is an empty mapping.
func (p *parser) pairs(n *yaml.Node, what string) []entry {
	n = source.Resolve(n)
	if n == nil || source.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s, not %s", what, source.Describe(n))
		return nil
	}
	out := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, entry{n.Content[i], source.Resolve(n.Content[i+1])})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(e entry, what string) (string, bool) {
	if e.val == nil || e.val.Kind != yaml.ScalarNode || e.val.Tag == "!!null" || (e.val.Tag != "!!str" && e.val.Tag != "!!int") {
		n := e.val
		if n == nil {
			n = e.key
		}
		p.fail(n, "%s must be a string, not %s", what, source.Describe(n))
		return "", false
	}
	return e.val.Value, true
}

func (p *parser) strList(e entry, what string) ([]string, bool) {
	if e.val == nil || source.IsNull(e.val) {
		return []string{}, true
	}
	if e.val.Kind != yaml.SequenceNode {
		p.fail(e.val, "%s must be a list of strings, not %s", what, source.Describe(e.val))
		return nil, false
	}
	out := []string{}
	ok := true
	for _, it := range source.Items(e.val) {
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" || it.Tag == "!!map" {
			p.fail(it, "%s must be a list of strings; this item is %s", what, source.Describe(it))
			ok = false
			continue
		}
		out = append(out, it.Value)
	}
	return out, ok
}

func (p *parser) intVal(n *yaml.Node, what string) (int64, bool) {
	v, ok := source.Int(n)
	if !ok {
		p.fail(n, "%s must be an integer, not %s", what, source.Describe(n))
	}
	return v, ok
}

func (p *parser) root(n *yaml.Node) {
	f := p.fields(n, "the configuration", topKeys...)
	if f == nil {
		return
	}
	if e, ok := f["namespace"]; ok {
		if s, ok := p.str(e, "namespace"); ok {
			if s == "" {
				p.fail(e.val, "namespace must not be empty")
			}
			p.cfg.Namespace = s
		}
	}
	if e, ok := f["exclude"]; ok {
		if globs, ok := p.strList(e, "exclude"); ok {
			for i, g := range globs {
				if !doublestar.ValidatePattern(g) {
					p.fail(source.Items(e.val)[i], "exclude: %q is not a valid glob", g)
				}
			}
			p.cfg.Exclude = globs
		}
	}
	if e, ok := f["fix"]; ok {
		p.fix(e)
	}
	if e, ok := f["initiatives"]; ok {
		p.initiatives(e)
	}
	if e, ok := f["assignments"]; ok {
		p.assignments(e)
	}
	if e, ok := f["charts"]; ok {
		p.charts(e)
	}
}

func (p *parser) fix(e entry) {
	f := p.fields(e.val, "fix", "runAsUser", "runAsGroup", "fsGroup", "supplementalGroups")
	if f == nil {
		return
	}
	fv := lint.DefaultFixValues
	fv.SupplementalGroups = append([]int64(nil), fv.SupplementalGroups...)
	for _, name := range []string{"runAsUser", "runAsGroup", "fsGroup"} {
		fe, ok := f[name]
		if !ok {
			continue
		}
		v, ok := p.intVal(fe.val, "fix."+name)
		if !ok {
			continue
		}
		if v < 1 || v > 2147483647 {
			p.fail(fe.val, "fix.%s must be between 1 and 2147483647 (0 is root, which no restrictive policy accepts)", name)
			continue
		}
		switch name {
		case "runAsUser":
			fv.RunAsUser = v
		case "runAsGroup":
			fv.RunAsGroup = v
		case "fsGroup":
			fv.FSGroup = v
		}
	}
	if fe, ok := f["supplementalGroups"]; ok {
		if fe.val.Kind != yaml.SequenceNode || len(fe.val.Content) == 0 {
			p.fail(fe.val, "fix.supplementalGroups must be a non-empty list of integers, not %s", source.Describe(fe.val))
		} else {
			fv.SupplementalGroups = nil
			for _, it := range source.Items(fe.val) {
				if v, ok := p.intVal(it, "fix.supplementalGroups item"); ok {
					if v < 1 {
						p.fail(it, "fix.supplementalGroups items must be 1 or more")
					}
					fv.SupplementalGroups = append(fv.SupplementalGroups, v)
				}
			}
		}
	}
	p.cfg.Fix = &fv
}
