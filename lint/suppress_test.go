package lint

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

func TestParseIgnore(t *testing.T) {
	type want struct {
		rules  []string
		reason string
		junk   string
	}
	for text, w := range map[string]want{
		" seccomp: why":                       {[]string{"seccomp"}, "why", ""},
		"seccomp,users-groups:why":            {[]string{"seccomp", "users-groups"}, "why", ""},
		"  seccomp ,\tusers-groups  :  a: b ": {[]string{"seccomp", "users-groups"}, "a: b", ""},
		"seccomp":                             {[]string{"seccomp"}, "", ""},
		"seccomp:":                            {[]string{"seccomp"}, "", ""},
		"seccomp:   ":                         {[]string{"seccomp"}, "", ""},
		"seccomp # TODO: later":               {[]string{"seccomp"}, "", ""},
		"all: legacy # see #42":               {[]string{"all"}, "legacy # see #42", ""},
		"*: everything":                       {[]string{"*"}, "everything", ""},
		"seccomp selinux: why":                {[]string{"seccomp"}, "", "selinux: why"},
		"seccomp because":                     {[]string{"seccomp"}, "", "because"},
		": reason only":                       {nil, "reason only", ""},
		"":                                    {nil, "", ""},
	} {
		sp := parseIgnore(text)
		var got []string
		for _, r := range sp.rules {
			got = append(got, r.id)
			if text[r.at:r.to] != r.id {
				t.Errorf("%q: rule %q at %d:%d is %q", text, r.id, r.at, r.to, text[r.at:r.to])
			}
		}
		if diff := cmp.Diff(w, want{got, sp.reason, sp.junk}, cmp.AllowUnexported(want{})); diff != "" {
			t.Errorf("parseIgnore(%q) (-want +got):\n%s", text, diff)
		}
	}
	// Empty entries in the list are reported where they are.
	for text, at := range map[string]int{"seccomp: r": -1, "users-groups,: r": 13, ",seccomp: r": 0, "seccomp,,users-groups: r": 8, ": r": -1} {
		if got := parseIgnore(text).emptyAt; got != at {
			t.Errorf("parseIgnore(%q).emptyAt = %d, want %d", text, got, at)
		}
	}
}

func TestUnknownRuleSuggestion(t *testing.T) {
	for id, want := range map[string]string{
		"privilegd-containers": `did you mean "privileged-containers"`,
		"Seccomp-":             `did you mean "seccomp"`,
		"privileged":           `did you mean "privileged-containers"`,
		"kitchen-sink":         "silences nothing",
	} {
		if got := unknownRuleMessage(id); !strings.Contains(got, want) {
			t.Errorf("unknownRuleMessage(%q) = %q, want %q in it", id, got, want)
		}
	}
}

