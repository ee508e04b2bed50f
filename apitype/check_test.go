package apitype

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// parse reads a YAML document as secctx-lint does (yaml.v3 nodes).
func parse(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// oracle is what the API server does with what kubectl sends: YAMLToJSON
// (go-yaml v2), then a case-sensitive strict decode into the Go type.
func oracle(src string) error {
	j, err := k8syaml.YAMLToJSON([]byte(src))
	if err != nil {
		return err
	}
	var spec corev1.PodSpec
	strict, err := kjson.UnmarshalStrict(j, &spec)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return strict[0]
	}
	return nil
}

// Each case is a pod spec; the checker must refuse exactly what the API
// server refuses.
var podSpecs = []string{
	"containers: [{name: a, image: b}]",
	"containers: [{name: a, securityContext: {runAsUser: 1000}}]",
	`containers: [{name: a, securityContext: {runAsUser: "1000"}}]`,
	`containers: [{name: a, securityContext: {runAsUser: "0"}}]`,
	"containers: [{name: a, securityContext: {runAsUser: 0x3E8}}]",
	"containers: [{name: a, securityContext: {runAsUser: 1e3}}]",
	"containers: [{name: a, securityContext: {runAsUser: 1.5}}]",
	"containers: [{name: a, securityContext: {runAsUser: 1e21}}]",
	"containers: [{name: a, securityContext: {runAsUser: 0777}}]",
	"containers: [{name: a, securityContext: {runAsUsr: 1000}}]",
	"containers: [{name: a, securitycontext: {runAsUser: 1000}}]",
	"containers: [{name: a, securityContext: {privileged: yes}}]",
	`containers: [{name: a, securityContext: {privileged: "true"}}]`,
	"containers: [{name: a, securityContext: {privileged: 1}}]",
	"containers: [{name: a, securityContext: {allowPrivilegeEscalaton: false}}]",
	"containers: [{name: a, resources: {limits: {cpu: 500m, memory: 1Gi}}}]",
	"containers: [{name: a, resources: {limits: {cpu: 0.5, memory: 1e3}}}]",
	"containers: [{name: a, resources: {limits: {cpu: true}}}]",
	"containers: [{name: a, resources: {limits: {cpu: 5x}}}]",
	"containers: [{name: a, ports: [{containerPort: 80, hostPort: 70000}]}]",
	"containers: [{name: a, ports: [{containerPort: 3000000000}]}]",
	"containers: [{name: a, livenessProbe: {httpGet: {port: http}}}]",
	"containers: [{name: a, livenessProbe: {httpGet: {port: 8080}}}]",
	"containers: [{name: a, livenessProbe: {httpGet: {port: 80.5}}}]",
	"containers: [{name: a, env: [{name: X, value: yes}]}]",
	`containers: [{name: a, env: [{name: X, value: "yes"}]}]`,
	"containers: [{name: a, env: [{name: X, value: 1}]}]",
	"containers: [{name: a, args: [--a, 1]}]",
	"containers: [{name: a, args: ~}]",
	"containers: [{name: a, image: ~}]",
	"containers: {name: a}",
	"containers: [a]",
	`securityContext: {supplementalGroups: "2000"}`,
	"securityContext: {supplementalGroups: [2000]}",
	`securityContext: {supplementalGroups: ["2000"]}`,
	"securityContext: {sysctls: [{name: a, value: 1}]}",
	"nodeSelector: {kubernetes.io/os: linux, n: 1}",
	"nodeSelector: {kubernetes.io/os: linux}",
	"hostNetwork: on",
	"hostNetwork: y",
	"hostNetwork: tRUE",
	"hostNetwork: 'true'",
	"terminationGracePeriodSeconds: 30",
	"terminationGracePeriodSeconds: '30'",
	"overhead: {cpu: 1}",
	"volumes: [{name: v, emptyDir: {sizeLimit: 1Gi}}]",
	"volumes: [{name: v, emptyDir: {}, hostPath: {path: /x, type: ''}}]",
	"volumes: [{name: v, projected: {defaultMode: 0644, sources: []}}]",
	"volumes: [{name: v, secret: {secretName: s, defaultMode: 420}}]",
	"x: &a {runAsUser: 1}\nsecurityContext: *a",
	"securityContext:\n  <<: {runAsUser: 1, runAsUsr: 2}\n  runAsGroup: 3",
	"securityContext:\n  <<: {runAsUser: '1'}\n  runAsUser: 2",
	"tolerations: [{key: k, tolerationSeconds: 10}]",
	"schedulingGates: [{name: a}]",
	"os: {name: windows}",
	"os: windows",
	"readinessGates: [{conditionType: 1}]",
	"dnsConfig: {options: [{name: ndots, value: 2}]}",
	"nodeSelector: {n: a}",
	"containers: [{name: a, securityContext: {on: 1}}]",
}

