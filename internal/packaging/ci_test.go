package packaging

import (
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestProjectCI: the project's GitHub workflow runs .ci/run on pushes and
// pull requests and runs the action from this checkout (uses: ./) on
// examples/, then checks its outputs; dependabot watches Go modules and
// actions. (actionlint checks the files themselves in
// TestWorkflowsActionlint.)
func TestProjectCI(t *testing.T) {
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Steps []struct {
				ID, Uses, Run string
				With          map[string]string
				Env           map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(read(t, ".github/workflows/ci.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["push"]; !ok {
		t.Errorf("ci.yml does not run on push")
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Errorf("ci.yml does not run on pull_request")
	}
	runsCI, usesAction, checksOutputs := false, false, false
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if strings.Contains(s.Run, ".ci/run") {
				runsCI = true
			}
			if s.Uses == "./" && strings.HasPrefix(s.With["paths"], "examples") {
				usesAction = true
			}
			for _, v := range s.Env {
				if strings.Contains(v, "steps.lint.outputs.findings") && s.Run != "" {
					checksOutputs = true
				}
			}
		}
	}
	if !runsCI || !usesAction || !checksOutputs {
		t.Errorf("ci.yml: runs .ci/run %v, uses ./ on examples %v, checks the outputs %v", runsCI, usesAction, checksOutputs)
	}

	var dep struct {
		Version int
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string
		}
	}
	if err := yaml.Unmarshal(read(t, ".github/dependabot.yml"), &dep); err != nil {
		t.Fatal(err)
	}
	var eco []string
	for _, u := range dep.Updates {
		if u.Directory == "/" {
			eco = append(eco, u.Ecosystem)
		}
	}
	slices.Sort(eco)
	if dep.Version != 2 || strings.Join(eco, ",") != "github-actions,gomod" {
		t.Errorf("dependabot: version %d, ecosystems at / %v", dep.Version, eco)
	}
}
