package psp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/source"
)

// pspDoc wraps spec lines (indented by two) into a PodSecurityPolicy with
// the required strategies RunAsAny unless the lines set them.
func pspDoc(name, annotations, spec string) string {
	doc := "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: " + name + "\n"
	if annotations != "" {
		doc += "  annotations:\n" + annotations
	}
	doc += "spec:\n" + spec
	for _, s := range []string{"runAsUser", "seLinux", "supplementalGroups", "fsGroup"} {
		if !strings.Contains(spec, "\n  "+s+":") && !strings.HasPrefix(spec, "  "+s+":") {
			doc += "  " + s + ": {rule: RunAsAny}\n"
		}
	}
	return doc
}

func readString(t *testing.T, src string) (Result, []*source.Error) {
	t.Helper()
	f, errs := source.Parse("psp.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		return Result{}, errs
	}
	return Read(f)
}

func migrateString(t *testing.T, src string) *Initiative {
	t.Helper()
	res, errs := readString(t, src)
	if len(errs) > 0 || len(res.PSPs) != 1 {
		t.Fatalf("read: %d PSPs, errors %v", len(res.PSPs), errs)
	}
	return Migrate(res.PSPs[0])
}

// group finds the group whose Fields start with the PSP field.
func group(t *testing.T, in *Initiative, field string) Group {
	t.Helper()
	for _, g := range in.Groups {
		if strings.HasPrefix(g.Fields, field) {
			return g
		}
	}
	t.Fatalf("no group for %s", field)
	return Group{}
}

// asJSON compares parameter values the way the configuration reads them.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(toPlain(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func toPlain(v any) any {
	switch x := v.(type) {
	case Obj:
		m := map[string]any{}
		for _, p := range x {
			m[p.Name] = toPlain(p.Value)
		}
		return m
	case []Obj:
		out := []any{}
		for _, o := range x {
			out = append(out, toPlain(o))
		}
		return out
	}
	return v
}