// A `#` is a comment only outside quoted and block scalars, also when they
// span lines, and a comment below a block scalar is one again.
func TestScalarRanges(t *testing.T) {
	src := strings.Join([]string{
		`a: "x # y \" # z`,     // 1
		`  # still quoted"`,    // 2
		`b: 'it''s # q'  # c1`, // 3
		`c: |2`,                // 4
		`    # text`,           // 5
		``,                     // 6
		`  # text too`,         // 7
		`# c2`,                 // 8
		`d:`,                   // 9
		`- >-`,                 // 10
		`  # folded text`,      // 11
		`  # folded text`,      // 12
		`# c3`,                 // 13
		`e: plain # c4`,        // 14
		`f: {k: "# q"} # c5`,   // 15
	}, "\n") + "\n"
	f, errs := source.Parse("t.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	r := scalarRanges(f)
	li := f.Lines()
	var comments []string
	for line := 1; line <= li.Lines(); line++ {
		b := li.Line(line)
		for i := range b {
			if b[i] == '#' && (i == 0 || b[i-1] == ' ') && !r.contains(li.LineStart(line)+i) {
				comments = append(comments, fmt.Sprintf("%d:%s", line, b[i:]))
				break
			}
		}
	}
	want := []string{"3:# c1", "8:# c2", "13:# c3", "14:# c4", "15:# c5"}
	if diff := cmp.Diff(want, comments); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
}

func suppressEngine(t *testing.T, opts Options) *Engine {
	t.Helper()
	in, err := policy.Builtin("restricted")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := (&policy.Assignment{Initiative: in, Effect: policy.Audit}).Constraints()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func judge(t *testing.T, e *Engine, src string) ([]Finding, Stats) {
	t.Helper()
	f, errs := source.Parse("t.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return e.File(f)
}

func summary(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d:%d %s %s/%s", f.Line, f.Column, f.Rule, f.Kind, f.Name))
	}
	sort.Strings(out)
	return out
}

const unusedSrc = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    secctx-lint.io/ignore: "host-paths, seccomp: no hostPath here"
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [2000]}
      containers:
      - name: app  # secctx-lint:ignore selinux, privilege-escalation: demo
        image: nginx
      # secctx-lint:ignore all: nothing below
`

func TestReportUnusedIgnores(t *testing.T) {
	fs, st := judge(t, suppressEngine(t, Options{}), unusedSrc)
	if len(fs) != 0 || st.Suppressed != 2 {
		t.Errorf("without the flag: %v, %d suppressed; want none, 2 (seccomp, privilege-escalation)", summary(fs), st.Suppressed)
	}
	fs, st = judge(t, suppressEngine(t, Options{ReportUnusedIgnores: true}), unusedSrc)
	want := []string{
		"12:41 unused-ignore Deployment/web", // selinux, at the rule's column
		"14:28 unused-ignore /",              // all: below the workload's last line, about none
		"6:28 unused-ignore Deployment/web",  // host-paths: annotations point at the value
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, summary(fs)); diff != "" || st.Suppressed != 2 {
		t.Errorf("with the flag (-want +got):\n%s\n%d suppressed", diff, st.Suppressed)
	}
	for _, f := range fs {
		if f.Level != LevelWarning || f.Certainty != Certain || f.Policy != "" || f.Fixable || !strings.Contains(f.Message, "silences nothing") {
			t.Errorf("meta finding: %+v", f)
		}
		if f.Line == 6 && f.Field != "metadata.annotations.secctx-lint.io/ignore" {
			t.Errorf("annotation field %q", f.Field)
		}
	}
}

func TestNoIgnores(t *testing.T) {
	plain, _ := judge(t, suppressEngine(t, Options{}), strings.ReplaceAll(unusedSrc, "secctx-lint", "x"))
	fs, st := judge(t, suppressEngine(t, Options{NoIgnores: true, ReportUnusedIgnores: true}), unusedSrc)
	if diff := cmp.Diff(summary(plain), summary(fs)); diff != "" || st.Suppressed != 0 || len(fs) == 0 {
		t.Errorf("--no-ignores should report what no suppression existed for (-plain +got):\n%s\n%d suppressed", diff, st.Suppressed)
	}
}

// A list of workloads: each item's annotation covers that item only, and
// the meta findings name the item they are in; CRLF keeps the columns.
func TestSuppressListItemsCRLF(t *testing.T) {
	src := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
    annotations: {secctx-lint.io/ignore: "all: legacy"}
  spec:
    containers: [{name: app, image: nginx}]
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec:   # secctx-lint:ignore users-group: typo
    containers: [{name: app, image: nginx}]
`
	for name, s := range map[string]string{"lf": src, "crlf": strings.ReplaceAll(src, "\n", "\r\n")} {
		fs, st := judge(t, suppressEngine(t, Options{}), s)
		if st.Suppressed == 0 {
			t.Errorf("%s: nothing suppressed", name)
		}
		var meta []Finding
		for _, f := range fs {
			if f.Name != "b" {
				t.Errorf("%s: finding of %s/%s: %s", name, f.Kind, f.Name, f.Message)
			}
			if _, ok := MetaRuleOf(f.Rule); ok {
				meta = append(meta, f)
			}
		}
		if len(meta) != 1 || meta[0].Rule != RuleInvalidIgnore || meta[0].Line != 14 || meta[0].Column != 32 || meta[0].EndColumn != 43 ||
			!strings.Contains(meta[0].Message, `did you mean "users-groups"`) {
			t.Errorf("%s: meta findings %+v", name, meta)
		}
	}
}

// The comment test reads no quoted scalar as a comment: a file full of
// look-alikes suppresses nothing and reports nothing about suppressions.
func TestSuppressLookAlikes(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    a: "# secctx-lint:ignore all: x"
    b: "multi
      # secctx-lint:ignore all: x"
    c: >
      # secctx-lint:ignore all: x
    d: x#secctx-lint:ignore all
spec:
  containers:
  - name: app
    image: nginx
`
	fs, st := judge(t, suppressEngine(t, Options{ReportUnusedIgnores: true}), src)
	plain, _ := judge(t, suppressEngine(t, Options{}), strings.ReplaceAll(src, "secctx-lint", "x"))
	if diff := cmp.Diff(summary(plain), summary(fs)); diff != "" || st.Suppressed != 0 {
		t.Errorf("look-alikes changed the findings (-plain +got):\n%s", diff)
	}
}

func TestMetaRulesDocumented(t *testing.T) {
	for _, m := range MetaRules() {
		if m.Title == "" || m.Help == "" || rules[m.ID] != nil {
			t.Errorf("meta rule %+v: needs a title and help, and an id no policy rule has", m)
		}
	}
}
