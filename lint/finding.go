package lint

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Level is how loudly a finding is reported.
type Level string

// Levels, loudest first.
const (
	LevelError   Level = "error"   // Deny
	LevelWarning Level = "warning" // Audit
	LevelNotice  Level = "notice"  // strict findings unless --strict
)

// Rank orders levels: error 3, warning 2, notice 1.
func (l Level) Rank() int {
	switch l {
	case LevelError:
		return 3
	case LevelWarning:
		return 2
	case LevelNotice:
		return 1
	}
	return 0
}

// Certainty says whether every known reading of a policy fails the pod.
type Certainty string

const (
	// Certain: every known reading of the policy fails the pod.
	Certain Certainty = "certain"
	// Strict: some reading fails it (an older template, PSS), while the
	// template Azure probably serves now passes it.
	Strict Certainty = "strict"
)

// Finding is one verdict: a policy that the pod a workload creates fails.
// Its JSON form is the stable output documented in the README.
type Finding struct {
	Rule          string        `json:"rule"`
	Policy        string        `json:"policy"`
	PolicyID      string        `json:"policyId"`
	PolicyVersion string        `json:"policyVersion"`
	Effect        policy.Effect `json:"effect"`
	Level         Level         `json:"level"`
	Certainty     Certainty     `json:"certainty"`
	File          string        `json:"file"`
	Line          int           `json:"line"`
	Column        int           `json:"column"`
	EndLine       int           `json:"endLine"`
	EndColumn     int           `json:"endColumn"`
	Kind          string        `json:"kind"`
	Namespace     string        `json:"namespace"`
	Name          string        `json:"name"`
	Container     string        `json:"container,omitempty"`
	Field         string        `json:"field"`
	Message       string        `json:"message"`
	Fixable       bool          `json:"fixable"`
	// FixNote says why the fixer leaves this finding alone, when it does.
	FixNote string `json:"fixNote,omitempty"`
	// RenderedFrom says what a finding of a rendered document was built
	// from (a kustomization folder, a chart); File and the positions are
	// then those of the origin file a person edits. Nil for plain files.
	RenderedFrom *source.Rendered `json:"renderedFrom,omitempty"`
	// Missing: the finding is about a field that is not written (its
	// position is where the field belongs), not about a value in the file.
	Missing bool `json:"-"`
	// ObjectLine and ObjectEndLine are the lines of the workload object in
	// File, 0 when unknown (a rendered document): a missing field is new in
	// a change when its workload's lines changed (filter.Changes).
	ObjectLine    int `json:"-"`
	ObjectEndLine int `json:"-"`
	// FixValueForbidden: the value the fixer would write (runAsUser, ...)
	// is outside the assigned parameters; --fix refuses to run.
	FixValueForbidden bool `json:"-"`

	// FixHint says in a few words what the fixer writes ("set
	// runAsUser: 1000, ..."); empty when not fixable. It is what reports
	// need of Changes once the document's tree is gone (Detach sets it).
	FixHint string `json:"-"`
	// Changes are what the fixer writes to make the finding go away under
	// every reading. Empty when not fixable. Changes and Doc point into
	// the document's tree: they are for the judge step (the fixer plans
	// its byte edits from them then, suggestions are planned then) and
	// Detach drops them before the finding outlives its document.
	Changes []Change `json:"-"`
	// Constraint is the constraint that failed.
	Constraint *policy.Constraint `json:"-"`
	// Doc is the document the finding is in: for a rendered document, the
	// origin document that File names and Changes edit (nil when the origin
	// was not parsed).
	Doc *source.Document `json:"-"`
}

// Change asks the fixer to make Path exist below the mapping Map with
// Value, creating the maps on the way. It never replaces a value the user
// wrote: the fixer only fills what is absent or null. With Append set, the
// items of the sequence Value are appended to an existing sequence. With
// Set, those items are requirements that add up (capabilities to drop):
// changes asking for the same missing key with other items write all of
// them, in the order first asked, instead of conflicting.
//
// With Token set, the change instead rewrites that scalar token (a key or a
// value, written in the file) as Text: a misspelt key renamed, a quoted
// number unquoted. For a renamed key Map is the mapping that holds it, so
// that other changes to the same map see the new name.
type Change struct {
	Map    *yaml.Node
	Path   []string
	Value  *yaml.Node
	Append bool
	Set    bool
	Token  *yaml.Node
	Text   string
}

// Scalar values for changes.
func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: itoa(v)}
}

func boolNode(v bool) *yaml.Node {
	s := "false"
	if v {
		s = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// Hint renders changes the way reports name them: "set a.b: v, c: [x, y]".
func Hint(changes []Change) string {
	// Every fixable finding gets one when its tree goes (Detach): one
	// allocation of the right size, not a builder's growth and a join.
	var buf [4]string
	texts := buf[:0]
	size := 0
	for _, c := range changes {
		t := ChangeText(c)
		texts = append(texts, t)
		if t == "" {
			continue
		}
		size += len("set ") + len(": ") + len(t) // "set " or ", "
		for _, k := range c.Path {
			size += len(k) + 1
		}
	}
	if size == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(size)
	for i, c := range changes {
		if texts[i] == "" {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("set ")
		} else {
			b.WriteString(", ")
		}
		for j, k := range c.Path {
			if j > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		}
		b.WriteString(": ")
		b.WriteString(texts[i])
	}
	return b.String()
}

// ChangeText is the value a change writes, as reports show it: a scalar's
// text, or [a, b] for a sequence ("add [a, b]" when appended).
func ChangeText(c Change) string {
	if c.Value == nil {
		return ""
	}
	if len(c.Value.Content) == 0 {
		return c.Value.Value
	}
	var items []string
	for _, n := range c.Value.Content {
		if n.Value != "" {
			items = append(items, n.Value)
		}
	}
	s := "[" + strings.Join(items, ", ") + "]"
	if c.Append {
		s = "add " + s
	}
	return s
}

// Fingerprint identifies a finding across runs by what it is about, not
// where it is: rule, object, container and field (and, for findings about
// suppressions, the message and, outside any object, the file). SARIF's
// partialFingerprints and the baseline file (filter) both use it, so a
// moved manifest stays matched.
func Fingerprint(f *Finding) string {
	h := sha256.New()
	parts := []string{f.Rule, f.Kind, f.Namespace, f.Name, f.Container, f.Field}
	if _, meta := MetaRuleOf(f.Rule); meta {
		parts = append(parts, f.Message)
		if f.Kind == "" {
			parts = append(parts, f.File)
		}
	}
	for _, s := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