func TestGroupMappings(t *testing.T) {
	cases := []struct {
		name, annotations, spec, field string
		// rule and version of the policy, "" when none is expected
		rule, version string
		params        map[string]string // parameter -> JSON value
		notes         []string          // substrings, each in some note
		absent        []string          // substrings no note may hold
		kinds         []NoteKind        // kinds the notes must include
	}{
		{name: "privileged false", spec: "  privileged: false\n", field: "privileged",
			rule: "privileged-containers", version: "9"},
		{name: "privileged unset means false", spec: "", field: "privileged",
			rule: "privileged-containers", version: "9"},
		{name: "privileged true", spec: "  privileged: true\n", field: "privileged",
			notes: []string{"allows privileged containers"}, kinds: []NoteKind{Omitted}},
		{name: "escalation unset means allowed", spec: "", field: "allowPrivilegeEscalation",
			notes: []string{"unset allowPrivilegeEscalation means true"}, kinds: []NoteKind{Omitted}},
		{name: "escalation false", spec: "  allowPrivilegeEscalation: false\n", field: "allowPrivilegeEscalation",
			rule: "privilege-escalation", version: "8", params: map[string]string{"forcePrivilegeEscalationToBeFalse": "true"},
			notes: []string{"--fix` writes the field"}, kinds: []NoteKind{Mutation}},
		{name: "escalation default false", spec: "  defaultAllowPrivilegeEscalation: false\n", field: "allowPrivilegeEscalation",
			notes: []string{"defaultAllowPrivilegeEscalation: false", "no counterpart"}, kinds: []NoteKind{Omitted, Mutation}},
		{name: "host network and ports closed", spec: "", field: "hostNetwork",
			rule: "host-network-ports", version: "7", params: map[string]string{"allowHostNetwork": "false", "allowedHostPorts": "[]"}},
		{name: "host ports ranges", spec: "  hostPorts: [{min: 80, max: 80}, {min: 8000, max: 8100}]\n", field: "hostNetwork",
			rule: "host-network-ports", version: "7", params: map[string]string{"allowHostNetwork": "false", "allowedHostPorts": `["80","8000-8100"]`}},
		{name: "host network with some ports", spec: "  hostNetwork: true\n  hostPorts: [{min: 1, max: 1000}]\n", field: "hostNetwork",
			rule: "host-network-ports", version: "7", params: map[string]string{"allowHostNetwork": "true", "allowedHostPorts": `["1-1000"]`}},
		{name: "host network and every port", spec: "  hostNetwork: true\n  hostPorts: [{min: 1, max: 30000}, {min: 29000, max: 65535}]\n", field: "hostNetwork",
			notes: []string{"every host port"}, kinds: []NoteKind{Omitted}},
		{name: "host namespaces closed", spec: "", field: "hostPID", rule: "host-namespaces", version: "5"},
		{name: "host namespaces open", spec: "  hostPID: true\n  hostIPC: true\n", field: "hostPID",
			kinds: []NoteKind{Omitted}},
		{name: "hostPID only", spec: "  hostPID: true\n", field: "hostPID", rule: "host-namespaces", version: "5",
			notes: []string{"blocks hostPID and hostIPC together", "allows hostPID"}, kinds: []NoteKind{NoCounterpart}},
		{name: "host paths", spec: "  volumes: [hostPath]\n  allowedHostPaths: [{pathPrefix: /var/log, readOnly: true}, {pathPrefix: /data}]\n", field: "allowedHostPaths",
			rule: "host-paths", version: "6", params: map[string]string{"allowedHostPaths": `{"paths":[{"pathPrefix":"/var/log","readOnly":true},{"pathPrefix":"/data","readOnly":false}]}`}},
		{name: "host paths unset with hostPath allowed", spec: "  volumes: [hostPath]\n", field: "allowedHostPaths",
			notes: []string{"allows every host path"}, kinds: []NoteKind{Omitted}},
		{name: "users all RunAsAny", spec: "", field: "runAsUser", kinds: []NoteKind{Omitted}},
		{name: "users MustRunAs", spec: "  runAsUser: {rule: MustRunAs, ranges: [{min: 100, max: 200}]}\n  runAsGroup: {rule: MayRunAs, ranges: [{min: 1, max: 10}]}\n", field: "runAsUser",
			rule: "users-groups", version: "6", params: map[string]string{
				"runAsUserRule": `"MustRunAs"`, "runAsUserRanges": `{"ranges":[{"max":200,"min":100}]}`,
				"runAsGroupRule": `"MayRunAs"`, "runAsGroupRanges": `{"ranges":[{"max":10,"min":1}]}`,
				"supplementalGroupsRule": `"RunAsAny"`, "supplementalGroupsRanges": `{"ranges":[]}`,
				"fsGroupRule": `"RunAsAny"`, "fsGroupRanges": `{"ranges":[]}`},
			notes: []string{"missing runAsUser to 100"}, kinds: []NoteKind{Mutation}},
		{name: "users RunAsAny written when groups restricted", spec: "  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}\n", field: "runAsUser",
			rule: "users-groups", version: "6", params: map[string]string{"runAsUserRule": `"RunAsAny"`, "fsGroupRule": `"MustRunAs"`},
			notes: []string{"Azure's default is MustRunAsNonRoot", "missing fsGroup to 1"}, kinds: []NoteKind{Info, Mutation}},
		{name: "users MustRunAsNonRoot", spec: "  runAsUser: {rule: MustRunAsNonRoot}\n", field: "runAsUser",
			rule: "users-groups", version: "6", params: map[string]string{"runAsUserRule": `"MustRunAsNonRoot"`, "runAsUserRanges": `{"ranges":[]}`},
			notes: []string{"runAsNonRoot: true"}, kinds: []NoteKind{Mutation}},
		{name: "volumes unset allows none", spec: "", field: "volumes",
			rule: "volume-types", version: "5", params: map[string]string{"allowedVolumeTypes": "[]"},
			notes: []string{"allowed no volume at all", "only the volumes a container mounts"}, kinds: []NoteKind{NoCounterpart}},
		{name: "volumes renamed", spec: "  volumes: [cephFS, secret, none]\n", field: "volumes",
			rule: "volume-types", version: "5", params: map[string]string{"allowedVolumeTypes": `["cephfs","secret"]`},
			notes: []string{"cephFS as cephfs"}, kinds: []NoteKind{NoCounterpart}},
		{name: "volumes all", spec: "  volumes: ['*']\n", field: "volumes", kinds: []NoteKind{Omitted}},
		{name: "flex drivers", spec: "  volumes: [flexVolume]\n  allowedFlexVolumes: [{driver: example/lvm}]\n", field: "allowedFlexVolumes",
			rule: "flexvolume-drivers", version: "5", params: map[string]string{"allowedFlexVolumeDrivers": `["example/lvm"]`}},
		{name: "read-only root", spec: "  readOnlyRootFilesystem: true\n", field: "readOnlyRootFilesystem",
			rule: "readonly-root-filesystem", version: "6", kinds: []NoteKind{Mutation}},
		{name: "read-only root not required", spec: "", field: "readOnlyRootFilesystem", kinds: []NoteKind{Omitted}},
		{name: "capabilities unset allow no add", spec: "", field: "allowedCapabilities",
			rule: "capabilities", version: "6", params: map[string]string{"allowedCapabilities": "[]", "requiredDropCapabilities": "[]"}},
		{name: "capabilities default add", spec: "  allowedCapabilities: [NET_BIND_SERVICE]\n  defaultAddCapabilities: [CHOWN]\n  requiredDropCapabilities: [NET_RAW]\n", field: "allowedCapabilities",
			rule: "capabilities", version: "6", params: map[string]string{"allowedCapabilities": `["NET_BIND_SERVICE","CHOWN"]`, "requiredDropCapabilities": `["NET_RAW"]`},
			notes: []string{"defaultAddCapabilities has no counterpart", "added NET_RAW to every container's capabilities.drop"}, kinds: []NoteKind{NoCounterpart, Mutation}},
		{name: "capabilities all", spec: "  allowedCapabilities: ['*']\n", field: "allowedCapabilities", kinds: []NoteKind{Omitted}},
		{name: "capabilities all but drop", spec: "  allowedCapabilities: ['*']\n  requiredDropCapabilities: [ALL]\n", field: "allowedCapabilities",
			rule: "capabilities", version: "6", params: map[string]string{"allowedCapabilities": `["*"]`, "requiredDropCapabilities": `["ALL"]`}},
		{name: "proc mount unset means Default", spec: "", field: "allowedProcMountTypes",
			rule: "proc-mount", version: "8", params: map[string]string{"procMountType": `"Default"`}},
		{name: "proc mount Unmasked", spec: "  allowedProcMountTypes: [Default, Unmasked]\n", field: "allowedProcMountTypes", kinds: []NoteKind{Omitted}},
		{name: "seccomp list", annotations: "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'runtime/default, localhost/audit.json'\n", spec: "", field: "seccomp",
			rule: "seccomp", version: "7", params: map[string]string{"allowedProfiles": `["runtime/default","localhost/audit.json"]`}},
		{name: "seccomp default", annotations: "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default\n    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default\n", spec: "", field: "seccomp",
			rule: "seccomp", version: "7", notes: []string{"wrote runtime/default into pods"}, kinds: []NoteKind{Mutation}},
		{name: "seccomp unset", spec: "", field: "seccomp",
			notes: []string{"only pods that set no seccomp profile"}, kinds: []NoteKind{NoCounterpart}},
		{name: "seccomp any", annotations: "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'\n", spec: "", field: "seccomp", kinds: []NoteKind{Omitted}},
		{name: "apparmor list without default", annotations: "    apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default,localhost/web\n", spec: "", field: "AppArmor",
			rule: "apparmor", version: "6", params: map[string]string{"allowedProfiles": `["runtime/default","localhost/web"]`},
			notes: []string{"refused containers that set no profile"}, kinds: []NoteKind{NoCounterpart}},
		{name: "apparmor default only", annotations: "    apparmor.security.beta.kubernetes.io/defaultProfileName: runtime/default\n", spec: "", field: "AppArmor",
			notes: []string{"does not restrict", "wrote the default profile runtime/default"}, kinds: []NoteKind{Omitted, Mutation}},
		{name: "selinux MustRunAs", spec: "  seLinux: {rule: MustRunAs, seLinuxOptions: {level: 's0:c1,c2', type: container_t}}\n", field: "seLinux",
			rule: "selinux", version: "8", params: map[string]string{"enforcePSS": "false", "allowedSELinuxOptions": `{"options":[{"level":"s0:c1,c2","type":"container_t"}]}`},
			notes: []string{"required exactly these options"}, kinds: []NoteKind{Mutation, NoCounterpart}},
		{name: "selinux RunAsAny", spec: "", field: "seLinux", kinds: []NoteKind{Omitted}},
		{name: "forbidden sysctls", spec: "  forbiddenSysctls: [kernel.shm_rmid_forced, 'net.*']\n  allowedUnsafeSysctls: [kernel.msg*]\n", field: "forbiddenSysctls",
			rule: "forbidden-sysctls", version: "7", params: map[string]string{"forbiddenSysctls": `["kernel.shm_rmid_forced","net.*"]`},
			notes: []string{"every entry as a prefix", "allowedUnsafeSysctls"}, kinds: []NoteKind{NoCounterpart}},
		{name: "every sysctl forbidden", spec: "  forbiddenSysctls: ['*']\n", field: "forbiddenSysctls",
			rule: "forbidden-sysctls", version: "7", absent: []string{"allowedUnsafeSysctls", "prefix"}},
		{name: "no counterpart fields", spec: "  allowedCSIDrivers: [{name: secrets-store.csi.k8s.io}]\n  runtimeClass: {allowedRuntimeClassNames: [gvisor]}\n", field: "allowedCSIDrivers",
			notes: []string{"no Azure pod security policy reads these fields"}, kinds: []NoteKind{NoCounterpart}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := migrateString(t, pspDoc("p", tc.annotations, tc.spec))
			g := group(t, in, tc.field)
			switch {
			case tc.rule == "" && g.Policy != nil:
				t.Fatalf("expected no policy, got %+v", g.Policy)
			case tc.rule != "" && g.Policy == nil:
				t.Fatalf("expected %s, got no policy; notes %v", tc.rule, g.Notes)
			case tc.rule != "":
				if g.Policy.Rule != tc.rule || g.Policy.Version != tc.version {
					t.Errorf("policy %s %s, want %s %s", g.Policy.Rule, g.Policy.Version, tc.rule, tc.version)
				}
				got := map[string]string{}
				for _, p := range g.Policy.Params {
					got[p.Name] = asJSON(t, p.Value)
				}
				for k, want := range tc.params {
					if got[k] != want {
						t.Errorf("%s = %s, want %s", k, got[k], want)
					}
				}
			}
			var text strings.Builder
			kinds := map[NoteKind]bool{}
			for _, n := range g.Notes {
				text.WriteString(n.Text + "\n")
				kinds[n.Kind] = true
			}
			for _, s := range tc.notes {
				if !strings.Contains(text.String(), s) {
					t.Errorf("no note says %q; notes:\n%s", s, text.String())
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(text.String(), s) {
					t.Errorf("a note says %q; notes:\n%s", s, text.String())
				}
			}
			for _, k := range tc.kinds {
				if !kinds[k] {
					t.Errorf("no note of kind %d; notes:\n%s", k, text.String())
				}
			}
			// Every group must explain itself: a policy, or a note.
			if g.Policy == nil && len(g.Notes) == 0 {
				t.Error("a group without policy has no note")
			}
		})
	}
}

