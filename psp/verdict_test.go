package psp

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// knownDifferences are the (pod, PSP) verdicts where Azure Policy cannot
// agree with the PSP, and why. Each reason is also a comment in the
// migrated configuration. An entry that stops being a difference fails the
// test, so that the list stays true.
var knownDifferences = map[string]string{
	"escalation-unset/restricted": "PSP default: the PSP set allowPrivilegeEscalation: false; Azure fails the container without it",
	"groups-unset/restricted":     "PSP default: the PSP set fsGroup and supplementalGroups to 1; Azure fails the pod without them",
	"drop-unset/restricted":       "PSP default: the PSP added ALL to capabilities.drop; Azure fails the container that does not drop it",
	"seccomp-unset/baseline":      "PSP default: the PSP wrote the unconfined profile; Azure fails a pod without a profile",
	"sysctl-unsafe/privileged":    "no counterpart: PSP refused unsafe sysctls outside allowedUnsafeSysctls; Azure's policies can only forbid listed names",
	"sysctl-unsafe/baseline":      "no counterpart: as above",
	"sysctl-unsafe/restricted":    "no counterpart: as above",
}

var fixturePSPs = []string{"privileged", "baseline", "restricted"}

// migrateFixture migrates testdata/<name>-psp.yaml and loads the output as
// a configuration, the way a user would use it.
// migratedEngine judges with the initiative migrated from a fixture PSP.
func migratedEngine(t *testing.T, name string) *lint.Engine {
	t.Helper()
	cfg, _ := migrateFixture(t, name)
	cs, err := cfg.Constraints()
	if err != nil {
		t.Fatal(err)
	}
	e, err := lint.New(cs, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func migrateFixture(t *testing.T, name string) (*config.Config, []byte) {
	t.Helper()
	path := "testdata/" + name + "-psp.yaml"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, errs := source.Parse(path, src, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	res, errs := Read(f)
	if len(errs) > 0 || len(res.PSPs) != 1 {
		t.Fatalf("%s: %d PSPs, errors %v", path, len(res.PSPs), errs)
	}
	out := Render(MigrateAll(res.PSPs))
	cfg, errs := config.Parse(name+".secctx-lint.yaml", out)
	if len(errs) > 0 {
		t.Fatalf("migrated %s does not load: %v\n%s", name, errs, out)
	}
	return cfg, out
}

// The verdict test: a pod the PSP admitted gets no finding that fails under
// every reading of the Azure policies (certainty certain, at warning or
// error level), and a pod it refused gets at least one. Strict findings
// (notices) are not counted: they come from readings of a policy that Azure
// probably no longer serves (its v1 templates), and PSP's own verdict on
// those cases is the newer reading's (runAsNonRoot: true without runAsUser;
// no AppArmor profile under a runtime/default default).
func TestVerdictsMatchPSPAdmission(t *testing.T) {
	src, err := os.ReadFile("testdata/pods.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pods, errs := source.Parse("testdata/pods.yaml", src, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	admits := map[string]map[string]bool{} // pod -> PSP -> admitted
	var names []string
	for _, d := range pods.Docs {
		name, _ := source.Str(source.Path(d.Root, "metadata", "name"))
		list, ok := source.Str(source.Path(d.Root, "metadata", "annotations", "psp-admits"))
		if !ok {
			t.Fatalf("pod %s has no psp-admits annotation", name)
		}
		admits[name] = map[string]bool{}
		for _, p := range strings.Split(list, ",") {
			if p = strings.TrimSpace(p); p != "" {
				admits[name][p] = true
			}
		}
		names = append(names, name)
	}
	if len(names) < 25 {
		t.Fatalf("only %d pods read", len(names))
	}

	// verdicts[pod][psp] = the certain findings' rules ("" when none)
	verdicts := map[string]map[string][]string{}
	for _, name := range names {
		verdicts[name] = map[string][]string{}
	}
	for _, pspName := range fixturePSPs {
		e := migratedEngine(t, pspName)
		for pod, rules := range refusals(e, pods) {
			verdicts[pod][pspName] = rules
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-26s", "pod")
	for _, p := range fixturePSPs {
		fmt.Fprintf(&table, " %-24s", p+" PSP/Azure")
	}
	table.WriteString("\n")
	agree, known := 0, 0
	for _, name := range names {
		fmt.Fprintf(&table, "%-26s", name)
		for _, p := range fixturePSPs {
			pspOK := admits[name][p]
			azureOK := len(verdicts[name][p]) == 0
			key := name + "/" + p
			reason, isKnown := knownDifferences[key]
			cell := fmt.Sprintf("%s/%s", verdict(pspOK), verdict(azureOK))
			switch {
			case pspOK == azureOK && isKnown:
				t.Errorf("%s: listed as a known difference (%s) but PSP and Azure agree (%s)", key, reason, cell)
			case pspOK == azureOK:
				agree++
			case isKnown:
				known++
				cell += " known"
			default:
				t.Errorf("%s: PSP %s, Azure %s (certain findings: %v)", key, verdict(pspOK), verdict(azureOK), verdicts[name][p])
				cell += " MISMATCH"
			}
			fmt.Fprintf(&table, " %-24s", cell)
		}
		table.WriteString("\n")
	}
	t.Logf("PSP admission vs Azure verdict of the migrated initiative (admit/refuse):\n%s", table.String())
	t.Logf("%d of %d verdicts agree; %d differ as documented in knownDifferences", agree, len(names)*len(fixturePSPs), known)
	for key := range knownDifferences {
		pod, _, _ := strings.Cut(key, "/")
		if admits[pod] == nil {
			t.Errorf("knownDifferences names pod %s, which is not in testdata/pods.yaml", pod)
		}
	}
}

// refusals lists, per pod, the rules of its certain findings at warning or
// error level: the pods Azure refuses.
func refusals(e *lint.Engine, f *source.File) map[string][]string {
	out := map[string][]string{}
	findings, _ := e.File(f)
	for _, x := range findings {
		if x.Certainty != lint.Certain || x.Level.Rank() < lint.LevelWarning.Rank() {
			continue
		}
		if !contains(out[x.Name], x.Rule) {
			out[x.Name] = append(out[x.Name], x.Rule)
		}
	}
	return out
}

// The differences that come from PSP defaults go away once
// `secctx-lint --fix` has written the values into the manifests: the fixer
// writes what the PSP used to fill in.
func TestFixWritesWhatPSPDefaulted(t *testing.T) {
	src, err := os.ReadFile("testdata/pods.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pods, errs := source.Parse("testdata/pods.yaml", src, source.DefaultLimits)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checked := 0
	for _, pspName := range fixturePSPs {
		e := migratedEngine(t, pspName)
		findings, _ := e.File(pods)
		res, err := fix.File(pods, findings)
		if err != nil {
			t.Fatal(err)
		}
		fixed, errs := source.Parse("fixed.yaml", res.Src, source.DefaultLimits)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		after := refusals(e, fixed)
		for key, reason := range knownDifferences {
			pod, p, _ := strings.Cut(key, "/")
			if p != pspName || !strings.HasPrefix(reason, "PSP default") {
				continue
			}
			checked++
			if rules := after[pod]; len(rules) > 0 {
				t.Errorf("%s: still refused after --fix (%v); the fixer does not write what the PSP defaulted", key, rules)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no PSP-default difference checked")
	}
}

func verdict(admitted bool) string {
	if admitted {
		return "admit"
	}
	return "refuse"
}
