package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

func sarifRunForTest() *Run {
	r := &Run{}
	for i, h := range hostile {
		r.Findings = append(r.Findings, finding(i, []lint.Level{lint.LevelError, lint.LevelWarning, lint.LevelNotice}[i%3], "dir/"+h+".yaml", h, h, "msg "+h))
	}
	f := finding(20, lint.LevelWarning, "deploy/web.yaml", "web", "app", "runAsNonRoot is not true")
	f.Rule, f.Policy, f.PolicyID, f.PolicyVersion = "users-groups", "Kubernetes cluster pods and containers should only run with approved user and group IDs", "f06ddb64-5fa3-4b77-b166-acb36f7f6042", "6.2.0"
	r.Findings = append(r.Findings, f)
	f = finding(21, lint.LevelWarning, "deploy/new.yaml", "x", "", "a rule the catalog does not know")
	f.Rule, f.Policy, f.PolicyID = "some-new-rule", "Some new policy", ""
	f.Line, f.Column, f.EndLine, f.EndColumn = 3, 5, 4, 1 // multi-line
	r.Findings = append(r.Findings, f)
	r.Errors = []*source.Error{{Path: "bad.yaml", Line: 3, Column: 2, Msg: "did not find expected key"}, {Path: "-", Msg: "stdin"}}
	return r
}