// A PSP that sets every field group: the rendered configuration loads, and
// the loaded initiative holds exactly the migrated policies and values.
const everyField = `apiVersion: extensions/v1beta1
kind: PodSecurityPolicy
metadata:
  name: Every_Field
  annotations:
    seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default,docker/default
    seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default
    apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default
    apparmor.security.beta.kubernetes.io/defaultProfileName: runtime/default
spec:
  privileged: false
  allowPrivilegeEscalation: false
  defaultAllowPrivilegeEscalation: false
  hostNetwork: false
  hostPorts: [{min: 8080, max: 8081}]
  hostPID: false
  hostIPC: true
  allowedHostPaths: [{pathPrefix: /var/log, readOnly: true}]
  volumes: [configMap, hostPath, flexVolume, cephFS]
  allowedFlexVolumes: [{driver: example/lvm}]
  readOnlyRootFilesystem: true
  allowedCapabilities: [NET_BIND_SERVICE]
  defaultAddCapabilities: [CHOWN]
  requiredDropCapabilities: [ALL]
  allowedProcMountTypes: [Default]
  runAsUser: {rule: MustRunAs, ranges: [{min: 5000, max: 6000}]}
  runAsGroup: {rule: MustRunAs, ranges: [{min: 5000, max: 6000}]}
  supplementalGroups: {rule: MayRunAs, ranges: [{min: 1, max: 65535}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 0, max: 10}]}
  seLinux: {rule: MustRunAs, seLinuxOptions: {user: system_u, role: system_r, type: container_t, level: "s0:c1,c2"}}
  forbiddenSysctls: ["*"]
  allowedUnsafeSysctls: []
  allowedCSIDrivers: [{name: disk.csi.azure.com}]
`

