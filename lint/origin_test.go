package lint_test

import (
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// sameShape records, for every node of rendered, the node at the same
// place in origin (mapping keys by name, sequence items by index).
func sameShape(m source.OriginMap, rendered, origin *yaml.Node, doc *source.Document, editable bool, note string) {
	m[rendered] = source.Origin{Path: doc.File.Path, Line: origin.Line, Column: origin.Column, Doc: doc, Node: origin, Editable: editable, Note: note}
	switch rendered.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(rendered.Content); i += 2 {
			k := rendered.Content[i]
			ok, ov := source.Lookup(origin, k.Value)
			if ok == nil {
				continue
			}
			m[k] = source.Origin{Path: doc.File.Path, Line: ok.Line, Column: ok.Column, Doc: doc, Node: ok, Editable: editable, Note: note}
			sameShape(m, rendered.Content[i+1], ov, doc, editable, note)
		}
	case yaml.SequenceNode:
		for i, c := range rendered.Content {
			if i < len(origin.Content) {
				sameShape(m, c, origin.Content[i], doc, editable, note)
			}
		}
	}
}

func parse(t *testing.T, path, src string) *source.File {
	t.Helper()
	f, errs := source.Parse(path, []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return f
}

// A finding of a rendered document is reported in the origin file, at the
// origin node, with renderedFrom set; its changes edit the origin file; an
// origin that cannot take the edit leaves the finding unfixable with the
// renderer's note.
func TestRenderedFindingsMoveToOrigin(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: x\n    securityContext:\n      privileged: true\n"
	// The origin has the same object below a comment block and without the
	// namespace a renderer added.
	origin := parse(t, "base/pod.yaml", "# base\n\n\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n    securityContext:\n      privileged: true\n")
	for _, editable := range []bool{true, false} {
		rendered := parse(t, "kustomize build overlay", pod)
		m := source.OriginMap{}
		sameShape(m, rendered.Docs[0].Root, origin.Docs[0].Root, origin.Docs[0], editable, "set in a JSON 6902 patch; add it there")
		rendered.Docs[0].Origins = m
		rendered.Docs[0].Rendered = &source.Rendered{Kind: "kustomize", Dir: "overlay"}
		findings, _ := restrictedEngine(t).File(rendered)
		var priv, esc *lint.Finding
		for i := range findings {
			switch findings[i].Rule {
			case "privileged-containers":
				priv = &findings[i]
			case "privilege-escalation":
				esc = &findings[i]
			}
			if findings[i].RenderedFrom == nil || findings[i].RenderedFrom.Dir != "overlay" {
				t.Errorf("%s: renderedFrom %+v", findings[i].Rule, findings[i].RenderedFrom)
			}
			if findings[i].Namespace != "shop" {
				t.Errorf("%s: namespace %q, want the rendered object's shop", findings[i].Rule, findings[i].Namespace)
			}
		}
		if priv == nil || esc == nil {
			t.Fatalf("findings %+v", findings)
		}
		if priv.File != "base/pod.yaml" || priv.Line != 13 || priv.Column != 7 || priv.EndColumn != 23 {
			t.Errorf("privileged at %s:%d:%d-%d, want base/pod.yaml:13:7-23", priv.File, priv.Line, priv.Column, priv.EndColumn)
		}
		if esc.File != "base/pod.yaml" || esc.Line != 12 || esc.Column != 5 {
			t.Errorf("missing allowPrivilegeEscalation at %s:%d:%d, want the base's securityContext key at 12:5", esc.File, esc.Line, esc.Column)
		}
		if !editable {
			for _, f := range findings {
				if f.Rule == "users-groups" && (f.Fixable || f.FixNote != "set in a JSON 6902 patch; add it there") {
					t.Errorf("not editable: %s fixable %v, note %q", f.Field, f.Fixable, f.FixNote)
				}
			}
			continue
		}
		res, err := fix.File(origin, findings)
		if err != nil {
			t.Fatal(err)
		}
		fixed := parse(t, origin.Path, string(res.Src))
		if source.Path(fixed.Docs[0].Root, "spec", "containers") == nil {
			t.Fatal("fixed origin lost its containers")
		}
		// privileged: true stays, so allowPrivilegeEscalation is not
		// written; the pod level gets the user fields.
		if source.Path(fixed.Docs[0].Root, "spec", "securityContext", "runAsUser") == nil {
			t.Errorf("the origin's pod spec did not get runAsUser:\n%s", res.Src)
		}
	}
}

// Two rendered objects built from one base ask for the same edit: it is
// made once. Different values for one key are a conflict: neither is
// written, and a note says so.
func TestSameEditFromTwoRenders(t *testing.T) {
	const src = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n"
	origin := parse(t, "base/pod.yaml", src)
	var all []lint.Finding
	for _, ns := range []string{"a", "b"} {
		rendered := parse(t, "kustomize build "+ns, src)
		m := source.OriginMap{}
		sameShape(m, rendered.Docs[0].Root, origin.Docs[0].Root, origin.Docs[0], true, "")
		rendered.Docs[0].Origins = m
		rendered.Docs[0].Rendered = &source.Rendered{Kind: "kustomize", Dir: ns}
		fs, _ := restrictedEngine(t).File(rendered)
		all = append(all, fs...)
	}
	once, _ := restrictedEngine(t).File(origin)
	want, err := fix.File(origin, once)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fix.File(origin, all)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Src) != string(want.Src) || got.Fields != want.Fields {
		t.Errorf("two renders of one base:\n%s\nwant the single fix:\n%s", got.Src, want.Src)
	}
	// Change one render's value: that key is refused with a note.
	for i := range all[len(all)/2:] {
		f := &all[len(all)/2+i]
		for j := range f.Changes {
			if f.Changes[j].Path[len(f.Changes[j].Path)-1] == "runAsUser" {
				f.Changes[j].Value = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "4242"}
			}
		}
	}
	got, err = fix.File(origin, all)
	if err != nil {
		t.Fatal(err)
	}
	fixed := parse(t, origin.Path, string(got.Src))
	if source.Path(fixed.Docs[0].Root, "spec", "securityContext", "runAsUser") != nil {
		t.Errorf("conflicting runAsUser values were written:\n%s", got.Src)
	}
	if source.Path(fixed.Docs[0].Root, "spec", "securityContext", "runAsGroup") == nil {
		t.Errorf("the edits without conflict were not made:\n%s", got.Src)
	}
	noted := false
	for _, n := range got.Notes {
		noted = noted || strings.Contains(n.Msg, "runAsUser is asked for with different values")
	}
	if !noted {
		t.Errorf("no conflict note: %+v", got.Notes)
	}
}

