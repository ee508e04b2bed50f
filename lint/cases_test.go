package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// Case files under testdata/lint carry their expectations beside the
// lines, the way analysistest reads `// want` comments:
//
//	securityContext:   # want: users-groups, privilege-escalation strict
//
// A line may name several findings; "strict" marks a strict one, "xN"
// several findings of the rule on that line. A `# judge-with:` line at the
// top names constraint files (relative to testdata/lint) to judge with
// instead of the restricted initiative, or `initiative NAME`.
var (
	wantRE  = regexp.MustCompile(`#\s*want:\s*(.*)$`)
	judgeRE = regexp.MustCompile(`^#\s*judge-with:\s*(.*)$`)
)

const caseDir = "../testdata/lint"

func TestCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(caseDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files in %s: %v", caseDir, err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			engine := caseEngine(t, string(src))
			f, errs := source.Parse(filepath.Base(path), src, source.DefaultLimits)
			if len(errs) > 0 {
				t.Fatalf("case does not parse: %v", errs[0])
			}
			findings, _ := engine.File(f)
			var got []string
			for _, fd := range findings {
				got = append(got, fmt.Sprintf("%d: %s %s", fd.Line, fd.Rule, fd.Certainty))
			}
			want := wants(string(src))
			sort.Strings(got)
			sort.Strings(want)
			if diff := cmp.Diff(want, got); diff != "" {
				var detail []string
				for _, fd := range findings {
					detail = append(detail, fmt.Sprintf("%d:%d %s %s [%s]: %s", fd.Line, fd.Column, fd.Rule, fd.Certainty, fd.Container, fd.Message))
				}
				t.Errorf("findings differ (-want +got):\n%s\nall findings:\n  %s", diff, strings.Join(detail, "\n  "))
			}
		})
	}
}

func wants(src string) []string {
	var out []string
	for i, line := range strings.Split(src, "\n") {
		m := wantRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, w := range strings.Split(m[1], ",") {
			fields := strings.Fields(w)
			if len(fields) == 0 {
				continue
			}
			certainty, n := "certain", 1
			for _, f := range fields[1:] {
				if f == "strict" {
					certainty = "strict"
				} else if _, err := fmt.Sscanf(f, "x%d", &n); err != nil {
					panic("bad want: " + w)
				}
			}
			for j := 0; j < n; j++ {
				out = append(out, fmt.Sprintf("%d: %s %s", i+1, fields[0], certainty))
			}
		}
	}
	return out
}

func caseEngine(t *testing.T, src string) *lint.Engine {
	t.Helper()
	var constraints []*policy.Constraint
	initiative := "restricted"
	for _, line := range strings.Split(src, "\n") {
		m := judgeRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		for _, item := range strings.Split(m[1], ",") {
			item = strings.TrimSpace(item)
			if name, ok := strings.CutPrefix(item, "initiative "); ok {
				initiative = name
				continue
			}
			f, errs := source.ReadFile(source.Input{Path: filepath.Join(caseDir, item)}, nil, source.DefaultLimits)
			if len(errs) > 0 {
				t.Fatal(errs[0])
			}
			cs, _, cerrs := policy.ReadConstraints(f)
			if len(cerrs) > 0 {
				t.Fatal(cerrs[0])
			}
			constraints = append(constraints, cs...)
		}
	}
	if constraints == nil {
		in, err := policy.Builtin(initiative)
		if err != nil {
			t.Fatal(err)
		}
		a := &policy.Assignment{Initiative: in, Effect: policy.Audit, Match: policy.Match{ExcludedNamespaces: policy.DefaultExcludedNamespaces}}
		if constraints, err = a.Constraints(); err != nil {
			t.Fatal(err)
		}
	}
	e, err := lint.New(constraints, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