func TestRenderLoadsAsConfiguration(t *testing.T) {
	in := migrateString(t, everyField)
	if in.Name != "psp-every-field" {
		t.Errorf("initiative name %q", in.Name)
	}
	out := Render([]*Initiative{in})
	cfg, errs := config.Parse("migrated.yaml", out)
	if len(errs) > 0 {
		t.Fatalf("does not load: %v\n%s", errs, out)
	}
	loaded := cfg.Initiatives[in.Name]
	if loaded == nil {
		t.Fatalf("no initiative %s in %v", in.Name, cfg.Initiatives)
	}
	want := in.Policies()
	if len(want) != 15 || len(loaded.Members) != len(want) {
		t.Fatalf("%d policies migrated, %d loaded:\n%s", len(want), len(loaded.Members), out)
	}
	for i, p := range want {
		m := loaded.Members[i]
		if m.Definition.Rule != p.Rule || m.Definition.Major() != p.Version {
			t.Errorf("member %d is %s %s, want %s %s", i, m.Definition.Rule, m.Definition.Version, p.Rule, p.Version)
		}
		wantValues := map[string]any{}
		for _, prm := range p.Params {
			wantValues[prm.Name] = toPlain(prm.Value)
		}
		if a, b := asJSON(t, wantValues), asJSON(t, m.Values); a != b {
			t.Errorf("%s values loaded as %s, want %s", p.Rule, b, a)
		}
	}
	if len(cfg.Assignments) != 1 || cfg.Assignments[0].Initiative != loaded || cfg.Assignments[0].Effect != "Deny" {
		t.Errorf("assignments: %+v", cfg.Assignments)
	}
	// fsGroup 0-10 and runAsUser/runAsGroup 5000-6000 exclude the fixer's
	// defaults: the PSP's own defaults are written instead (0 raised to 1).
	if cfg.Fix == nil || cfg.Fix.RunAsUser != 5000 || cfg.Fix.RunAsGroup != 5000 || cfg.Fix.FSGroup != 1 || !reflect.DeepEqual(cfg.Fix.SupplementalGroups, []int64{2000}) {
		t.Errorf("fix values %+v\n%s", cfg.Fix, out)
	}
	if _, err := cfg.Constraints(); err != nil {
		t.Errorf("constraints: %v", err)
	}
	// The comments that have no exact counterpart are in the file (read as
	// prose: comment markers and line breaks do not count).
	prose := strings.Join(strings.Fields(strings.ReplaceAll(string(out), "#", " ")), " ")
	for _, s := range []string{
		"defaultAddCapabilities has no counterpart",
		"No exact Azure counterpart (PSP default): the PSP wrote runtime/default into pods",
		"No exact Azure counterpart: Azure's policy blocks hostPID and hostIPC together",
		"no Azure pod security policy reads these fields",
		"allowedUnsafeSysctls",
		"written cephFS as cephfs",
		"PodSecurityPolicies: Every_Field (psp.yaml:1:1) -> initiative psp-every-field",
	} {
		if !strings.Contains(prose, s) {
			t.Errorf("output lacks %q", s)
		}
	}
	for i, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") && len(line) > width && !strings.Contains(line, " -> initiative ") {
			t.Errorf("line %d is %d columns: %s", i+1, len(line), line)
		}
	}
}

