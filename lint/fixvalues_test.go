package lint_test

import (
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
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
			cs := linttest.Constraints(t, linttest.MayRunAsConflict(field))
			if len(cs) != 2 {
				t.Fatalf("%d constraints", len(cs))
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
	e := linttest.Engine(t, text, lint.Options{Fix: lint.DefaultFixValues})
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
	e := linttest.Engine(t, text, lint.Options{Fix: lint.DefaultFixValues})
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

// A refused fix value names the constraint that refuses it, and then the
// ID nearest to it that every constraint judging the pod allows, or says
// that none does and what each allows.
func TestFixValueRefusalNamesConstraintAndAValueThatWorks(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
	constraint := func(name, rule, ranges string) string {
		return "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sAzureV3AllowedUsersGroups\nmetadata: {name: " + name + "}\nspec:\n  parameters:\n    runAsUser: {rule: RunAsAny}\n    fsGroup: {rule: " + rule + ", ranges: [" + ranges + "]}\n"
	}
	for _, tt := range []struct {
		constraints []string
		want        []string
	}{
		// One MustRunAs range: the default 2000 is outside, 100 is nearest.
		{[]string{constraint("low", "MustRunAs", "{min: 1, max: 100}")},
			[]string{"the fix value fsGroup 2000 is not allowed by K8sAzureV3AllowedUsersGroups low (MustRunAs 1-100)", "; 100 is allowed by every policy that judges this workload"}},
		// MustRunAs allows 2000, MayRunAs refuses it; both allow 300-400.
		{[]string{constraint("asks", "MustRunAs", "{min: 300, max: 65535}"), constraint("may", "MayRunAs", "{min: 1, max: 100}, {min: 300, max: 400}")},
			[]string{"not allowed by K8sAzureV3AllowedUsersGroups may (MayRunAs 1-100, 300-400)", "; 400 is allowed by every policy"}},
		// No value is in both.
		{[]string{constraint("asks", "MustRunAs", "{min: 1000, max: 2000}"), constraint("may", "MayRunAs", "{min: 1, max: 100}")},
			[]string{"not allowed by K8sAzureV3AllowedUsersGroups may", "; no fsGroup is allowed by every policy that judges this workload (K8sAzureV3AllowedUsersGroups asks: MustRunAs 1000-2000; K8sAzureV3AllowedUsersGroups may: MayRunAs 1-100)"}},
	} {
		e := linttest.Engine(t, strings.Join(tt.constraints, "---\n"), lint.Options{Fix: lint.DefaultFixValues})
		pf, _ := source.Parse("pod.yaml", []byte(pod), source.DefaultLimits)
		fs, _ := e.File(pf)
		var notes []string
		for _, fd := range fs {
			if fd.FixValueForbidden {
				notes = append(notes, fd.FixNote)
			}
		}
		if len(notes) != 1 {
			t.Fatalf("%v: refusals %q, want one", tt.constraints, notes)
		}
		for _, w := range tt.want {
			if !strings.Contains(notes[0], w) {
				t.Errorf("refusal %q lacks %q", notes[0], w)
			}
		}
	}
}
