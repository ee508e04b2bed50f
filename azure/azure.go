// Package azure reads what users already have in Azure: a policy set
// definition (an initiative) as `az policy set-definition show` prints it
// or in the ARM shape Azure's built-in files use, and a policy assignment
// as `az policy assignment show` prints it. It resolves the
// [parameters('x')] expressions against the set definition's parameters and
// the assignment's values and turns the members that are pod security
// policies into constraints; the other members are listed as not judged.
package azure

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
)

//go:embed builtin/*.json
var builtinFiles embed.FS

// Parameter is a set definition parameter.
type Parameter struct {
	Type          string `json:"type"`
	DefaultValue  any    `json:"defaultValue"`
	AllowedValues []any  `json:"allowedValues"`
}

// MemberRef is one policy of a set definition.
type MemberRef struct {
	PolicyDefinitionID          string                         `json:"policyDefinitionId"`
	DefinitionVersion           string                         `json:"definitionVersion"`
	PolicyDefinitionReferenceID string                         `json:"policyDefinitionReferenceId"`
	Parameters                  map[string]struct{ Value any } `json:"parameters"`
}

// SetDefinition is a policy set definition (an initiative).
type SetDefinition struct {
	ID                string               `json:"id"`
	Name              string               `json:"name"`
	DisplayName       string               `json:"displayName"`
	Version           string               `json:"version"`
	Parameters        map[string]Parameter `json:"parameters"`
	PolicyDefinitions []MemberRef          `json:"policyDefinitions"`
}

// envelope is what tells the two shapes apart: ARM puts the fields under
// properties (id and name stay at the top), the az CLI prints them at the
// top.
type envelope struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Properties json.RawMessage `json:"properties"`
}

// unwrap decodes data's fields into v, from properties when there are any,
// and returns the envelope. Errors carry the line and column in data.
func unwrap(data []byte, v any) (envelope, error) {
	var env envelope
	if t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n"); len(t) > 0 && t[0] == '[' {
		// `az policy assignment list` and `az policy set-definition list`
		// print arrays; secctx-lint takes one object per file.
		var items []json.RawMessage
		if json.Unmarshal(data, &items) == nil {
			n := fmt.Sprintf("%d entries", len(items))
			if len(items) == 1 {
				n = "1 entry"
			}
			return env, fmt.Errorf("a JSON list (%s), as `az ... list` prints it: give each one in a file of its own (az policy assignment show --name NAME, or az policy set-definition show --name NAME)", n)
		}
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return env, jsonError(data, 0, err)
	}
	body, base := data, 0
	if len(env.Properties) > 0 {
		// A RawMessage holds the bytes as they are in data.
		body, base = env.Properties, bytes.Index(data, env.Properties)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return env, jsonError(data, max(base, 0), err)
	}
	return env, nil
}

// ParseSetDefinition reads either shape: az CLI (fields at the top) or ARM
// (fields under properties, id and name at the top).
func ParseSetDefinition(data []byte) (*SetDefinition, error) {
	var sd SetDefinition
	wrapped, err := unwrap(data, &sd)
	if err != nil {
		return nil, err
	}
	if sd.ID == "" {
		sd.ID = wrapped.ID
	}
	if sd.Name == "" {
		sd.Name = wrapped.Name
	}
	if sd.Name == "" {
		sd.Name = path.Base(sd.ID)
	}
	if len(sd.PolicyDefinitions) == 0 {
		return nil, fmt.Errorf("no policyDefinitions: not a policy set definition (for an assignment use --azure-assignment)")
	}
	return &sd, nil
}

// jsonError says where in data a syntax or type error is; base is the
// offset of the part that was being decoded.
func jsonError(data []byte, base int, err error) error {
	offset := -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = base + int(se.Offset)
	case errors.As(err, &te):
		offset = base + int(te.Offset)
	}
	if offset < 0 {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	offset = min(offset, len(data))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(data[:offset], '\n')
	return &PosError{Line: line, Column: col, Msg: "invalid JSON: " + err.Error()}
}

// PosError is an error at a line and column of the JSON file.
type PosError struct {
	Line, Column int
	Msg          string
}

