package lint_test

import (
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/source"
)

// Findings point into the original bytes: the right line and column in a
// later document, with CRLF endings and a BOM, and the caret's span covers
// the key and its value.
func TestPositionsCRLFMultiDoc(t *testing.T) {
	lf := "# first\n---\napiVersion: v1\nkind: ConfigMap\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n" +
		"  containers:\n  - name: app\n    securityContext:\n      privileged: true\n"
	for name, src := range map[string]string{
		"lf":       lf,
		"crlf":     strings.ReplaceAll(lf, "\n", "\r\n"),
		"bom+crlf": "\ufeff" + strings.ReplaceAll(lf, "\n", "\r\n"),
	} {
		t.Run(name, func(t *testing.T) {
			f, errs := source.Parse("x.yaml", []byte(src), source.DefaultLimits)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			findings, _ := restrictedEngine(t).File(f)
			var priv, esc bool
			for _, fd := range findings {
				switch fd.Rule {
				case "privileged-containers":
					priv = true
					if fd.Line != 13 || fd.Column != 7 || fd.EndLine != 13 || fd.EndColumn != 23 {
						t.Errorf("privileged at %d:%d-%d:%d, want 13:7-13:23", fd.Line, fd.Column, fd.EndLine, fd.EndColumn)
					}
					if got := string(f.Lines().Line(fd.Line)); got != "      privileged: true" {
						t.Errorf("source line %q", got)
					}
				case "privilege-escalation":
					esc = true
					if fd.Line != 12 || fd.Column != 5 {
						t.Errorf("missing allowPrivilegeEscalation points at %d:%d, want the securityContext key at 12:5", fd.Line, fd.Column)
					}
				}
			}
			if !priv || !esc {
				t.Errorf("want privileged and privilege-escalation findings, got %+v", findings)
			}
		})
	}
}