func TestOpenPSPStillLoads(t *testing.T) {
	in := migrateString(t, pspDoc("open", "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'\n", `  privileged: true
  hostNetwork: true
  hostPorts: [{min: 0, max: 65535}]
  hostPID: true
  hostIPC: true
  volumes: ['*']
  allowedCapabilities: ['*']
  allowedProcMountTypes: [Default, Unmasked]
`))
	if n := len(in.Policies()); n != 0 {
		t.Fatalf("%d policies for a PSP that allows everything", n)
	}
	out := Render([]*Initiative{in})
	cfg, errs := config.Parse("open.yaml", out)
	if len(errs) > 0 {
		t.Fatalf("does not load: %v\n%s", errs, out)
	}
	m := cfg.Initiatives["psp-open"].Members
	if len(m) != 1 || m[0].Definition.Rule != "proc-mount" || m[0].Values["procMountType"] != "Unmasked" {
		t.Errorf("members %+v", m)
	}
}

func TestSeveralPSPs(t *testing.T) {
	src := pspDoc("a", "", "  privileged: false\n") + "---\n" +
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n---\n" +
		"apiVersion: v1\nkind: List\nitems:\n" + indent(pspDoc("a", "", "  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 10}]}\n"), "  ", "- ") +
		indent(pspDoc("b", "", "  fsGroup: {rule: MustRunAs, ranges: [{min: 20, max: 30}]}\n"), "  ", "- ")
	res, errs := readString(t, src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(res.PSPs) != 3 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0].Msg, "skipped ServiceAccount x") || res.Notes[0].Line != 13 {
		t.Fatalf("%d PSPs, notes %v", len(res.PSPs), res.Notes)
	}
	ins := MigrateAll(res.PSPs)
	var names []string
	for _, in := range ins {
		names = append(names, in.Name)
	}
	if strings.Join(names, " ") != "psp-a psp-a-2 psp-b" {
		t.Errorf("names %v", names)
	}
	out := string(Render(ins))
	cfg, perrs := config.Parse("several.yaml", []byte(out))
	if len(perrs) > 0 {
		t.Fatalf("does not load: %v\n%s", perrs, out)
	}
	if len(cfg.Initiatives) != 3 || len(cfg.Assignments) != 0 {
		t.Errorf("%d initiatives, %d assignments", len(cfg.Initiatives), len(cfg.Assignments))
	}
	if !strings.Contains(out, "#   - initiative: psp-a-2") || !strings.Contains(out, "ANY policy") {
		t.Errorf("assignments are not offered as comments:\n%s", out)
	}
	// fsGroup 1-10 and 20-30 share no value: the user is told to choose.
	if !strings.Contains(out, "No single value of fsGroup satisfies the ranges of every PSP") || cfg.Fix != nil {
		t.Errorf("conflicting ranges not reported (fix %+v)", cfg.Fix)
	}
}

