package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	cfgfile "github.com/secctx-lint/secctx-lint/config"
)

const restrictedPSP = "../../psp/testdata/restricted-psp.yaml"

func TestMigratePSPToStdout(t *testing.T) {
	code, out, errs := runCLI(t, "", "migrate-psp", restrictedPSP)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	cfg, perrs := cfgfile.Parse("out.yaml", []byte(out))
	if len(perrs) > 0 {
		t.Fatalf("output does not load: %v\n%s", perrs, out)
	}
	if cfg.Initiatives["psp-restricted"] == nil || len(cfg.Assignments) != 1 {
		t.Errorf("initiatives %v, %d assignments", cfg.Initiatives, len(cfg.Assignments))
	}
}

func TestMigratePSPOutputFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, ".secctx-lint.yaml")
	code, out, errs := runCLI(t, "", "migrate-psp", "--output", target, restrictedPSP)
	if code != exitOK || out != "" || !strings.Contains(errs, "wrote "+target) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	st, err := os.Stat(target)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("stat %v, mode %v", err, st)
	}
	// An existing file is replaced and keeps its mode.
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: web}\nspec:\n  runAsUser: {rule: MustRunAsNonRoot}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n", "migrate-psp", "--output", target, "-"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(target)
	st, _ = os.Stat(target)
	if !strings.Contains(string(b), "psp-web:") || strings.Contains(string(b), "psp-restricted") || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, content:\n%s", st.Mode().Perm(), b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestMigratePSPBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := write(t, dir, "bad.yaml", "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec:\n  hostPID: sometimes\n")
	notYAML := write(t, dir, "broken.yaml", "kind: [unclosed\n")
	target := filepath.Join(dir, "out.yaml")
	code, out, errs := runCLI(t, "", "migrate-psp", "--output", target, bad, notYAML)
	if code != exitInput || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{bad + ":5:12: hostPID must be true or false", notYAML + ":", "nothing written"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("output written despite errors: %v", err)
	}
}

func TestMigratePSPNothingToMigrate(t *testing.T) {
	dir := t.TempDir()
	pod := write(t, dir, "pod.yaml", goodPod)
	code, out, errs := runCLI(t, "", "migrate-psp", pod)
	if code != exitInput || out != "" || !strings.Contains(errs, "skipped Pod ok") || !strings.Contains(errs, "no PodSecurityPolicy found") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestMigratePSPUsage(t *testing.T) {
	if code, _, errs := runCLI(t, "", "migrate-psp"); code != exitUsage || !strings.Contains(errs, "at least one") {
		t.Errorf("no path: exit %d, %s", code, errs)
	}
	if code, _, _ := runCLI(t, "", "migrate-psp", "--bogus", restrictedPSP); code != exitUsage {
		t.Errorf("bad flag: exit %d", code)
	}
	code, out, errs := runCLI(t, "", "migrate-psp", "--help")
	if code != exitOK || errs != "" || !strings.Contains(out, "allowedProcMountTypes            -> proc-mount") || !strings.Contains(out, "-output") {
		t.Errorf("help: exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "--help")
	if code != exitOK || !strings.Contains(out, "secctx-lint migrate-psp") {
		t.Errorf("main usage does not name migrate-psp:\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "migrate-psp", "--output", filepath.Join(t.TempDir(), "no", "such", "dir.yaml"), restrictedPSP); code != exitUsage {
		t.Errorf("unwritable output: exit %d, %s", code, errs)
	}
}