func TestCheckAgreesWithAPIServerDecoding(t *testing.T) {
	agrees(t, Check, oracle)
}

// agrees: check finds a problem in exactly the podSpecs that decode
// refuses.
func agrees(t *testing.T, check func(*yaml.Node, reflect.Type, string) []Problem, decode func(string) error) {
	t.Helper()
	for _, src := range podSpecs {
		ps := check(parse(t, src), PodSpec, "spec")
		err := decode(src)
		if (err != nil) != (len(ps) > 0) {
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, p.Msg)
			}
			t.Errorf("%s\n  decoding: %v\n  checker: %v", src, err, msgs)
		}
	}
}

func TestCheckMessagesAndFixes(t *testing.T) {
	for _, tc := range []struct {
		src           string
		field, msg    string
		rename, plain string
	}{
		{"containers: [{name: a, securityContext: {runAsUsr: 1000}}]", "spec.containers[0].securityContext.runAsUsr", `unknown field "runAsUsr" in SecurityContext (Kubernetes 1.37 API) (did you mean "runAsUser"?)`, "runAsUser", ""},
		{"containers: [{name: a, securitycontext: {}}]", "spec.containers[0].securitycontext", `did you mean "securityContext"?`, "securityContext", ""},
		// the closest field is there already: which one is meant is a guess
		{"containers: [{name: a, securityContext: {runAsUser: 1, runAsUsr: 2}}]", "spec.containers[0].securityContext.runAsUsr", `did you mean "runAsUser"?`, "", ""},
		// two typos of one field: neither is renamed
		{"containers: [{name: a, securityContext: {runAsUsr: 1, runasuser: 2}}]", "spec.containers[0].securityContext.runAsUsr", "", "", ""},
		// the same typo in two containers: each one has one meaning
		{"containers: [{name: a, securityContext: {runAsUsr: 1}}, {name: b, securityContext: {runAsUsr: 2}}]", "spec.containers[0].securityContext.runAsUsr", `did you mean "runAsUser"?`, "runAsUser", ""},
		{`containers: [{name: a, securityContext: {runAsUser: "1000"}}]`, "spec.containers[0].securityContext.runAsUser", `runAsUser must be an integer (int64), not a string ("1000")`, "", "1000"},
		{`containers: [{name: a, securityContext: {privileged: "true"}}]`, "spec.containers[0].securityContext.privileged", "must be a boolean", "", "true"},
		// "0777" would be 511 read plain: not one meaning
		{`containers: [{name: a, securityContext: {runAsUser: "0777"}}]`, "spec.containers[0].securityContext.runAsUser", "", "", ""},
		{`securityContext: {supplementalGroups: "2000"}`, "spec.securityContext.supplementalGroups", `must be a list of integers, not a string ("2000")`, "", ""},
		{"nodeSelector: {zone: 1}", "spec.nodeSelector.zone", "must be a string, not an integer (1)", "", ""},
		{"hostNetwork: yes\nfoo: 1", "spec.foo", `unknown field "foo" in PodSpec (Kubernetes 1.37 API); the API server`, "", ""},
	} {
		ps := Check(parse(t, tc.src), PodSpec, "spec")
		if len(ps) == 0 {
			t.Errorf("%s: no problem", tc.src)
			continue
		}
		p := ps[0]
		if p.Field != tc.field || !strings.Contains(p.Msg, tc.msg) || p.Rename != tc.rename || p.Plain != tc.plain {
			t.Errorf("%s:\n got field %s rename %q plain %q msg %s\nwant field %s rename %q plain %q msg ~ %s", tc.src, p.Field, p.Rename, p.Plain, p.Msg, tc.field, tc.rename, tc.plain, tc.msg)
		}
	}
}

