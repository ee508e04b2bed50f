package psp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
)

// width is where comments wrap.
const width = 80

// Render writes the initiatives as a complete .secctx-lint.yaml: a header
// saying where they came from, `fix:` values the PSPs' ID ranges accept
// when the defaults do not, the `initiatives:` section, and `assignments:`
// (real for one PSP; commented for several, whose scopes only the user's
// RBAC bindings tell).
func Render(ins []*Initiative) []byte {
	w := &writer{}
	w.header(ins)
	w.fix(ins)
	w.line(0, "initiatives:")
	for i, in := range ins {
		if i > 0 {
			w.blank()
		}
		w.initiative(in)
	}
	w.blank()
	w.assignments(ins)
	return []byte(w.b.String())
}

type writer struct{ b strings.Builder }

func (w *writer) line(indent int, s string) {
	w.b.WriteString(strings.Repeat(" ", indent) + s + "\n")
}

func (w *writer) blank() { w.b.WriteString("\n") }

// comment writes prefix and text as wrapped comment lines; after a prefix,
// later lines are indented by two spaces.
func (w *writer) comment(indent int, prefix, text string) {
	lead := strings.Repeat(" ", indent) + "# "
	first := lead + prefix
	rest := lead
	if prefix != "" {
		rest += "  "
	}
	cur := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len(cur)+1+len(word) > width {
			w.b.WriteString(cur + "\n")
			cur, empty = rest, true
		}
		if empty {
			cur += word
		} else {
			cur += " " + word
		}
		empty = false
	}
	w.b.WriteString(strings.TrimRight(cur, " ") + "\n")
}

func (w *writer) header(ins []*Initiative) {
	w.line(0, "# secctx-lint configuration written by `secctx-lint migrate-psp` from")
	w.line(0, "# PodSecurityPolicies:")
	for _, in := range ins {
		w.line(0, fmt.Sprintf("#   %s (%s:%d:%d) -> initiative %s", in.PSP.Name, in.PSP.Path, in.PSP.Line, in.PSP.Column, in.Name))
	}
	w.line(0, "#")
	for _, para := range []string{
		"Each PodSecurityPolicy became an initiative of Azure Policy built-ins, one policy per PSP field group, with Azure's parameter names (`secctx-lint policies` lists them). The comment above each policy says what the PSP set; \"No policy\" marks groups the PSP left open or Azure cannot express; \"No exact Azure counterpart\" marks where Azure judges differently, \"(PSP default)\" where the PSP changed pods.",
		"Azure Policy audits or denies pods; it never changes them. Where the PSP filled in values (runAsUser, allowPrivilegeEscalation, dropped capabilities, seccomp and AppArmor profiles), pods that relied on that now fail: `secctx-lint --fix` writes those values into your manifests.",
		"This file is a complete .secctx-lint.yaml: save it in your repository and run secctx-lint. In Azure, create a policy set definition with the same policies and values and assign it to the same scope.",
	} {
		w.comment(0, "", para)
		w.line(0, "#")
	}
	w.blank()
}

// fix writes `fix:` values when the defaults fall outside a PSP's ranges,
// choosing what the PSP itself wrote into pods (the first range's min).
func (w *writer) fix(ins []*Initiative) {
	type field struct {
		name string
		def  int64
		pick func(p *PSP) IDStrategy
	}
	d := lint.DefaultFixValues
	fields := []field{
		{"runAsUser", d.RunAsUser, func(p *PSP) IDStrategy { return p.RunAsUser }},
		{"runAsGroup", d.RunAsGroup, func(p *PSP) IDStrategy { return p.RunAsGroup }},
		{"fsGroup", d.FSGroup, func(p *PSP) IDStrategy { return p.FSGroup }},
		{"supplementalGroups", d.SupplementalGroups[0], func(p *PSP) IDStrategy { return p.SupplementalGroups }},
	}
	var lines, problems []string
	for _, f := range fields {
		var strategies []IDStrategy
		for _, in := range ins {
			if s := f.pick(in.PSP); s.Rule == "MustRunAs" || s.Rule == "MayRunAs" {
				strategies = append(strategies, s)
			}
		}
		candidates := []int64{f.def}
		for _, s := range strategies {
			min := s.Ranges[0].Min
			if min == 0 {
				min = 1 // the fixer never writes root
			}
			candidates = append(candidates, min)
		}
		chosen := int64(-1)
		for _, c := range candidates {
			ok := true
			for _, s := range strategies {
				ok = ok && inRanges(c, s.Ranges)
			}
			if ok {
				chosen = c
				break
			}
		}
		switch {
		case chosen == f.def:
		case chosen < 0:
			problems = append(problems, f.name)
		case f.name == "supplementalGroups":
			lines = append(lines, fmt.Sprintf("%s: [%d]", f.name, chosen))
		default:
			lines = append(lines, fmt.Sprintf("%s: %d", f.name, chosen))
		}
	}
	if len(problems) > 0 {
		w.comment(0, "", fmt.Sprintf("No single value of %s satisfies the ranges of every PSP; set `fix:` yourself before running `secctx-lint --fix`.", strings.Join(problems, ", ")))
		w.blank()
	}
	if len(lines) == 0 {
		return
	}
	w.comment(0, "", "Values `secctx-lint --fix` writes where an ID is missing. secctx-lint's defaults (runAsUser 1000, runAsGroup 3000, fsGroup 2000, supplementalGroups [2000]) are outside the PSP's ranges, so these are what the PSP itself wrote: the first range's min, raised to 1 where it is 0 (root).")
	w.line(0, "fix:")
	for _, l := range lines {
		w.line(2, l)
	}
	w.blank()
}

