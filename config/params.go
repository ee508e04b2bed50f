package config

import (
	"strings"

	"github.com/secctx-lint/secctx-lint/apitype"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// param checks one parameter value against the definition: the name, the
// Azure type, the allowed values, and what Azure's schemas say about
// ranges, host paths and image patterns. It returns the value as JSON-like
// Go data.
func (p *parser) param(d *policy.Definition, k, v *yaml.Node) (any, bool) {
	name := k.Value
	var typ string
	var allowed []string
	if prm, ok := d.Param(name); ok {
		typ, allowed = prm.Type, prm.Allowed
	} else if (name == "excludedContainers" && d.ExcludedContainers) || (name == "excludedImages" && d.ExcludedImages) {
		typ = "Array"
	} else {
		hint := ""
		if c := apitype.Closest(name, paramNames(d)); len(c) > 0 {
			hint = "did you mean " + strings.Join(c, " or ") + "? "
		}
		p.fail(k, "policy %s %s has no parameter %s (%sit has: %s)", d.Rule, d.Version, name, hint, strings.Join(paramNames(d), ", "))
		return nil, false
	}
	if !p.typeOK(v, typ, d.Rule+" parameter "+name) {
		return nil, false
	}
	var val any
	if err := v.Decode(&val); err != nil {
		p.fail(v, "%s: %v", name, err)
		return nil, false
	}
	if len(allowed) > 0 {
		s, _ := val.(string)
		if !contains(allowed, s) {
			p.fail(v, "%s %q is not one of %s", name, s, strings.Join(allowed, ", "))
			return nil, false
		}
	}
	ok := true
	switch {
	case name == "excludedImages":
		ok = p.imagePatterns(v)
	case strings.HasSuffix(name, "Ranges"):
		ok = p.ranges(v, name)
	case name == "allowedHostPaths" || name == "windowsAllowedHostPaths":
		ok = p.hostPaths(v, name)
	}
	return val, ok
}

// paramNames lists a definition's assignment parameters, for messages.
func paramNames(d *policy.Definition) []string {
	if names := d.ParamNames(); len(names) > 0 {
		return names
	}
	return []string{"none besides effect and scope"}
}

func (p *parser) typeOK(v *yaml.Node, typ, what string) bool {
	good := false
	switch typ {
	case "String":
		good = v.Kind == yaml.ScalarNode && v.Tag == "!!str"
	case "Integer":
		good = v.Kind == yaml.ScalarNode && v.Tag == "!!int"
	case "Boolean":
		good = v.Kind == yaml.ScalarNode && v.Tag == "!!bool"
	case "Array":
		good = v.Kind == yaml.SequenceNode
	case "Object":
		good = v.Kind == yaml.MappingNode
	default:
		good = true
	}
	if !good {
		p.fail(v, "%s must be %s, not %s", what, typeName(typ), source.Describe(v))
	}
	return good
}

func typeName(typ string) string {
	switch typ {
	case "String":
		return "a string"
	case "Integer":
		return "an integer"
	case "Boolean":
		return "a boolean (true or false)"
	case "Array":
		return "a list"
	case "Object":
		return "a mapping"
	}
	return typ
}

// ranges checks {"ranges": [{"min": 1, "max": 65535}]}: max -1 is Azure's
// "no upper bound"; anything else below min is impossible.
func (p *parser) ranges(v *yaml.Node, name string) bool {
	ok := true
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value != "ranges" {
			p.fail(v.Content[i], "%s has the key ranges only, not %q", name, v.Content[i].Value)
			ok = false
		}
	}
	rs := source.Get(v, "ranges")
	if rs == nil {
		p.fail(v, "%s needs ranges: [{min: 1, max: 65535}] (an empty list for none)", name)
		return false
	}
	if rs.Kind != yaml.SequenceNode {
		p.fail(rs, "%s.ranges must be a list of {min, max}, not %s", name, source.Describe(rs))
		return false
	}
	for _, r := range source.Items(rs) {
		if r.Kind != yaml.MappingNode {
			p.fail(r, "%s.ranges items are {min, max}, not %s", name, source.Describe(r))
			ok = false
			continue
		}
		f := p.fields(r, name+" range", "min", "max")
		me, hasMin := f["min"]
		xe, hasMax := f["max"]
		if !hasMin || !hasMax {
			p.fail(r, "a %s range needs both min and max", name)
			ok = false
			continue
		}
		lo, ok1 := p.intVal(me.val, "min")
		hi, ok2 := p.intVal(xe.val, "max")
		if !ok1 || !ok2 {
			ok = false
			continue
		}
		if lo < 0 {
			p.fail(me.val, "%s: min %d is negative", name, lo)
			ok = false
		}
		if hi != -1 && hi < lo {
			p.fail(r, "%s: impossible range, min %d is above max %d (max -1 means no upper bound)", name, lo, hi)
			ok = false
		}
	}
	return ok
}

func (p *parser) hostPaths(v *yaml.Node, name string) bool {
	ok := true
	f := p.fields(v, name, "paths")
	if f == nil {
		return false
	}
	pe, has := f["paths"]
	if !has {
		p.fail(v, "%s needs paths: [{pathPrefix: /var/log, readOnly: true}] (an empty list blocks every hostPath)", name)
		return false
	}
	if pe.val.Kind != yaml.SequenceNode {
		p.fail(pe.val, "%s.paths must be a list, not %s", name, source.Describe(pe.val))
		return false
	}
	for _, it := range source.Items(pe.val) {
		pf := p.fields(it, name+" path", "pathPrefix", "readOnly")
		if pf == nil {
			ok = false
			continue
		}
		pp, hasP := pf["pathPrefix"]
		ro, hasR := pf["readOnly"]
		if !hasP || !hasR {
			p.fail(it, "each %s path needs pathPrefix and readOnly (Azure's schema requires both)", name)
			ok = false
			continue
		}
		if s, good := p.str(pp, "pathPrefix"); good && !absoluteHostPath(s, strings.HasPrefix(name, "windows")) {
			want := "an absolute path"
			if strings.HasPrefix(name, "windows") {
				want = `an absolute Windows path (C:\ or \\server\share)`
			}
			p.fail(pp.val, "pathPrefix %q must be %s", s, want)
			ok = false
		}
		if _, good := source.Bool(ro.val); !good {
			p.fail(ro.val, "readOnly must be true or false, not %s", source.Describe(ro.val))
			ok = false
		}
	}
	return ok
}

// imagePatterns checks Azure's excludedImages rule: an exact image, or a
// prefix ending in a single *.
func (p *parser) imagePatterns(v *yaml.Node) bool {
	ok := true
	for _, it := range source.Items(v) {
		if it.Kind != yaml.ScalarNode || it.Tag != "!!str" {
			p.fail(it, "excludedImages items must be strings, not %s", source.Describe(it))
			ok = false
			continue
		}
		if i := strings.Index(it.Value, "*"); i >= 0 && i != len(it.Value)-1 {
			p.fail(it, "excludedImages entry %q: Azure matches an image exactly or by a prefix ending in *; a * elsewhere never matches", it.Value)
			ok = false
		}
	}
	return ok
}

// absoluteHostPath: a Linux host path starts with /; a Windows one
// (windowsAllowedHostPaths) with a drive (C:\, C:/) or is a UNC path.
func absoluteHostPath(s string, windows bool) bool {
	if !windows {
		return strings.HasPrefix(s, "/")
	}
	if len(s) >= 3 && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z') && s[1] == ':' && (s[2] == '\\' || s[2] == '/') {
		return true
	}
	return strings.HasPrefix(s, `\\`)
}