func TestObjectMeta(t *testing.T) {
	ps := Check(parse(t, "labels: {app: web, version: 1.0}\nannotations: {a: true}\ncreationTimestamp: null\nlabel: {}"), ObjectMeta, "metadata")
	var got []string
	for _, p := range ps {
		got = append(got, p.Field)
	}
	sort.Strings(got)
	want := []string{"metadata.annotations.a", "metadata.label", "metadata.labels.version"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestCustomTypes lists the json.Unmarshaler types a pod spec reaches: each
// must be modelled in custom, or a new one in k8s.io/api would be read as
// "anything goes" without anyone noticing.
func TestCustomTypes(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(tp reflect.Type) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice || tp.Kind() == reflect.Map || tp.Kind() == reflect.Array {
			tp = tp.Elem()
		}
		if seen[tp] {
			return
		}
		seen[tp] = true
		if tp.Implements(unmarshaler) || reflect.PointerTo(tp).Implements(unmarshaler) {
			if _, ok := custom[tp]; !ok {
				t.Errorf("%s implements json.Unmarshaler and is not modelled", tp)
			}
			return
		}
		if tp.Kind() == reflect.Struct {
			for i := 0; i < tp.NumField(); i++ {
				walk(tp.Field(i).Type)
			}
		}
	}
	walk(PodSpec)
	walk(ObjectMeta)
}

// lenient is what a custom resource's pod template meets: its schema, its
// webhook or its controller reads the pod spec into the Kubernetes type
// (case-sensitively, as client-go does) but knows fields of its own beside
// it, so only a value that cannot be decoded is refused.
func lenient(src string) error {
	j, err := k8syaml.YAMLToJSON([]byte(src))
	if err != nil {
		return err
	}
	var spec corev1.PodSpec
	return kjson.UnmarshalCaseSensitivePreserveInts(j, &spec)
}

func TestCheckEmbeddedAgreesWithLenientDecoding(t *testing.T) {
	agrees(t, CheckEmbedded, lenient)
}

// A custom resource's own fields beside the pod spec (Knative's
// containerConcurrency) and keys the Kubernetes type lacks are not
// problems, nor is what is below them; a wrongly typed value of a known
// field is, and is said to be refused without naming the API server.
func TestCheckEmbedded(t *testing.T) {
	src := "containerConcurrency: 10\ntimeoutSeconds: 300\n" +
		"containers:\n- securityContxt: {runAsUser: \"1\"}\n  securityContext: {runAsUsr: 1, runAsGroup: \"2000\"}\n"
	if ps := Check(parse(t, src), PodSpec, "spec"); len(ps) < 4 {
		t.Fatalf("the strict check finds %d problems, want the unknown fields and the wrong type", len(ps))
	}
	ps := CheckEmbedded(parse(t, src), PodSpec, "spec")
	if len(ps) != 1 {
		t.Fatalf("got %d problems, want only runAsGroup: %+v", len(ps), ps)
	}
	p := ps[0]
	if p.Field != "spec.containers[0].securityContext.runAsGroup" || p.Unknown || p.Plain != "2000" || p.Rename != "" {
		t.Errorf("got %+v", p)
	}
	if strings.Contains(p.Msg, "API server refuses") || !strings.Contains(p.Msg, "runAsGroup must be an integer (int64)") || !strings.Contains(p.Msg, "no Pod") {
		t.Errorf("message %q", p.Msg)
	}
}