func inRanges(v int64, rs []Range) bool {
	for _, r := range rs {
		if v >= r.Min && v <= r.Max {
			return true
		}
	}
	return false
}

func (w *writer) initiative(in *Initiative) {
	w.line(2, in.Name+":")
	w.line(4, "displayName: "+scalar("PodSecurityPolicy "+in.PSP.Name+" (migrated)"))
	if len(in.Policies()) == 0 {
		// The configuration refuses an empty initiative, and an assignment
		// of it would judge nothing.
		w.line(4, "# The PSP restricts nothing an Azure policy can judge. The configuration")
		w.line(4, "# needs at least one policy, so this one allows every procMount type:")
		w.line(4, "policies:")
		w.line(6, "proc-mount:")
		w.line(8, `version: "8"`)
		w.line(8, "procMountType: Unmasked")
	} else {
		w.line(4, "policies:")
	}
	for i, g := range in.Groups {
		if i > 0 {
			w.blank()
		}
		w.comment(6, "", g.Setting)
		for _, n := range g.Notes {
			w.comment(6, notePrefix[n.Kind], n.Text)
		}
		if g.Policy != nil {
			w.policy(6, g.Policy)
		}
	}
}

var notePrefix = map[NoteKind]string{
	Omitted:       "No policy: ",
	NoCounterpart: "No exact Azure counterpart: ",
	Mutation:      "No exact Azure counterpart (PSP default): ",
	Info:          "",
}

func (w *writer) policy(indent int, p *Policy) {
	w.line(indent, p.Rule+":")
	w.line(indent+2, "version: "+strconv.Quote(p.Version))
	for _, prm := range p.Params {
		flow := prm.Name + ": " + flowValue(prm.Value)
		if list, ok := prm.Value.([]string); ok && indent+2+len(flow) > width && len(list) > 0 {
			w.line(indent+2, prm.Name+":")
			for _, s := range list {
				w.line(indent+4, "- "+scalar(s))
			}
			continue
		}
		w.line(indent+2, flow)
	}
}

func (w *writer) assignments(ins []*Initiative) {
	effect := []string{
		"PSP refused pods at admission, so Deny is its effect. Try Audit first: secctx-lint reports Deny as errors and Audit as warnings, and in Azure, Audit records non-compliant pods without refusing them.",
	}
	if len(ins) == 1 {
		w.line(0, "assignments:")
		for _, p := range effect {
			w.comment(2, "", p)
		}
		w.line(2, "- initiative: "+ins[0].Name)
		w.line(4, "effect: Deny")
		w.line(4, "# namespaces: []          # only these; empty means all")
		return
	}
	w.comment(0, "", "Several PodSecurityPolicies: Kubernetes admitted a pod when ANY policy its creator or service account could `use` admitted it, while every Azure assignment whose scope holds a pod judges it. Assign each initiative to the namespaces whose workloads could use that PSP (see the RBAC bindings of `use` on podsecuritypolicies), then uncomment. Until then secctx-lint judges with --initiative (restricted by default).")
	for _, p := range effect {
		w.comment(0, "", p)
	}
	w.line(0, "# assignments:")
	for _, in := range ins {
		w.line(0, "#   - initiative: "+in.Name)
		w.line(0, "#     effect: Deny")
		w.line(0, "#     namespaces: []")
	}
}

// plain is what may be written unquoted: it cannot be read as anything but
// the same string.
var plain = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./-]*$`)

// scalar renders a string as a YAML scalar, quoting when a plain scalar
// would read as another type or break the syntax.
func scalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return strconv.Quote(s)
	}
	if plain.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

// flowValue renders a parameter value in YAML flow style.
func flowValue(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return scalar(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = scalar(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []Obj:
		parts := make([]string, len(x))
		for i, o := range x {
			parts[i] = flowValue(o)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Obj:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = p.Name + ": " + flowValue(p.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	panic(fmt.Sprintf("psp: no rendering for %T", v))
}
