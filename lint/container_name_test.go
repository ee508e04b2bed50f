package lint_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/source"
)

// unnamedContainers is a Knative Service (whose containers need no name)
// that fails every container-level rule, and a Windows one; NAME0 and
// NAME1 stand where the names go.
const unnamedContainers = `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: linux}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/NAME0: unconfined
        container.seccomp.security.alpha.kubernetes.io/NAME0: unconfined
    spec:
      hostNetwork: true
      initContainers:
      - NAME1
        image: busybox
        securityContext:
          privileged: true
          allowPrivilegeEscalation: false
          capabilities: {add: [CAP_SYS_ADMIN, NET_RAW]}
      containers:
      - NAME0
        image: nginx
        ports: [{containerPort: 8080}]
        securityContext:
          allowPrivilegeEscalation: true
          runAsUser: 0
          runAsGroup: 0
          procMount: Unmasked
          seLinuxOptions: {type: spc_t}
          seccompProfile: {type: Unconfined}
          appArmorProfile: {type: Unconfined}
          capabilities: {add: [SYS_ADMIN, NET_ADMIN]}
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: windows}
spec:
  template:
    spec:
      nodeSelector: {kubernetes.io/os: windows}
      containers:
      - NAME0
        image: mcr.microsoft.com/windows/nanoserver
        securityContext:
          windowsOptions: {runAsUserName: ContainerAdministrator}
      - NAME1
        image: mcr.microsoft.com/windows/nanoserver
        securityContext:
          windowsOptions: {runAsUserName: NT AUTHORITY\SYSTEM}
`

// A container without a name is named in messages by where it is
// (containers[0], initContainers[0]): each message of the unnamed
// containers is the one their names would give, with the stand-in for
// the name, and never an empty gap ("Container  is attempting ...").
// Fingerprints (SARIF, baselines) stay apart, by field.
func TestUnnamedContainersInMessages(t *testing.T) {
	named := strings.NewReplacer("NAME0", "name: ctr-zero", "NAME1", "name: ctr-one").Replace(unnamedContainers)
	named = strings.ReplaceAll(named, "kubernetes.io/name: ctr-zero", "kubernetes.io/ctr-zero")
	unnamed := strings.NewReplacer("NAME0", "name: ''", "NAME1", "{}").Replace(unnamedContainers)
	unnamed = strings.Replace(unnamed, "- {}\n        image", "- image", -1)
	// An annotation key with no container name after the / must not be
	// read as the unnamed containers' profile.
	unnamed = strings.ReplaceAll(unnamed, "kubernetes.io/name: ''", "kubernetes.io/")
	for _, e := range containerEngines(t) {
		got, want := judge(t, e, unnamed), judge(t, e, named)
		standIn := strings.NewReplacer("ctr-zero", "containers[0]", "ctr-one", "initContainers[0]")
		windows := strings.NewReplacer("ctr-zero", "containers[0]", "ctr-one", "containers[1]")
		naming := 0
		for key, msg := range want {
			if !strings.Contains(msg, "ctr-") {
				continue
			}
			naming++
			r := standIn
			if strings.Contains(key, "windows") {
				r = windows
			}
			if got[key] != r.Replace(msg) {
				t.Errorf("%s:\n got %q\nwant %q", key, got[key], r.Replace(msg))
			}
		}
		if naming < 5 {
			t.Errorf("only %d messages name a container: the case no longer exercises the rules", naming)
		}
		for key, msg := range got {
			if strings.Contains(msg, "  ") || strings.Contains(msg, "''") || strings.Contains(msg, "<>") || strings.Contains(msg, ": (") {
				t.Errorf("%s: a gap where the name goes: %q", key, msg)
			}
		}
	}
}

// judge gives each finding's message by rule, object and field; a
// fingerprint shared by two findings of different fields fails the test.
func judge(t *testing.T, e *lint.Engine, src string) map[string]string {
	t.Helper()
	f, errs := source.Parse("ksvc.yaml", []byte(src), source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	fs, _ := e.File(f)
	out := map[string]string{}
	prints := map[string]string{}
	seen := map[string]int{}
	for i := range fs {
		fd := &fs[i]
		// Findings come in the same order for either file; several of one
		// rule at one field (a pod-level field that each container
		// inherits) are told apart by it.
		at := fd.Rule + " " + fd.Name + " " + fd.Field
		seen[at]++
		key := fmt.Sprintf("%s #%d", at, seen[at])
		out[key] = fd.Message
		fp := lint.Fingerprint(fd)
		if other, ok := prints[fp]; ok && other != at {
			t.Errorf("%s and %s share fingerprint %s", other, at, fp)
		}
		prints[fp] = at
	}
	return out
}

// containerEngines judge with every initiative that has container-level
// rules, and the Azure built-ins outside them.
func containerEngines(t *testing.T) []*lint.Engine {
	var es []*lint.Engine
	for _, name := range []string{"restricted", "mcsb", "aks-safeguards"} {
		es = append(es, linttest.Preset(t, name, nil, lint.Options{}))
	}
	f, errs := source.ReadFile(source.Input{Path: filepath.Join(caseDir, "constraints", "more-azure.yaml")}, nil, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	cs, _, cerrs := policy.ReadConstraints(f)
	if len(cerrs) > 0 {
		t.Fatal(cerrs[0])
	}
	e, err := lint.New(cs, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return append(es, e)
}
