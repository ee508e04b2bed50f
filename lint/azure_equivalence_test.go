package lint_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/secctx-lint/secctx-lint/azure"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// verdict is everything a finding tells a user, without the pointers into
// the constraint and the document (Origin names where a constraint came
// from, which is expected to differ).
type verdict struct {
	Rule, Policy, PolicyID, PolicyVersion string
	Effect                                policy.Effect
	Level                                 lint.Level
	Certainty                             lint.Certainty
	File                                  string
	Line, Column, EndLine, EndColumn      int
	Kind, Namespace, Name, Container      string
	Field, Message                        string
	Fixable                               bool
	FixNote                               string
	// ConstraintName is the initiative's reference id, e.g. AllowedUsersGroups.
	ConstraintName string
	// Changes are what the fixer would write, as path=value.
	Changes []string
}

func verdicts(fs []lint.Finding) []verdict {
	out := make([]verdict, 0, len(fs))
	for _, f := range fs {
		v := verdict{
			Rule: f.Rule, Policy: f.Policy, PolicyID: f.PolicyID, PolicyVersion: f.PolicyVersion,
			Effect: f.Effect, Level: f.Level, Certainty: f.Certainty, File: f.File,
			Line: f.Line, Column: f.Column, EndLine: f.EndLine, EndColumn: f.EndColumn,
			Kind: f.Kind, Namespace: f.Namespace, Name: f.Name, Container: f.Container,
			Field: f.Field, Message: f.Message, Fixable: f.Fixable, FixNote: f.FixNote,
		}
		if f.Constraint != nil {
			v.ConstraintName = f.Constraint.Name
		}
		for _, c := range f.Changes {
			at := 0
			if c.Map != nil {
				at = c.Map.Line
			}
			val := ""
			if c.Value != nil {
				b, _ := json.Marshal(nodeValue(c.Value))
				val = string(b)
			}
			v.Changes = append(v.Changes, fmt.Sprintf("@%d %s=%s append=%v", at, strings.Join(c.Path, "."), val, c.Append))
		}
		out = append(out, v)
	}
	return out
}

// nodeValue renders a change's value node as plain data.
func nodeValue(n *yaml.Node) any {
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// equivalenceInputs are every lint case and every example: the files whose
// verdicts users and tests already know.
func equivalenceInputs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{filepath.Join(caseDir, "*.yaml"), filepath.Join("..", "examples", "*.yaml")} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no case files or examples found")
	}
	return files
}

func judgeFile(t *testing.T, e *lint.Engine, path string) []lint.Finding {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, errs := source.Parse(filepath.ToSlash(path), src, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatalf("%s does not parse: %v", path, errs[0])
	}
	fs, _ := e.File(f)
	return fs
}

// azureAssignment is an assignment of a policy set as `az policy
// assignment show` prints it, with the effect given.
func azureAssignment(setID string, effect policy.Effect) []byte {
	return fmt.Appendf(nil, `{
  "displayName": "test assignment",
  "enforcementMode": "Default",
  "name": "test",
  "notScopes": [],
  "parameters": {"effect": {"value": %q}},
  "policyDefinitionId": "/providers/Microsoft.Authorization/policySetDefinitions/%s",
  "scope": "/subscriptions/00000000-0000-0000-0000-000000000000"
}`, effect, setID)
}

// Azure's own initiative files, given with --azure-initiative (alone, or
// with an assignment that sets the effect), judge every case and example
// exactly as the built-in initiatives of the same name do.
func TestAzureInitiativeFilesJudgeAsBuiltins(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance", "azure-policy", "builtin", "policySetDefinitions")
	inputs := equivalenceInputs(t)
	for _, tc := range []struct{ file, builtin string }{
		{"PSPRestrictedStandard.json", "restricted"},
		{"PSPBaselineStandard.json", "baseline"},
	} {
		setData, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		in, err := policy.Builtin(tc.builtin)
		if err != nil {
			t.Fatal(err)
		}
		for _, effect := range []policy.Effect{policy.Audit, policy.Deny} {
			for _, strict := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/strict=%v", tc.builtin, effect, strict)
				t.Run(name, func(t *testing.T) {
					var fromFile []*policy.Constraint
					var nj []policy.NotJudged
					var err error
					if effect == policy.Audit {
						// The initiative alone: Azure's default effect (Audit).
						fromFile, nj, err = azure.Load(setData, tc.file, nil, nil)
					} else {
						fromFile, nj, err = azure.Load(setData, tc.file,
							map[string][]byte{"a.json": azureAssignment(in.ID, effect)}, []string{"a.json"})
					}
					if err != nil {
						t.Fatal(err)
					}
					if len(nj) != 0 {
						t.Errorf("%s lists members as not judged: %+v", tc.file, nj)
					}
					a := &policy.Assignment{Initiative: in, Effect: effect, Match: policy.Match{ExcludedNamespaces: in.DefaultExcludedNamespaces()}}
					builtin, err := a.Constraints()
					if err != nil {
						t.Fatal(err)
					}
					if len(fromFile) != len(builtin) {
						t.Errorf("%s gives %d constraints, %s %d", tc.file, len(fromFile), tc.builtin, len(builtin))
					}
					opts := lint.Options{Strict: strict}
					fileEngine, err := lint.New(fromFile, opts)
					if err != nil {
						t.Fatal(err)
					}
					builtinEngine, err := lint.New(builtin, opts)
					if err != nil {
						t.Fatal(err)
					}
					compared, errors := 0, 0
					for _, path := range inputs {
						want := verdicts(judgeFile(t, builtinEngine, path))
						got := verdicts(judgeFile(t, fileEngine, path))
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("%s: --azure-initiative %s differs from --initiative %s (-builtin +file):\n%s", path, tc.file, tc.builtin, diff)
						}
						compared += len(want)
						for _, v := range got {
							if v.Level == lint.LevelError && v.Rule != lint.RuleInvalidField {
								errors++
							}
						}
					}
					if compared == 0 {
						t.Fatalf("no finding on any of %d files: the comparison proves nothing", len(inputs))
					}
					// The effect reached the findings: Deny is an error, Audit never.
					if (effect == policy.Deny) != (errors > 0) {
						t.Errorf("effect %s: %d of %d findings are errors", effect, errors, compared)
					}
					t.Logf("%d files, %d findings compared (%d errors)", len(inputs), compared, errors)
				})
			}
		}
	}
}
