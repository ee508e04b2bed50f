package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// suppressRun judges a file whose suppressions produce every meta rule,
// one of them about no workload (a comment after the last document's
// object), beside ordinary findings.
func suppressRun(t *testing.T) *Run {
	t.Helper()
	src := `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    secctx-lint.io/ignore: seccomp
spec:   # secctx-lint:ignore users-groups, host-paths: pod-level ids come from the webhook
  containers:
  - name: app   # secctx-lint:ignore privileged-container: typo
    image: nginx
# secctx-lint:ignore all: nothing follows
`
	in, err := policy.Builtin("restricted")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := (&policy.Assignment{Initiative: in, Effect: policy.Audit}).Constraints()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lint.New(cs, lint.Options{ReportUnusedIgnores: true})
	if err != nil {
		t.Fatal(err)
	}
	f, errs := source.Parse("deploy/web.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	fs, st := e.File(f)
	r := &Run{Findings: fs, Sources: map[string]*source.LineIndex{f.Path: f.Lines()}}
	r.Summary = Summary{Files: 1, Documents: st.Documents, Workloads: st.Workloads, Findings: len(fs), Suppressed: st.Suppressed}
	rules := map[string]bool{}
	for _, fd := range fs {
		rules[fd.Rule] = true
	}
	for _, m := range lint.MetaRules() {
		if !rules[m.ID] {
			t.Fatalf("the test file yields no %s finding: %v", m.ID, fs)
		}
	}
	if st.Suppressed == 0 || !rules["users-groups"] {
		t.Fatalf("want suppressed and ordinary findings; got %d suppressed, %v", st.Suppressed, rules)
	}
	return r
}

func TestSuppressionsText(t *testing.T) {
	r := suppressRun(t)
	var buf bytes.Buffer
	if err := Text(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"deploy/web.yaml:6:28: warning ignore-without-reason: the suppression of seccomp has no reason",
		"[Pod/default/web]\n",
		"deploy/web.yaml:11:22: warning unused-ignore: the suppression of every rule (all) silences nothing here\n",
		" suppressed in 1 workload",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "[]") || strings.Contains(out, "//") {
		t.Errorf("text output has an empty object:\n%s", out)
	}
}

func TestSuppressionsJSON(t *testing.T) {
	r := suppressRun(t)
	var buf bytes.Buffer
	if err := JSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Findings []map[string]any
		Summary  map[string]int
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Summary["suppressed"] != r.Summary.Suppressed || got.Summary["suppressed"] == 0 {
		t.Errorf("summary %v, want suppressed %d", got.Summary, r.Summary.Suppressed)
	}
	var empty Run
	buf.Reset()
	if err := JSON(&buf, &empty); err != nil || !strings.Contains(buf.String(), `"suppressed": 0`) {
		t.Errorf("the suppressed count is part of the v1 shape even when 0: %s", buf.String())
	}
}

func TestSuppressionsSARIF(t *testing.T) {
	r := suppressRun(t)
	var buf bytes.Buffer
	if err := SARIF(&buf, r); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sarifSchema(t).Validate(inst); err != nil {
		t.Errorf("SARIF does not match the 2.1.0 schema: %v", err)
	}
	checkGitHubFields(t, r)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID              string
				Properties          map[string]any
				PartialFingerprints map[string]string
				Locations           []struct{ LogicalLocations []any }
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	prints := map[string]bool{}
	for _, res := range log.Runs[0].Results {
		if _, meta := lint.MetaRuleOf(res.RuleID); meta && (res.Properties["policyDefinitionId"] != nil || res.Properties["effect"] != nil) {
			t.Errorf("%s result claims a policy: %v", res.RuleID, res.Properties)
		}
		fp := res.PartialFingerprints["secctxLintObject/v1"]
		if prints[fp] {
			t.Errorf("fingerprint %s used twice", fp)
		}
		prints[fp] = true
	}
}

func TestSuppressionsGitHub(t *testing.T) {
	r := suppressRun(t)
	var buf bytes.Buffer
	if err := GitHub(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "title=unused-ignore%3A Suppression that silences nothing") || strings.Contains(out, "[]") {
		t.Errorf("annotations:\n%s", out)
	}
	sum := GitHubSummary(r, DefaultSummaryLimit)
	for _, want := range []string{
		"| Invalid suppression | `invalid-ignore` | 0 | 1 | 0 |",
		"| Suppression without a reason | `ignore-without-reason` |",
		" suppressed** in 1 workload",
		"| 11 |  |  |  | warning | `unused-ignore` |",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestSuppressionsRDJSONL(t *testing.T) {
	r := suppressRun(t)
	var buf bytes.Buffer
	if err := RDJSONL(&buf, r); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		var d rdDiagnostic
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		if _, meta := lint.MetaRuleOf(d.Code.Value); meta && (d.Code.URL != "" || d.Severity != "WARNING" || d.Location.Range == nil) {
			t.Errorf("meta diagnostic %+v", d)
		}
		n++
	}
	if n != len(r.Findings) {
		t.Errorf("%d diagnostics for %d findings", n, len(r.Findings))
	}
}
