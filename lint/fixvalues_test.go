package lint_test

import (
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// A group ID that one constraint asks the fixer to write is refused when
// a MayRunAs constraint judging the same pod does not allow it (it would
// find the value once written), and MayForbidFix says so before anything
// is judged; a value both allow is fixed.
func TestFixValueRefusedByMayRunAs(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
	for _, field := range []string{"runAsGroup", "fsGroup", "supplementalGroups"} {
		t.Run(field, func(t *testing.T) {
			cf := &source.File{Path: "c.yaml", Src: []byte(linttest.MayRunAsConflict(field))}
			f, errs := source.Parse(cf.Path, cf.Src, source.DefaultLimits)
			if len(errs) > 0 {
				t.Fatal(errs[0])
			}
			cs, _, cerrs := policy.ReadConstraints(f)
			if len(cerrs) > 0 || len(cs) != 2 {
				t.Fatalf("%d constraints, %v", len(cs), cerrs)
			}
			for _, tt := range []struct {
				values    lint.FixValues
				forbidden bool
			}{
				{lint.DefaultFixValues, true},
				{lint.FixValues{RunAsUser: 1000, RunAsGroup: 50, FSGroup: 50, SupplementalGroups: []int64{50}}, false},
			} {
				e, err := lint.New(cs, lint.Options{Fix: tt.values})
				if err != nil {
					t.Fatal(err)
				}
				pf, _ := source.Parse("pod.yaml", []byte(pod), source.DefaultLimits)
				fs, _ := e.File(pf)
				var got *lint.Finding
				for i := range fs {
					if strings.HasSuffix(fs[i].Field, "."+field) {
						got = &fs[i]
					}
				}
				if got == nil {
					t.Fatalf("%+v: no finding on %s in %v", tt.values, field, fs)
				}
				if got.FixValueForbidden != tt.forbidden || got.Fixable == tt.forbidden || tt.forbidden && !strings.Contains(got.FixNote, "K8sAzureV3AllowedUsersGroups may (MayRunAs 1-100)") {
					t.Errorf("%+v: forbidden %v fixable %v note %q, want forbidden %v", tt.values, got.FixValueForbidden, got.Fixable, got.FixNote, tt.forbidden)
				}
				if tt.forbidden && !e.MayForbidFix() {
					t.Errorf("%+v: a finding refuses the fix value but MayForbidFix is false", tt.values)
				}
			}
		})
	}
}

// A MayRunAs constraint refuses a pod-level value only where it reaches a
// container it judges: not one it excludes, nor (runAsGroup) one that
// sets its own.
func TestFixValueMayRunAsSeesOnlyWhatItJudges(t *testing.T) {
	text := strings.Replace(linttest.MayRunAsConflict("runAsGroup"), "metadata: {name: may}\nspec:\n  parameters:\n", "metadata: {name: may}\nspec:\n  parameters:\n    excludedContainers: [c2]\n", 1)
	f, _ := source.Parse("c.yaml", []byte(text), source.DefaultLimits)
	cs, _, cerrs := policy.ReadConstraints(f)
	if len(cerrs) > 0 || len(cs) != 2 {
		t.Fatalf("%d constraints, %v", len(cs), cerrs)
	}
	e, err := lint.New(cs, lint.Options{Fix: lint.DefaultFixValues})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		own       string // c1's own securityContext
		forbidden bool
	}{
		{"    securityContext: {runAsGroup: 50}\n", false},
		{"", true},
	} {
		pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c1\n    image: nginx\n" + tt.own + "  - name: c2\n    image: nginx\n"
		pf, _ := source.Parse("pod.yaml", []byte(pod), source.DefaultLimits)
		fs, _ := e.File(pf)
		forbidden, asked := false, false
		for _, fd := range fs {
			if strings.HasSuffix(fd.Field, ".runAsGroup") {
				asked = true
				forbidden = forbidden || fd.FixValueForbidden
			}
		}
		if !asked || forbidden != tt.forbidden {
			t.Errorf("c1 %q: asked %v, forbidden %v, want forbidden %v (%v)", tt.own, asked, forbidden, tt.forbidden, fs)
		}
	}
}

// No refusal where the value would not be written (the pod and a
// container share one securityContext map, whose fixes are withheld), nor
// where the finding the MayRunAs constraint would make may be suppressed:
// there the value is written, as before, and the fixed text is judged.
func TestFixValueMayRunAsNotRefusedWhenNotWrittenOrSuppressed(t *testing.T) {
	// "may" judges only the sidecar, which the suppression covers.
	text := strings.Replace(linttest.MayRunAsConflict("runAsGroup"), "metadata: {name: may}\nspec:\n  parameters:\n", "metadata: {name: may}\nspec:\n  parameters:\n    excludedImages: [nginx]\n", 1)
	f, _ := source.Parse("c.yaml", []byte(text), source.DefaultLimits)
	cs, _, cerrs := policy.ReadConstraints(f)
	if len(cerrs) > 0 {
		t.Fatal(cerrs)
	}
	e, err := lint.New(cs, lint.Options{Fix: lint.DefaultFixValues})
	if err != nil {
		t.Fatal(err)
	}
	for name, pod := range map[string]string{
		"shared":     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext: &sc {runAsUser: 1000}\n  containers:\n  - name: c\n    image: envoy\n    securityContext: *sc\n",
		"suppressed": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: nginx\n  # secctx-lint:ignore users-groups: the vendor's webhook sets its group\n  - name: sidecar\n    image: envoy\n",
	} {
		pf, _ := source.Parse("pod.yaml", []byte(pod), source.DefaultLimits)
		fs, _ := e.File(pf)
		asked := false
		for _, fd := range fs {
			asked = asked || strings.HasSuffix(fd.Field, ".runAsGroup")
			if fd.FixValueForbidden {
				t.Errorf("%s: %s refused: %s", name, fd.Field, fd.FixNote)
			}
		}
		if !asked {
			t.Errorf("%s: no runAsGroup finding in %v", name, fs)
		}
	}
}
