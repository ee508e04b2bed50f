package report

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
)

// Version is the tool version written into SARIF; main sets it.
var Version = "dev"

// InformationURI is the tool's home page in SARIF.
const InformationURI = "https://github.com/secctx-lint/secctx-lint"

// SARIF 2.1.0, the subset GitHub code scanning reads. Hand-rolled: the
// structs write only what is set (go-sarif v3 fills -1 defaults).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails *sarifAutomation  `json:"automationDetails,omitempty"`
	ColumnKind        string            `json:"columnKind"`
	Invocations       []sarifInvocation `json:"invocations"`
	Results           []sarifResult     `json:"results"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifLoc     `json:"artifactLocation"`
	Region           *sarifRegion `json:"region,omitempty"`
}

type sarifLoc struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

// securitySeverity scores each rule for GitHub (">9 critical, 7-8.9 high,
// 4-6.9 medium"): how much a pod that fails it can do to its node.
var securitySeverity = map[string]string{
	"privileged-containers":    "9.1",
	"host-namespaces":          "8.0",
	"host-paths":               "8.0",
	"privilege-escalation":     "7.5",
	"capabilities":             "7.0",
	"users-groups":             "7.0",
	"host-network-ports":       "6.5",
	"proc-mount":               "6.0",
	"forbidden-sysctls":        "6.0",
	"selinux":                  "5.5",
	"seccomp":                  "5.5",
	"apparmor":                 "5.0",
	"volume-types":             "5.0",
	"flexvolume-drivers":       "5.0",
	"automount-token":          "4.5",
	"readonly-root-filesystem": "4.0",
}

// ruleHelp says how to satisfy each rule.
var ruleHelp = map[string]string{
	lint.RuleInvalidField:      "Correct the field: the Kubernetes API server refuses an unknown field (kubectl validates strictly by default) or a value of the wrong type before any admission policy runs. The message names the closest known fields; a quoted number or boolean is a string to the API server.",
	"privileged-containers":    "Remove securityContext.privileged: true from every container, init container and ephemeral container (or set it to false).",
	"privilege-escalation":     "Set securityContext.allowPrivilegeEscalation: false on every container. It must not be combined with privileged: true or an added CAP_SYS_ADMIN.",
	"host-network-ports":       "Remove hostNetwork: true from the pod spec and hostPort from container ports, or use only the host ports the assignment allows.",
	"host-namespaces":          "Remove hostPID: true and hostIPC: true from the pod spec.",
	"host-paths":               "Replace hostPath volumes with other volume types, or use only the path prefixes the assignment allows (read-only where it says so).",
	"users-groups":             "Set securityContext.runAsNonRoot: true and a non-zero runAsUser (and runAsGroup, fsGroup, supplementalGroups where the assignment rules require them) within the allowed ranges, at pod or container level.",
	"volume-types":             "Use only the volume types the assignment allows (the restricted initiative allows configMap, emptyDir, projected, secret, downwardAPI, persistentVolumeClaim, csi and ephemeral).",
	"flexvolume-drivers":       "Use only the FlexVolume drivers the assignment allows, or another volume type.",
	"readonly-root-filesystem": "Set securityContext.readOnlyRootFilesystem: true on every container and mount an emptyDir where the program writes.",
	"capabilities":             "Drop the capabilities the assignment requires (securityContext.capabilities.drop, e.g. [ALL]) and add only allowed ones.",
	"proc-mount":               "Remove securityContext.procMount or set it to Default.",
	"seccomp":                  "Set securityContext.seccompProfile.type: RuntimeDefault (or an allowed Localhost profile) at pod or container level.",
	"selinux":                  "Use only the SELinux options (type, level, role, user) the assignment allows in securityContext.seLinuxOptions.",
	"forbidden-sysctls":        "Remove the forbidden sysctls from securityContext.sysctls in the pod spec.",
	"apparmor":                 "Set an allowed AppArmor profile (securityContext.appArmorProfile, or the container.apparmor.security.beta.kubernetes.io annotation), e.g. runtime/default.",
	"automount-token":          "Set automountServiceAccountToken: false in the pod spec (or on its service account) unless the pod calls the Kubernetes API.",
}

// sarifLevel maps our levels to SARIF's.
func sarifLevel(l lint.Level) string {
	switch l {
	case lint.LevelError:
		return "error"
	case lint.LevelWarning:
		return "warning"
	}
	return "note"
}

// SARIF writes a SARIF 2.1.0 log for GitHub code scanning: one rule per
// secctx-lint rule with the Azure policy's display name, definition id,
// help text and security-severity; one result per finding with its region
// and a fingerprint that does not depend on line numbers.
//
// The rules (which take the version the findings used) and the
// invocation (which lists the input errors) come before the results in
// the log, and both are only known at the end: the stream spools the
// results as findings come and writes the head, then the results, at End.
type sarifStream struct {
	w       io.Writer
	r       *Run
	results spool
	n       int
	// seen counts each fingerprint for the occurrence suffix; keyed by the
	// fingerprint's 16 bytes to keep a run of a million findings small.
	seen  map[[16]byte]uint32
	used  map[string]*lint.Finding // the first finding of each rule
	extra []string                 // rules only the findings know, in order
	index map[string]int
	buf   []byte // one result's JSON, reused
}

func newSARIFStream(w io.Writer, r *Run) Stream {
	s := &sarifStream{w: w, r: r, seen: map[[16]byte]uint32{}, used: map[string]*lint.Finding{}, index: map[string]int{}}
	for i, id := range knownRuleIDs() {
		s.index[id] = i
	}
	return s
}

// knownRuleIDs are the rules every log lists: the catalog's, then the
// meta rules.
func knownRuleIDs() []string {
	ids := policy.Rules()
	for _, m := range lint.MetaRules() {
		ids = append(ids, m.ID)
	}
	return ids
}

func (s *sarifStream) Add(b *Batch) error {
	for i := range b.Findings {
		f := &b.Findings[i]
		if s.used[f.Rule] == nil {
			c := *f
			c.Changes = nil
			s.used[f.Rule] = &c
		}
		if _, ok := s.index[f.Rule]; !ok {
			s.index[f.Rule] = len(s.index)
			s.extra = append(s.extra, f.Rule)
		}
		var key [16]byte
		fp := Fingerprint(f)
		hex.Decode(key[:], []byte(fp))
		s.seen[key]++
		res := s.result(f, fp+":"+strconv.Itoa(int(s.seen[key])))
		sep := ",\n        "
		if s.n == 0 {
			sep = "\n        "
		}
		s.buf = appendSarifResult(append(s.buf[:0], sep...), &res, "        ")
		s.n++
		if _, err := s.results.Write(s.buf); err != nil { // appendJSONString made "##[" inert
			return err
		}
	}
	return nil
}

func (s *sarifStream) result(f *lint.Finding, fingerprint string) sarifResult {
	res := sarifResult{
		RuleID:    f.Rule,
		RuleIndex: s.index[f.Rule],
		Level:     sarifLevel(f.Level),
		Message:   sarifText{Text: f.Message + about(f)},
		PartialFingerprints: map[string]string{
			// GitHub matches alerts across runs on this key; ours
			// names the object, container and field, not a line.
			"primaryLocationLineHash": fingerprint,
			"secctxLintObject/v1":     fingerprint,
		},
		Properties: map[string]any{"certainty": f.Certainty, "fixable": f.Fixable},
	}
	// Findings about suppressions have no policy, effect or field.
	for k, v := range map[string]string{"policyDefinitionId": f.PolicyID, "policyVersion": f.PolicyVersion, "effect": string(f.Effect), "field": f.Field} {
		if v != "" {
			res.Properties[k] = v
		}
	}
	if hint := fixHint(f); hint != "" && f.Fixable {
		res.Message.Text += " Fix (--fix): " + hint + "."
	} else if f.FixNote != "" {
		res.Message.Text += " Not fixed by --fix: " + f.FixNote + "."
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifLoc{URI: uriRef(s.r.relPath(f.File))}}}
	if f.Line > 0 {
		reg := &sarifRegion{StartLine: f.Line, StartColumn: max(f.Column, 1), EndLine: max(f.EndLine, f.Line)}
		reg.EndColumn = f.EndColumn
		if reg.EndLine == reg.StartLine && reg.EndColumn <= reg.StartColumn {
			reg.EndColumn = reg.StartColumn + 1
		}
		if reg.EndColumn < 1 {
			reg.EndColumn = 1
		}
		loc.PhysicalLocation.Region = reg
	}
	if f.Kind != "" {
		loc.LogicalLocations = []sarifLogical{{Name: f.Name, FullyQualifiedName: objectPath(f), Kind: "object"}}
	}
	res.Locations = []sarifLocation{loc}
	return res
}

// resultsHole is what the head's empty results encode to; the spooled
// results go in its place.
const resultsHole = `"results": []`

func (s *sarifStream) End(r *Run) error {
	rules := sarifRules(s.used, s.extra)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name: "secctx-lint", InformationURI: InformationURI, Rules: rules,
		}},
		AutomationDetails: &sarifAutomation{ID: "secctx-lint/"},
		ColumnKind:        "unicodeCodePoints", // yaml.v3 counts columns in runes
		Results:           []sarifResult{},
	}
	if v := strings.TrimPrefix(Version, "v"); v != "" && v != "dev" {
		run.Tool.Driver.Version = Version
		run.Tool.Driver.SemanticVersion = v
	} else {
		run.Tool.Driver.Version = Version
	}
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, e := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{Text: e.Msg}}
		if e.Path != "" && e.Path != "-" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifLoc{URI: uriRef(r.relPath(e.Path))}}}
			if e.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line, StartColumn: e.Column}
			}
			n.Locations = []sarifLocation{loc}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	run.Invocations = []sarifInvocation{inv}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}); err != nil {
		return err
	}
	head := jsonSafe(buf.Bytes())
	// The results are the run's last field: the hole is the last one.
	at := bytes.LastIndex(head, []byte(resultsHole))
	if s.n == 0 || at < 0 {
		_, err := s.w.Write(head)
		return err
	}
	at += len(resultsHole) - 1 // before the ]
	bw := bufio.NewWriterSize(s.w, 64<<10)
	bw.Write(head[:at])
	if err := s.results.copyTo(bw); err != nil {
		return err
	}
	bw.WriteString("\n      ")
	bw.Write(head[at:])
	return bw.Flush()
}

// objectPath names a finding's place: kind/namespace/name[/container]/field.
func objectPath(f *lint.Finding) string {
	parts := []string{f.Kind, f.Namespace, f.Name}
	if f.Container != "" {
		parts = append(parts, f.Container)
	}
	parts = append(parts, f.Field)
	return strings.Join(parts, "/")
}

// Fingerprint is lint.Fingerprint: rule, object, container and field.
func Fingerprint(f *lint.Finding) string { return lint.Fingerprint(f) }

// sarifRules lists every rule of the catalog (so that code scanning can
// close alerts of rules with no finding left), then the rules only the
// findings know (extra), in that order, which is the order of their
// indexes. used holds the first finding of each rule: the version a
// finding used wins over the newest in the catalog.
func sarifRules(used map[string]*lint.Finding, extra []string) []sarifRule {
	ids := append(knownRuleIDs(), extra...)
	var rules []sarifRule
	for _, id := range ids {
		if m, ok := lint.MetaRuleOf(id); ok {
			rules = append(rules, metaSarifRule(m))
			continue
		}
		var name, guid, version, template string
		effect := policy.Audit
		if f := used[id]; f != nil {
			name, guid, version, effect = f.Policy, f.PolicyID, f.PolicyVersion, f.Effect
		}
		if d := policyOf(id, version); d != nil {
			if name == "" {
				name = d.DisplayName
			}
			if guid == "" {
				guid = d.ID
			}
			if version == "" {
				version = d.Version
				effect = d.DefaultEffect
			}
			template = d.Template
		}
		if name == "" {
			name = id
		}
		help := ruleHelp[id]
		if help == "" {
			help = "See the Azure Policy definition for what the pod must declare."
		}
		full := fmt.Sprintf("Azure Policy built-in definition %q", name)
		if guid != "" {
			full += fmt.Sprintf(" (definition id %s, version %s", guid, version)
			if template != "" {
				full += ", Gatekeeper template " + template
			}
			full += ")"
		}
		full += ": secctx-lint judges each pod template in a manifest as this policy judges the Pods it creates."
		if id == lint.RuleInvalidField {
			full = name + ": the Kubernetes API server refuses the object before any admission policy sees it."
		}
		md := help
		if guid != "" {
			md += fmt.Sprintf("\n\nAzure Policy: [%s](%s), definition id `%s`, version %s.", name, policyURL(guid), guid, version)
		}
		sev := securitySeverity[id]
		if sev == "" {
			sev = "5.0"
		}
		level := "warning"
		if effect == policy.Deny {
			level = "error"
		}
		rule := sarifRule{
			ID:                   id,
			Name:                 sarifName(id),
			ShortDescription:     sarifText{Text: truncate(name, 1000)},
			FullDescription:      sarifText{Text: truncate(full, 1000)},
			Help:                 sarifText{Text: help, Markdown: md},
			DefaultConfiguration: sarifConfig{Level: level},
			Properties: map[string]any{
				"tags":              []string{"security", "kubernetes", "azure-policy"},
				"precision":         "very-high",
				"problem.severity":  level,
				"security-severity": sev,
			},
		}
		if guid != "" {
			rule.HelpURI = policyURL(guid)
			rule.Properties["policyDefinitionId"] = guid
			rule.Properties["policyVersion"] = version
		}
		rules = append(rules, rule)
	}
	return rules
}

// metaSarifRule describes a rule about suppressions: no Azure policy, no
// security severity (GitHub files its alerts as warnings, not as security
// alerts).
func metaSarifRule(m lint.MetaRule) sarifRule {
	return sarifRule{
		ID:                   m.ID,
		Name:                 sarifName(m.ID),
		ShortDescription:     sarifText{Text: m.Title},
		FullDescription:      sarifText{Text: m.Title + ": a finding about a secctx-lint suppression (secctx-lint.io/ignore annotation or # secctx-lint:ignore comment), not about a policy."},
		Help:                 sarifText{Text: m.Help, Markdown: m.Help},
		DefaultConfiguration: sarifConfig{Level: "warning"},
		Properties: map[string]any{
			"tags":             []string{"kubernetes", "suppression"},
			"precision":        "very-high",
			"problem.severity": "warning",
		},
	}
}

// sarifName turns a rule id into a PascalCase name: privilege-escalation →
// PrivilegeEscalation.
func sarifName(id string) string {
	var b strings.Builder
	for _, p := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}