// absentOrigins adds to an OriginMap where a key the rendered tree lacks
// belongs (source.AbsentOrigins).
type absentOrigins struct {
	source.OriginMap
	parent *yaml.Node
	key    string
	at     source.Origin
}

func (a absentOrigins) OfAbsent(parent *yaml.Node, key string) (source.Origin, bool) {
	return a.at, parent == a.parent && key == a.key
}

// A pod securityContext that the rendered object lacks but whose source is
// known (a values map written `{}` that the template prints only when it is
// not empty) is reported there, and the fields go into it: the `{}` token
// becomes a block, from its parent (Origin.Keys), comments below it kept.
func TestAbsentKeyGoesToItsOrigin(t *testing.T) {
	values := parse(t, "chart/values.yaml", "replicas: 1\npodSecurityContext: {}\n  # fsGroup: 2000\n")
	rendered := parse(t, "helm template chart", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n    securityContext:\n      allowPrivilegeEscalation: false\n")
	spec := source.Get(rendered.Docs[0].Root, "spec")
	root := values.Docs[0].Root
	at := source.Origin{Path: values.Path, Line: 2, Column: 1, Doc: values.Docs[0], Node: root, Keys: []string{"podSecurityContext"}, Editable: true}
	tmpl := source.Origin{Path: "chart/templates/pod.yaml", Line: 1, Column: 1, Note: "a template expression"}
	m := source.OriginMap{}
	var all func(n *yaml.Node)
	all = func(n *yaml.Node) {
		m[n] = tmpl
		for _, c := range n.Content {
			all(c)
		}
	}
	all(rendered.Docs[0].Root)
	rendered.Docs[0].Origins = absentOrigins{OriginMap: m, parent: spec, key: "securityContext", at: at}
	rendered.Docs[0].Rendered = &source.Rendered{Kind: "helm", Dir: "chart"}
	findings, _ := restrictedEngine(t).File(rendered)
	var fixable []lint.Finding
	for _, f := range findings {
		if f.Field == "spec.securityContext.runAsUser" && (f.File != "chart/values.yaml" || f.Line != 2) {
			t.Errorf("runAsUser reported at %s:%d, want chart/values.yaml:2", f.File, f.Line)
		}
		if f.Fixable {
			fixable = append(fixable, f)
		}
	}
	if len(fixable) == 0 {
		t.Fatalf("nothing fixable: %+v", findings)
	}
	res, err := fix.File(values, fixable)
	if err != nil {
		t.Fatal(err)
	}
	out := string(res.Src)
	if !strings.HasPrefix(out, "replicas: 1\npodSecurityContext:\n  fsGroup: 2000\n") || !strings.HasSuffix(out, "  # fsGroup: 2000\n") || strings.Contains(out, "{}") {
		t.Errorf("fixed values:\n%s", out)
	}
}