// indent turns a document into a list item.
func indent(doc, pad, bullet string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimSuffix(doc, "\n"), "\n") {
		if i == 0 {
			b.WriteString(bullet + l + "\n")
		} else {
			b.WriteString(pad + l + "\n")
		}
	}
	return b.String()
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"wrong bool", pspDoc("p", "", "  privileged: maybe\n"), 6, 15, "privileged must be true or false"},
		{"list as string", pspDoc("p", "", "  volumes: configMap\n"), 6, 12, "volumes must be a list of strings"},
		{"port not a number", pspDoc("p", "", "  hostPorts: [{min: eighty, max: 90}]\n"), 6, 21, "spec.hostPorts.min must be an integer"},
		{"port range reversed", pspDoc("p", "", "  hostPorts: [{min: 90, max: 80}]\n"), 6, 15, "min 90 is above max 80"},
		{"unknown rule", pspDoc("p", "", "  runAsUser: {rule: MustRunAsRoot}\n"), 6, 21, `"MustRunAsRoot" is not one of`},
		{"MustRunAs without ranges", pspDoc("p", "", "  fsGroup: {rule: MustRunAs}\n"), 6, 12, "needs ranges"},
		{"missing strategy", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec:\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n", 5, 3, "spec.runAsUser is required"},
		{"relative host path", pspDoc("p", "", "  allowedHostPaths: [{pathPrefix: var/log}]\n"), 6, 35, "must be an absolute path"},
		{"selinux options missing", pspDoc("p", "", "  seLinux: {rule: MustRunAs}\n"), 6, 12, "needs seLinuxOptions"},
		{"wrong apiVersion", "apiVersion: policy/v1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {}\n", 1, 13, "served only as policy/v1beta1 and extensions/v1beta1"},
		{"no name", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {}\nspec: {}\n", 1, 1, "without metadata.name"},
		{"annotation not a string", pspDoc("p", "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: [a]\n", ""), 6, 63, "must be a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, errs := readString(t, tc.src)
			if len(errs) == 0 {
				t.Fatalf("no error; read %d PSPs", len(res.PSPs))
			}
			e := errs[0]
			if e.Path != "psp.yaml" || e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got %v, want psp.yaml:%d:%d: ...%s...", e, tc.line, tc.col, tc.msg)
			}
			if len(res.PSPs) != 0 {
				t.Errorf("a PSP with errors was kept")
			}
		})
	}
}

