package lint_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// sharedDir is ../shared beside the repository (see testshared).
func sharedDir(t testing.TB) string { return testshared.Path(t) }

type conformanceCase struct {
	ID                 string         `json:"id"`
	Source             string         `json:"source"`
	Policy             string         `json:"policy"`
	TemplateKind       string         `json:"template_kind"`
	Constraint         *string        `json:"constraint"`
	Parameters         map[string]any `json:"parameters"`
	Object             string         `json:"object"`
	AdmissionOperation *string        `json:"admission_operation"`
	Expected           *string        `json:"expected"`
	ExpectedViolations *int           `json:"expected_violations"`
	Hint               string         `json:"hint"`
}

// notJudged names the conformance policies secctx-lint does not implement,
// with the reason printed when their cases are skipped.
var notJudged = map[string]string{
	"host-probes":  "gatekeeper-library only (probe/lifecycle host fields); no Azure built-in",
	"host-process": "Windows HostProcess containers; a Windows built-in, not one of the sixteen rules",
}

// sampleParameters stands in for a scenario folder that upstream ships
// without policy_parameters.json: disallowed-host-paths' samples say in
// their comments that /path2/path3/path4 fails as a child and /path2 as a
// parent of the disallowed path, which is therefore /path2/path3. Without
// parameters the template allows every path and its violations/ could not
// fail.
var sampleParameters = map[string]map[string]any{
	"azure-policy/disallowed-host-paths/examples/scenario-disallowed-host-paths": {"disallowedHostPaths": []any{"/path2/path3"}},
}

func TestConformance(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance")
	raw, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	type tally struct{ agree, disagree, skipped, countAgree, countGiven int }
	per := map[string]*tally{}
	skips := map[string]int{}
	for _, c := range doc.Cases {
		key := c.Source + " " + c.Policy
		if per[key] == nil {
			per[key] = &tally{}
		}
		tl := per[key]
		skip := ""
		switch {
		case c.AdmissionOperation != nil && *c.AdmissionOperation == "UPDATE":
			skip = "UPDATE admission review: the templates skip updates, a manifest has no operation"
		case notJudged[c.Policy] != "":
			skip = notJudged[c.Policy]
		case c.Expected == nil:
			skip = "upstream gives no verdict (" + c.Hint + ")"
		}
		if skip != "" {
			tl.skipped++
			skips[skip]++
			continue
		}
		constraints, err := conformanceConstraints(dir, c)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		engine, err := lint.New(constraints, lint.Options{})
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		f, perrs := source.ReadFile(source.Input{Path: filepath.Join(dir, c.Object)}, nil, source.DefaultLimits)
		if len(perrs) > 0 {
			t.Errorf("%s: object does not parse: %v", c.ID, perrs[0])
			continue
		}
		findings, _ := engine.File(f)
		certain := 0
		for _, fd := range findings {
			if fd.Certainty == lint.Certain {
				certain++
			}
		}
		got := "allow"
		if certain > 0 {
			got = "deny"
		}
		if got == *c.Expected {
			tl.agree++
		} else {
			tl.disagree++
			var msgs []string
			for _, fd := range findings {
				msgs = append(msgs, fmt.Sprintf("%s %s: %s", fd.Certainty, fd.Rule, fd.Message))
			}
			t.Errorf("%s: expected %s, got %s\n  %s", c.ID, *c.Expected, got, strings.Join(msgs, "\n  "))
		}
		if c.ExpectedViolations != nil && *c.ExpectedViolations > 0 {
			tl.countGiven++
			if certain == *c.ExpectedViolations {
				tl.countAgree++
			}
		}
	}
	var keys []string
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	total := tally{}
	t.Logf("%-45s %6s %8s %7s %s", "source policy", "agree", "disagree", "skipped", "exact counts agree")
	for _, k := range keys {
		tl := per[k]
		t.Logf("%-45s %6d %8d %7d %d/%d", k, tl.agree, tl.disagree, tl.skipped, tl.countAgree, tl.countGiven)
		total.agree += tl.agree
		total.disagree += tl.disagree
		total.skipped += tl.skipped
		// Every Azure sample applies: each is one of Azure's own templates.
		if strings.HasPrefix(k, "azure-policy ") && tl.skipped > 0 {
			t.Errorf("%s: %d Azure sample cases skipped", k, tl.skipped)
		}
	}
	t.Logf("%-45s %6d %8d %7d", "total", total.agree, total.disagree, total.skipped)
	for reason, n := range skips {
		t.Logf("skipped %d: %s", n, reason)
	}
}

func conformanceConstraints(dir string, c conformanceCase) ([]*policy.Constraint, error) {
	if c.Constraint != nil {
		f, errs := source.ReadFile(source.Input{Path: filepath.Join(dir, *c.Constraint)}, nil, source.DefaultLimits)
		if len(errs) > 0 {
			return nil, errs[0]
		}
		cs, _, cerrs := policy.ReadConstraints(f)
		if len(cerrs) > 0 {
			return nil, cerrs[0]
		}
		return cs, nil
	}
	def := policy.ByTemplate(c.TemplateKind)
	if def == nil {
		return nil, fmt.Errorf("no definition for template %s", c.TemplateKind)
	}
	assigned := c.Parameters
	if assigned == nil {
		assigned = sampleParameters[filepath.Dir(filepath.Dir(c.Object))]
	}
	params, err := def.TemplateParams(assigned)
	if err != nil {
		return nil, err
	}
	// The kind is the sample's own template (an older one than the
	// definition's for some), whose semantics the samples assert.
	return []*policy.Constraint{{Rule: def.Rule, Kind: c.TemplateKind, Semantics: policy.Azure, Definition: def,
		Name: c.ID, Params: params, Effect: policy.Audit, Origin: c.ID,
		Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}}, nil
}