// TestSARIFSchema validates our SARIF against the OASIS SARIF 2.1.0 JSON
// schema (testdata/sarif-schema-2.1.0.json, see testdata/README.md).
func TestSARIFSchema(t *testing.T) {
	sch := sarifSchema(t)
	for name, r := range map[string]*Run{"full": sarifRunForTest(), "empty": {}, "examples": realRun(t)} {
		var buf bytes.Buffer
		if err := SARIF(&buf, r); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: SARIF does not match the 2.1.0 schema: %v", name, err)
		}
	}
	// The validator does reject what the schema forbids.
	for _, bad := range []string{
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
		`{"version":"2.0.0","runs":[]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}

// realRun judges the repository's examples with the restricted initiative.
func realRun(t *testing.T) *Run {
	t.Helper()
	in, err := policy.Builtin("restricted")
	if err != nil {
		t.Fatal(err)
	}
	a := &policy.Assignment{Initiative: in, Effect: policy.Audit, Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}
	cs, err := a.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lint.New(cs, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Sources: map[string]*source.LineIndex{}}
	files, _ := filepath.Glob("../examples/*.yaml")
	for _, p := range files {
		f, errs := source.ReadFile(source.Input{Path: p}, nil, source.DefaultLimits)
		r.Errors = append(r.Errors, errs...)
		if f == nil {
			continue
		}
		fs, _ := e.File(f)
		r.Findings = append(r.Findings, fs...)
		r.Sources[p] = f.Lines()
	}
	if len(r.Findings) == 0 {
		t.Fatalf("no findings in ../examples")
	}
	return r
}

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSARIFGitHubFields checks what GitHub code scanning requires beyond
// the schema (docs: "SARIF support for code scanning").
func TestSARIFGitHubFields(t *testing.T) {
	for name, r := range map[string]*Run{"synthetic": sarifRunForTest(), "examples": realRun(t)} {
		t.Run(name, func(t *testing.T) { checkGitHubFields(t, r) })
	}
}

func checkGitHubFields(t *testing.T, r *Run) {
	var buf bytes.Buffer
	if err := SARIF(&buf, r); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID                                string
						Name                              string
						ShortDescription, FullDescription struct{ Text string }
						Help                              struct{ Text, Markdown string }
						HelpURI                           string
						Properties                        map[string]any
					}
				}
			}
			Results *[]struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn, EndLine, EndColumn int }
					}
				}
				PartialFingerprints map[string]string
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Schema == "" || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("header: %q %q %d runs", log.Schema, log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "secctx-lint" || run.Results == nil {
		t.Fatalf("driver %q, results %v", run.Tool.Driver.Name, run.Results)
	}
	rules := run.Tool.Driver.Rules
	ids := map[string]bool{}
	for _, ru := range rules {
		ids[ru.ID] = true
		if ru.ID == "" || ru.ShortDescription.Text == "" || ru.FullDescription.Text == "" || ru.Help.Text == "" {
			t.Errorf("rule %q lacks a required field: %+v", ru.ID, ru)
		}
		if len(ru.ShortDescription.Text) > 1024 || len(ru.FullDescription.Text) > 1024 || len(ru.Name) > 255 {
			t.Errorf("rule %q: text too long", ru.ID)
		}
		if _, meta := lint.MetaRuleOf(ru.ID); meta {
			// About suppressions: no policy, not a security alert.
			if ru.Properties["security-severity"] != nil || ru.Properties["policyDefinitionId"] != nil || ru.HelpURI != "" {
				t.Errorf("meta rule %q claims a policy or a severity: %+v", ru.ID, ru)
			}
			continue
		}
		sev, err := strconv.ParseFloat(ru.Properties["security-severity"].(string), 64)
		if err != nil || sev < 0.1 || sev > 10 {
			t.Errorf("rule %q: security-severity %v", ru.ID, ru.Properties["security-severity"])
		}
	}
	for _, id := range policy.Rules() {
		if !ids[id] {
			t.Errorf("catalog rule %q missing from driver.rules", id)
		}
	}
	for _, m := range lint.MetaRules() {
		if !ids[m.ID] {
			t.Errorf("meta rule %q missing from driver.rules", m.ID)
		}
	}
	d, _ := policy.Lookup("users-groups", "")
	for _, ru := range rules {
		if ru.ID == "users-groups" && (ru.ShortDescription.Text != d.DisplayName || !strings.Contains(ru.FullDescription.Text, d.ID) || !strings.Contains(ru.Help.Markdown, d.ID)) {
			t.Errorf("users-groups rule lacks the Azure name or id: %+v", ru)
		}
	}
	if len(*run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(*run.Results), len(r.Findings))
	}
	for i, res := range *run.Results {
		if rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d is %q, not %q", i, res.RuleIndex, rules[res.RuleIndex].ID, res.RuleID)
		}
		if res.Message.Text == "" || len(res.Locations) == 0 || res.PartialFingerprints["primaryLocationLineHash"] == "" {
			t.Errorf("result %d lacks message, location or fingerprint", i)
			continue
		}
		pl := res.Locations[0].PhysicalLocation
		reg := pl.Region
		if pl.ArtifactLocation.URI == "" || reg.StartLine < 1 || reg.StartColumn < 1 || reg.EndLine < reg.StartLine || reg.EndColumn < 1 {
			t.Errorf("result %d: location %+v", i, pl)
		}
		if want := map[lint.Level]string{lint.LevelError: "error", lint.LevelWarning: "warning", lint.LevelNotice: "note"}[r.Findings[i].Level]; res.Level != want {
			t.Errorf("result %d: level %q, want %q", i, res.Level, want)
		}
	}
}

func TestFingerprintStable(t *testing.T) {
	a := finding(1, lint.LevelError, "a.yaml", "web", "app", "m")
	b := a
	b.Line, b.EndLine, b.File, b.Message = 40, 40, "b.yaml", "other words"
	if Fingerprint(&a) != Fingerprint(&b) {
		t.Errorf("fingerprint depends on the line, file or message")
	}
	for _, change := range []func(f *lint.Finding){
		func(f *lint.Finding) { f.Container = "sidecar" },
		func(f *lint.Finding) { f.Name = "api" },
		func(f *lint.Finding) { f.Field = "x" },
		func(f *lint.Finding) { f.Rule = "host-paths" },
		func(f *lint.Finding) { f.Namespace = "prod" },
		func(f *lint.Finding) { f.Kind = "StatefulSet" },
	} {
		c := a
		change(&c)
		if Fingerprint(&c) == Fingerprint(&a) {
			t.Errorf("fingerprint ignores a change: %+v", c)
		}
	}
	// Ambiguous joins differ.
	x, y := a, a
	x.Name, x.Container = "ab", "c"
	y.Name, y.Container = "a", "bc"
	if Fingerprint(&x) == Fingerprint(&y) {
		t.Errorf("fingerprint joins fields ambiguously")
	}
}

func TestURIRef(t *testing.T) {
	for in, want := range map[string]string{
		"deploy/web.yaml": "deploy/web.yaml",
		"a b/c#d?.yaml":   "a%20b/c%23d%3F.yaml",
		"/abs/x.yaml":     "file:///abs/x.yaml",
		"x:y.yaml":        "./x:y.yaml",
		"100%.yaml":       "100%25.yaml",
	} {
		if got := uriRef(in); got != want {
			t.Errorf("uriRef(%q) = %q, want %q", in, got, want)
		}
	}
}