func (e *PosError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// inFile names the file an error is in, as file:line:col when it has a
// position.
func inFile(name string, err error) error {
	var pe *PosError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %s", name, pe.Line, pe.Column, pe.Msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Assignment is a policy assignment.
type Assignment struct {
	Name               string `json:"name"`
	DisplayName        string `json:"displayName"`
	PolicyDefinitionID string `json:"policyDefinitionId"`
	DefinitionVersion  string `json:"definitionVersion"`
	EnforcementMode    string `json:"enforcementMode"`
	Parameters         map[string]struct {
		Value any `json:"value"`
	} `json:"parameters"`
	// Overrides change a member's effect without a parameter for it.
	Overrides []Override `json:"overrides"`
}

// Override is an assignment's override: kind policyEffect sets the effect of
// the members its selectors pick (all of them without selectors).
type Override struct {
	Kind      string `json:"kind"`
	Value     string `json:"value"`
	Selectors []struct {
		Kind  string   `json:"kind"`
		In    []string `json:"in"`
		NotIn []string `json:"notIn"`
	} `json:"selectors"`
}

// effectOverride returns the effect the overrides give the member with
// reference id ref; the last override that picks it wins.
func effectOverride(overrides []Override, ref string) (string, bool) {
	effect, found := "", false
	for _, o := range overrides {
		if o.picks(ref) {
			effect, found = o.Value, true
		}
	}
	return effect, found
}

func (o Override) picks(ref string) bool {
	for _, sel := range o.Selectors {
		if len(sel.In) > 0 && !containsFold(sel.In, ref) || containsFold(sel.NotIn, ref) {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// checkOverrides refuses what secctx-lint cannot honour, rather than
// judging with effects the assignment does not have.
func (a *Assignment) checkOverrides() error {
	for i, o := range a.Overrides {
		if !strings.EqualFold(o.Kind, "policyEffect") {
			return fmt.Errorf("overrides[%d]: kind %q is not supported (only policyEffect)", i, o.Kind)
		}
		for _, sel := range o.Selectors {
			if !strings.EqualFold(sel.Kind, "policyDefinitionReferenceId") {
				return fmt.Errorf("overrides[%d]: selector kind %q is not supported (only policyDefinitionReferenceId)", i, sel.Kind)
			}
		}
	}
	return nil
}

// ParseAssignment reads an assignment (az CLI shape, or ARM with
// properties).
func ParseAssignment(data []byte) (*Assignment, error) {
	var a Assignment
	wrapped, err := unwrap(data, &a)
	if err != nil {
		return nil, err
	}
	if a.Name == "" {
		a.Name = wrapped.Name
	}
	if a.PolicyDefinitionID == "" {
		return nil, fmt.Errorf("no policyDefinitionId: not a policy assignment")
	}
	return &a, nil
}

// Builtin returns an embedded built-in set definition by GUID or name, or
// nil.
func Builtin(id string) *SetDefinition {
	entries, _ := builtinFiles.ReadDir("builtin")
	for _, e := range entries {
		data, err := builtinFiles.ReadFile("builtin/" + e.Name())
		if err != nil {
			continue
		}
		sd, err := ParseSetDefinition(data)
		if err != nil {
			continue
		}
		if strings.EqualFold(sd.Name, id) || strings.EqualFold(path.Base(sd.ID), id) {
			return sd
		}
	}
	return nil
}

var paramExpr = regexp.MustCompile(`^\[parameters\('([^']+)'\)\]$`)

// Constraints turns the set definition, assigned with values (by set
// parameter name; nil for the defaults), into one constraint per member
// that is a pod security policy. With enforce false (enforcementMode
// DoNotEnforce) Deny is reported as Audit, as Azure then only audits.
func (sd *SetDefinition) Constraints(values map[string]any, enforce bool, origin string) ([]*policy.Constraint, []policy.NotJudged, error) {
	return sd.constraints(values, enforce, origin, nil)
}

// constraints is Constraints with an assignment's overrides.
func (sd *SetDefinition) constraints(values map[string]any, enforce bool, origin string, overrides []Override) ([]*policy.Constraint, []policy.NotJudged, error) {
	for name := range values {
		if _, ok := sd.Parameters[name]; !ok {
			return nil, nil, fmt.Errorf("the assignment sets %s, which %s has no parameter for (it has: %s)", name, sd.label(), strings.Join(sd.paramNames(), ", "))
		}
	}
	members := map[string]bool{}
	for _, m := range sd.PolicyDefinitions {
		members[strings.ToLower(m.PolicyDefinitionReferenceID)] = true
	}
	for i, o := range overrides {
		for _, sel := range o.Selectors {
			for _, ref := range append(append([]string(nil), sel.In...), sel.NotIn...) {
				if !members[strings.ToLower(ref)] {
					return nil, nil, fmt.Errorf("overrides[%d]: the selector names %s, which %s has no member for (its reference ids: %s)", i, ref, sd.label(), strings.Join(sd.referenceIDs(), ", "))
				}
			}
		}
	}
	resolved := map[string]any{}
	for name, p := range sd.Parameters {
		v, ok := values[name]
		if !ok {
			v = p.DefaultValue
		}
		if !ok && v == nil {
			resolved[name] = unsetParam{}
			continue
		}
		if len(p.AllowedValues) > 0 && v != nil && !allowed(p.AllowedValues, v) {
			return nil, nil, fmt.Errorf("parameter %s: %s is not one of the allowed values %s", name, jsonText(v), jsonText(p.AllowedValues))
		}
		resolved[name] = v
	}
	var out []*policy.Constraint
	var notJudged []policy.NotJudged
	for _, m := range sd.PolicyDefinitions {
		ref := m.PolicyDefinitionReferenceID
		guid := path.Base(m.PolicyDefinitionID)
		def, err := policy.Lookup(guid, m.DefinitionVersion)
		if err != nil || strings.Contains(m.PolicyDefinitionID, "policySetDefinitions") {
			reason := "not a pod security policy secctx-lint judges"
			if known(guid) {
				reason = fmt.Sprintf("version %s of this policy is not one secctx-lint knows", m.DefinitionVersion)
			}
			notJudged = append(notJudged, policy.NotJudged{ReferenceID: ref, DefinitionID: guid, Reason: reason})
			continue
		}
		mv := map[string]any{}
		for name, pv := range m.Parameters {
			v, err := resolve(pv.Value, resolved)
			if err != nil {
				return nil, nil, fmt.Errorf("%s, %s, parameter %s: %w", sd.label(), ref, name, err)
			}
			mv[name] = v
		}
		if e, ok := effectOverride(overrides, ref); ok {
			mv["effect"] = e
		}
		c, err := constraint(def, ref, mv, enforce)
		if err != nil {
			return nil, nil, fmt.Errorf("%s, %s: %w", sd.label(), ref, err)
		}
		if c == nil {
			continue // Disabled
		}
		c.Origin = origin
		out = append(out, c)
	}
	return out, notJudged, nil
}

func (sd *SetDefinition) label() string {
	if sd.DisplayName != "" {
		return fmt.Sprintf("policy set %q", sd.DisplayName)
	}
	return "policy set " + sd.Name
}

func (sd *SetDefinition) paramNames() []string {
	var names []string
	for n := range sd.Parameters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func known(guid string) bool {
	for _, d := range policy.Definitions {
		if strings.EqualFold(d.ID, guid) {
			return true
		}
	}
	return false
}

func allowed(list []any, v any) bool {
	for _, a := range list {
		if jsonText(a) == jsonText(v) {
			return true
		}
	}
	return false
}

// resolve evaluates a member parameter value: a literal, or the one ARM
// expression initiatives use, [parameters('name')].
func resolve(v any, params map[string]any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	if strings.HasPrefix(s, "[[") {
		return s[1:], nil // an escaped literal [
	}
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		return s, nil
	}
	m := paramExpr.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("the expression %s is not supported (only [parameters('name')])", s)
	}
	pv, ok := params[m[1]]
	if !ok {
		return nil, fmt.Errorf("[parameters('%s')] names no parameter of the set definition", m[1])
	}
	if _, unset := pv.(unsetParam); unset {
		return nil, fmt.Errorf("the set definition's parameter %s has no defaultValue and the assignment gives it no value; Azure refuses such an assignment: set it in the assignment", m[1])
	}
	return pv, nil
}

// unsetParam is a set definition parameter with neither a value from the
// assignment nor a defaultValue: judging it as empty would switch a
// policy off (no sysctl forbidden) or make it strictest (no capability
// allowed) without a word.
type unsetParam struct{}

// constraint splits a member's values into effect, scope and template
// parameters. It returns nil for a Disabled member.
func constraint(def *policy.Definition, ref string, values map[string]any, enforce bool) (*policy.Constraint, error) {
	eff := def.DefaultEffect
	if v, ok := values["effect"]; ok {
		s, _ := v.(string)
		e, err := policy.ParseEffect(s)
		if err != nil || s == "" {
			return nil, fmt.Errorf("effect %s: want Audit, Deny or Disabled", jsonText(v))
		}
		eff = e
	}
	if eff == policy.Disabled {
		return nil, nil
	}
	if eff == policy.Deny && !enforce {
		eff = policy.Audit
	}
	match := policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}
	var err error
	if v, ok := values["excludedNamespaces"]; ok {
		if match.ExcludedNamespaces, err = strList(v, "excludedNamespaces"); err != nil {
			return nil, err
		}
	}
	if v, ok := values["namespaces"]; ok {
		if match.Namespaces, err = strList(v, "namespaces"); err != nil {
			return nil, err
		}
	}
	if v, ok := values["labelSelector"]; ok && v != nil {
		if match.LabelSelector, err = labelSelector(v); err != nil {
			return nil, err
		}
	}
	params, err := def.TemplateParams(values)
	if err != nil {
		return nil, err
	}
	return &policy.Constraint{
		Rule: def.Rule, Kind: def.Template, Semantics: policy.Azure, Definition: def,
		Name: ref, Params: params, Effect: eff, Match: match,
	}, nil
}

func strList(v any, name string) ([]string, error) {
	if v == nil {
		return []string{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be a list of strings, not %s", name, jsonText(v))
	}
	out := make([]string, 0, len(list))
	for _, it := range list {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("%s must be a list of strings; found %s", name, jsonText(it))
		}
		out = append(out, s)
	}
	return out, nil
}

func labelSelector(v any) (*policy.LabelSelector, error) {
	b, _ := json.Marshal(v)
	var raw struct {
		MatchLabels      map[string]string `json:"matchLabels"`
		MatchExpressions []struct {
			Key      string   `json:"key"`
			Operator string   `json:"operator"`
			Values   []string `json:"values"`
		} `json:"matchExpressions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("labelSelector: %v", err)
	}
	if len(raw.MatchLabels) == 0 && len(raw.MatchExpressions) == 0 {
		return nil, nil
	}
	sel := &policy.LabelSelector{MatchLabels: raw.MatchLabels}
	for _, e := range raw.MatchExpressions {
		switch e.Operator {
		case "In", "NotIn", "Exists", "DoesNotExist":
		default:
			return nil, fmt.Errorf("labelSelector operator %q is not one of In, NotIn, Exists, DoesNotExist", e.Operator)
		}
		sel.MatchExpressions = append(sel.MatchExpressions, policy.LabelRequirement{Key: e.Key, Operator: e.Operator, Values: e.Values})
	}
	return sel, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Load is LoadSets with at most one set definition file (setData nil:
// none).
func Load(setData []byte, setName string, assignments map[string][]byte, order []string) ([]*policy.Constraint, []policy.NotJudged, error) {
	if setData == nil {
		return LoadSets(nil, nil, assignments, order)
	}
	return LoadSets([][]byte{setData}, []string{setName}, assignments, order)
}

// LoadSets resolves what the command line names: set definition files,
// and assignment files (each of one of those set definitions, found by its
// id, of an embedded built-in one, or of a single policy definition).
// Without assignments each set definition is assigned with its defaults;
// with them, a set definition that none of them assigns is an error, as
// it would be judged by nothing.
func LoadSets(setData [][]byte, setNames []string, assignments map[string][]byte, order []string) ([]*policy.Constraint, []policy.NotJudged, error) {
	sds := make([]*SetDefinition, len(setData))
	for i, data := range setData {
		sd, err := ParseSetDefinition(data)
		if err != nil {
			return nil, nil, inFile(setNames[i], err)
		}
		sds[i] = sd
	}
	var out []*policy.Constraint
	var notJudged []policy.NotJudged
	seen := map[string]bool{}
	add := func(cs []*policy.Constraint, nj []policy.NotJudged) {
		out = append(out, cs...)
		for _, n := range nj {
			if k := n.DefinitionID + "/" + n.ReferenceID; !seen[k] {
				seen[k] = true
				notJudged = append(notJudged, n)
			}
		}
	}
	if len(order) == 0 {
		for i, sd := range sds {
			cs, nj, err := sd.Constraints(nil, true, "azure initiative "+sd.label())
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", setNames[i], err)
			}
			add(cs, nj)
		}
		return out, notJudged, nil
	}
	used := make([]bool, len(sds))
	for _, name := range order {
		a, err := ParseAssignment(assignments[name])
		if err != nil {
			return nil, nil, inFile(name, err)
		}
		var sd *SetDefinition
		if i := a.setIndex(sds); i >= 0 {
			sd, used[i] = sds[i], true
		} else if len(sds) == 1 {
			sd = sds[0] // Resolve says the assignment is of another set
		}
		cs, nj, err := a.Resolve(sd)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		add(cs, nj)
	}
	for i, u := range used {
		if !u {
			return nil, nil, fmt.Errorf("%s: no --azure-assignment assigns %s; give its assignment, or leave the file out", setNames[i], sds[i].label())
		}
	}
	return out, notJudged, nil
}

// setIndex is the index of the set definition the assignment names, or -1.
func (a *Assignment) setIndex(sds []*SetDefinition) int {
	if !strings.Contains(strings.ToLower(a.PolicyDefinitionID), "/policysetdefinitions/") {
		return -1
	}
	target := path.Base(a.PolicyDefinitionID)
	for i, sd := range sds {
		if sd.named(target) {
			return i
		}
	}
	return -1
}

// named: the set definition is the one an assignment names by target
// (the last element of its policyDefinitionId), by id or by name.
func (sd *SetDefinition) named(target string) bool {
	return strings.EqualFold(path.Base(sd.ID), target) || strings.EqualFold(sd.Name, target)
}

// Resolve expands the assignment. sd is the set definition the user gave
// (may be nil); it must be the one the assignment names, else an embedded
// built-in one is used.
func (a *Assignment) Resolve(sd *SetDefinition) ([]*policy.Constraint, []policy.NotJudged, error) {
	values := map[string]any{}
	for k, v := range a.Parameters {
		values[k] = v.Value
	}
	if m := a.EnforcementMode; m != "" && !strings.EqualFold(m, "Default") && !strings.EqualFold(m, "DoNotEnforce") {
		return nil, nil, fmt.Errorf("enforcementMode %q: want Default or DoNotEnforce", m)
	}
	enforce := !strings.EqualFold(a.EnforcementMode, "DoNotEnforce")
	if err := a.checkOverrides(); err != nil {
		return nil, nil, err
	}
	label := a.DisplayName
	if label == "" {
		label = a.Name
	}
	origin := "azure assignment " + label
	target := path.Base(a.PolicyDefinitionID)
	if strings.Contains(strings.ToLower(a.PolicyDefinitionID), "/policysetdefinitions/") {
		if sd == nil || !sd.named(target) {
			if b := Builtin(target); b != nil {
				sd = b
			} else if sd != nil {
				return nil, nil, fmt.Errorf("the assignment is of policy set %s, but --azure-initiative gives %s", target, sd.Name)
			} else {
				return nil, nil, fmt.Errorf("the assignment is of policy set %s: give its definition with --azure-initiative (az policy set-definition show --name %s)", target, target)
			}
		}
		if a.DefinitionVersion != "" && sd.Version != "" && !versionMatches(a.DefinitionVersion, sd.Version) {
			return nil, nil, fmt.Errorf("the assignment pins version %s of %s, and the definition secctx-lint has is %s; give the pinned one with --azure-initiative (az policy set-definition show --name %s --version ...)", a.DefinitionVersion, sd.label(), sd.Version, target)
		}
		return sd.constraints(values, enforce, origin, a.Overrides)
	}
	// A single policy definition: every assignment parameter goes to it.
	def, err := policy.Lookup(target, a.DefinitionVersion)
	if err != nil {
		return nil, []policy.NotJudged{{ReferenceID: label, DefinitionID: target, Reason: "not a pod security policy secctx-lint judges"}}, nil
	}
	if e, ok := effectOverride(a.Overrides, ""); ok {
		values["effect"] = e
	}
	c, err := constraint(def, label, values, enforce)
	if err != nil || c == nil {
		return nil, nil, err
	}
	c.Origin = origin
	return []*policy.Constraint{c}, nil, nil
}

// referenceIDs are the set's members' reference ids, sorted.
func (sd *SetDefinition) referenceIDs() []string {
	ids := make([]string, 0, len(sd.PolicyDefinitions))
	for _, m := range sd.PolicyDefinitions {
		ids = append(ids, m.PolicyDefinitionReferenceID)
	}
	sort.Strings(ids)
	return ids
}

// versionMatches: a version pin as assignments write it ("2.*.*", "2.5.*",
// "2.5.0") admits version v.
func versionMatches(pin, v string) bool {
	ps, vs := strings.Split(pin, "."), strings.Split(v, ".")
	for i, p := range ps {
		if p == "*" {
			continue
		}
		if i >= len(vs) || p != vs[i] {
			return false
		}
	}
	return true
}