func TestReadNotes(t *testing.T) {
	src := "kind: PodSecurityPolicy\nmetadata: {name: p}\nspec:\n  futureField: 1\n  runAsUser: {rule: RunAsAny}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n---\nkind: DeploymentList\nitems: []\n"
	res, errs := readString(t, src)
	if len(errs) > 0 || len(res.PSPs) != 1 {
		t.Fatalf("%d PSPs, errors %v", len(res.PSPs), errs)
	}
	var msgs []string
	for _, n := range res.Notes {
		msgs = append(msgs, n.Error())
	}
	want := []string{
		"psp.yaml:1:1: PodSecurityPolicy without apiVersion; read as policy/v1beta1",
		"psp.yaml:4:3: unknown PodSecurityPolicy field spec.futureField ignored",
		"psp.yaml:10:1: skipped a DeploymentList: not a PodSecurityPolicy",
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestInitiativeName(t *testing.T) {
	for in, want := range map[string]string{
		"restricted":       "psp-restricted",
		"eks.privileged":   "psp-eks.privileged",
		"My PSP (legacy)!": "psp-my-psp--legacy",
		"***":              "psp-unnamed",
	} {
		if got := InitiativeName(in); got != want {
			t.Errorf("InitiativeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScalarQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"runtime/default": "runtime/default",
		"*":               `"*"`,
		"8080":            `"8080"`,
		"yes":             `"yes"`,
		"a: b":            `"a: b"`,
		"s0:c1,c2":        `"s0:c1,c2"`,
		"CHOWN":           "CHOWN",
	} {
		if got := scalar(in); got != want {
			t.Errorf("scalar(%q) = %s, want %s", in, got, want)
		}
	}
}
