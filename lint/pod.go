package lint

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Pod is the view of one pod template that the rules judge: the Pod that
// the workload would create, as Gatekeeper sees it.
type Pod struct {
	Doc *source.Document
	// Kind, Name and Namespace identify the workload object (not the pod).
	Kind, Name, Namespace string
	// Meta is the pod (template) metadata mapping; may be nil.
	Meta *yaml.Node
	// Spec is the pod spec mapping; SpecKey is its key node (nil for the
	// items of a bare pod spec at the document root, which has none).
	Spec, SpecKey *yaml.Node
	// SpecPath is the dotted path of the pod spec in the object.
	SpecPath string
	// Labels and Annotations are the pod template's.
	Labels, Annotations map[string]string
	// Containers holds containers, initContainers and ephemeralContainers.
	Containers []*Container
	// Object is the workload's mapping node.
	Object *yaml.Node
	// Custom: the object is a custom resource embedding a pod template
	// (Knative Service, Argo Rollout, CloneSet), which the API server
	// validates against the CRD's schema, not the Kubernetes types.
	Custom bool
	// ServiceAccountAutomountOff is set when the pod's ServiceAccount, found
	// in the same file, says automountServiceAccountToken: false.
	ServiceAccountAutomountOff bool

	firstLine, lastLine int // of Object, computed once by lines()
	fixed               *fixedView
}

// lines gives the first and last line of the workload object.
func (p *Pod) lines() (first, last int) {
	if p.firstLine == 0 && p.Object != nil {
		p.firstLine, p.lastLine = p.Object.Line, lastLine(p.Object)
	}
	return p.firstLine, p.lastLine
}

// serviceAccountName is the account the pod runs as.
func (p *Pod) serviceAccountName() string {
	for _, k := range []string{"serviceAccountName", "serviceAccount"} {
		if s, ok := source.Str(source.Get(p.Spec, k)); ok && s != "" {
			return s
		}
	}
	return "default"
}

// automountOffAccounts lists namespace/name of the file's ServiceAccounts
// that turn token automounting off.
func automountOffAccounts(f *source.File, defaultNS string) map[string]bool {
	var out map[string]bool
	for _, d := range f.Docs {
		if kind, _ := source.Str(source.Get(d.Root, "kind")); kind != "ServiceAccount" {
			continue
		}
		if on, ok := source.Bool(source.Get(d.Root, "automountServiceAccountToken")); !ok || on {
			continue
		}
		name, _ := source.Str(source.Path(d.Root, "metadata", "name"))
		ns, _ := source.Str(source.Path(d.Root, "metadata", "namespace"))
		if ns == "" {
			ns = defaultNS
		}
		if out == nil {
			out = map[string]bool{}
		}
		out[ns+"/"+name] = true
	}
	return out
}

// Container is one entry of a pod's container lists.
type Container struct {
	Node        *yaml.Node
	Name, Image string
	// List is "containers", "initContainers" or "ephemeralContainers".
	List  string
	Index int
	// NameKey is the node of the `name` key (or the entry itself).
	NameKey *yaml.Node
	// SC is the securityContext mapping (nil when absent or null); SCKey
	// its key node, set whenever the key is written.
	SC, SCKey *yaml.Node
	// path caches Path: a container is judged by one goroutine, and
	// every finding about it names it.
	path string
}

// Path is the container's dotted path, e.g. spec.template.spec.containers[1].
func (c *Container) Path(p *Pod) string {
	if c.path == "" {
		c.path = p.SpecPath + "." + c.List + "[" + strconv.Itoa(c.Index) + "]"
	}
	return c.path
}

// Label names the container in messages: its name, or, for a container
// without one (which Knative allows), its place in the pod spec, e.g.
// containers[0]. No container name has brackets, so the stand-in is
// never taken for a name. Exclusions and annotations go by Name.
func (c *Container) Label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.List + "[" + strconv.Itoa(c.Index) + "]"
}

// Windows reports whether the pod asks for Windows nodes; Azure's Linux
// templates skip such pods.
func (p *Pod) Windows() bool {
	os, _ := source.Str(source.Path(p.Spec, "nodeSelector", "kubernetes.io/os"))
	return os == "windows"
}

// PodSC is the pod-level securityContext mapping, or nil.
func (p *Pod) PodSC() *yaml.Node { return source.Mapping(source.Get(p.Spec, "securityContext")) }

