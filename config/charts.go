package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Chart is a Helm chart the configuration names, with the value sets it
// is rendered and judged with (a chart found in the walk and not named
// here is rendered once with its own values.yaml).
type Chart struct {
	// Path is the chart folder, relative to the working folder.
	Path string
	// ReleaseName and Namespace are `helm template`'s; empty: the
	// defaults (release-name, the default namespace).
	ReleaseName, Namespace string
	// ValueSets are rendered one by one; empty: one render with the
	// chart's values.yaml alone.
	ValueSets []ValueSet
	// Line is where the entry is, for messages.
	Line int
}

// ValueSet is one way the chart is installed (prod, staging).
type ValueSet struct {
	Name string
	// Values are -f files (paths relative to the working folder), in
	// order; Set are --set KEY=VALUE assignments.
	Values, Set []string
}

// charts reads `charts:`, a list of charts with their value sets. Paths
// are relative to the folder that holds the configuration.
func (p *parser) charts(e entry) {
	base := filepath.Dir(p.path)
	rel := func(s string) string {
		if filepath.IsAbs(s) {
			return s
		}
		return underWorkingFolder(filepath.Join(base, s))
	}
	if e.val.Kind != yaml.SequenceNode && !source.IsNull(e.val) {
		p.fail(e.val, "charts must be a list of charts ({path: FOLDER, valueSets: [...]}), not %s", source.Describe(e.val))
		return
	}
	for _, it := range source.Items(e.val) {
		f := p.fields(it, "a charts entry", "path", "releaseName", "namespace", "valueSets")
		if f == nil {
			continue
		}
		c := Chart{Line: it.Line}
		pe, ok := f["path"]
		if !ok {
			p.fail(it, "a charts entry needs path: the chart folder")
			continue
		}
		if s, ok := p.str(pe, "charts path"); ok {
			c.Path = rel(s)
		}
		for key, dst := range map[string]*string{"releaseName": &c.ReleaseName, "namespace": &c.Namespace} {
			if fe, ok := f[key]; ok {
				if s, ok := p.str(fe, key); ok {
					*dst = s
				}
			}
		}
		seen := map[string]bool{}
		if ve, ok := f["valueSets"]; ok {
			for _, vs := range source.Items(ve.val) {
				vf := p.fields(vs, "a value set", "name", "values", "set")
				if vf == nil {
					continue
				}
				var set ValueSet
				ne, ok := vf["name"]
				if !ok {
					p.fail(vs, "a value set needs a name (it labels the findings), e.g. prod")
					continue
				}
				if set.Name, ok = p.str(ne, "value set name"); ok && seen[set.Name] {
					p.fail(ne.val, "value set %q is listed twice for this chart", set.Name)
				}
				seen[set.Name] = true
				if fe, ok := vf["values"]; ok {
					files, _ := p.strList(fe, "values")
					for _, v := range files {
						set.Values = append(set.Values, rel(v))
					}
				}
				if fe, ok := vf["set"]; ok {
					set.Set, _ = p.strList(fe, "set")
				}
				c.ValueSets = append(c.ValueSets, set)
			}
		}
		p.cfg.Charts = append(p.cfg.Charts, c)
	}
}

// underWorkingFolder spells a path below the working folder relative to it,
// as the walk and --helm-values spell paths: a configuration found by Find
// has an absolute path, and what is joined to it would otherwise reach
// findings, renderedFrom, SARIF and diff headers as an absolute path.
// Paths outside the working folder stay as they are.
func underWorkingFolder(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	r, err := filepath.Rel(wd, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return p
	}
	return r
}