// templatePaths gives, per workload kind, the keys from the object to the
// pod template (whose metadata and spec are the pod's).
var templatePaths = map[string][]string{
	"Deployment":            {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"Job":                   {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
	"PodTemplate":           {"template"},
}

// templatePath is the path to a kind's pod template; kinds not in
// templatePaths (Argo Rollout, OpenShift DeploymentConfig and the like)
// keep theirs at spec.template.
func templatePath(kind string) []string {
	if p := templatePaths[kind]; p != nil {
		return p
	}
	return []string{"spec", "template"}
}

// customResource reports whether an object of kind at apiVersion is a
// custom resource rather than a built-in workload: a kind the API server
// does not build in, or any kind under a group with a dot that is not
// *.k8s.io (a CRD may reuse a built-in name: OpenKruise's
// apps.kruise.io StatefulSet). A built-in kind without apiVersion is read
// as built in. source refuses a built-in kind under a built-in group that
// never served it before it gets here.
func customResource(kind, apiVersion string) bool {
	if _, builtin := templatePaths[kind]; !builtin && kind != "Pod" {
		return true
	}
	group, _, hasGroup := strings.Cut(apiVersion, "/")
	return hasGroup && strings.Contains(group, ".") && !strings.HasSuffix(group, ".k8s.io")
}

// Pods extracts every pod template of a document: the document itself, the
// items of a List, and any kind with a pod spec at spec.template.spec.
func Pods(doc *source.Document, defaultNamespace string) []*Pod {
	var out []*Pod
	collectPods(doc, doc.Root, "", defaultNamespace, &out, 0)
	return out
}

func collectPods(doc *source.Document, obj *yaml.Node, prefix, defaultNS string, out *[]*Pod, depth int) {
	obj = source.Mapping(obj)
	if obj == nil || depth > 8 {
		return
	}
	kind, _ := source.Str(source.Get(obj, "kind"))
	if strings.HasSuffix(kind, "List") && source.Get(obj, "items") != nil {
		for i, item := range source.Items(source.Get(obj, "items")) {
			collectPods(doc, item, fmt.Sprintf("%sitems[%d].", prefix, i), defaultNS, out, depth+1)
		}
		return
	}
	if kind == "" {
		return
	}
	meta := source.Mapping(source.Get(obj, "metadata"))
	name, _ := source.Str(source.Get(meta, "name"))
	ns, _ := source.Str(source.Get(meta, "namespace"))
	if ns == "" {
		ns = defaultNS
	}
	apiVersion, _ := source.Str(source.Get(obj, "apiVersion"))
	pod := &Pod{Doc: doc, Kind: kind, Name: name, Namespace: ns, Object: obj, Custom: customResource(kind, apiVersion)}
	var tmplPath []string
	switch {
	case kind == "Pod":
		pod.Meta = meta
		pod.SpecKey, pod.Spec = source.Lookup(obj, "spec")
		pod.SpecPath = prefix + "spec"
	default:
		tmplPath = templatePath(kind)
		tmpl := source.Mapping(source.Path(obj, tmplPath...))
		if tmpl == nil {
			return
		}
		pod.Meta = source.Mapping(source.Get(tmpl, "metadata"))
		pod.SpecKey, pod.Spec = source.Lookup(tmpl, "spec")
		pod.SpecPath = prefix + strings.Join(tmplPath, ".") + ".spec"
	}
	pod.Spec = source.Mapping(pod.Spec)
	if pod.Spec == nil {
		return
	}
	_, known := templatePaths[kind]
	if kind != "Pod" && !known && source.Get(pod.Spec, "containers") == nil {
		return // a spec.template.spec that is not a pod spec
	}
	pod.Labels = source.StringMap(source.Get(pod.Meta, "labels"))
	pod.Annotations = source.StringMap(source.Get(pod.Meta, "annotations"))
	for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
		for i, c := range source.Items(source.Get(pod.Spec, list)) {
			c = source.Mapping(c)
			if c == nil {
				continue
			}
			ct := &Container{Node: c, List: list, Index: i, NameKey: c}
			if k, v := source.Lookup(c, "name"); k != nil {
				ct.NameKey = k
				ct.Name, _ = source.Str(v)
			}
			ct.Image, _ = source.Str(source.Get(c, "image"))
			var sc *yaml.Node
			ct.SCKey, sc = source.Lookup(c, "securityContext")
			ct.SC = source.Mapping(sc)
			pod.Containers = append(pod.Containers, ct)
		}
	}
	*out = append(*out, pod)
}
