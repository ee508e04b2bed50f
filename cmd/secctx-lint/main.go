// Command secctx-lint judges Kubernetes manifests as Azure Policy's pod
// security policies would judge the Pods they create. This file is wiring
// only: flags, configuration, exit codes.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"sync"

	cfgfile "github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/filter"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/render/helm"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit statuses.
const (
	exitOK       = 0 // nothing at or above --fail-on
	exitFindings = 1 // something at or above --fail-on
	exitUsage    = 2 // usage or configuration error
	exitInput    = 3 // some input could not be read or parsed
)

func main() {
	tuneGC(os.Getenv)
	helmLog()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// helmLog words what Helm's chart loader and values merging print
// through the standard logger ("Warning: Dependencies are handled in
// Chart.yaml since apiVersion \"v2\" ..."): as the tool's own lines on
// stderr, without the date and time the logger puts first, so that a
// run's stderr is the same from one run to the next.
func helmLog() {
	log.SetFlags(0)
	log.SetPrefix("secctx-lint: helm: ")
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// config is what the flags say.
type config struct {
	initiative  string
	constraints multiFlag
	namespace   string
	strict      bool
	format      string
	sarifFile   string
	failOn      string
	maxSize     int64
	showVersion bool
	paths       []string
	fix         fixFlags

	// Configuration file, Azure exports and suppressions (commands.go).
	configFile          string
	azureInitiative     multiFlag
	azureAssignments    multiFlag
	reportUnusedIgnores bool
	noIgnores           bool

	// The walk (render.go).
	exclude        multiFlag
	verbose        bool
	asWalked       bool               // --as-walked: named files are taken as a walk finds them
	helmValues     multiFlag          // --helm-values, for charts (render.go)
	helmSet        multiFlag          // --helm-set
	helmRelease    string             // --helm-release
	fileCharts     []cfgfile.Chart    // the configuration file's charts:
	fileExclude    []string           // the configuration file's exclude:
	fileExcludeDir string             // ... relative to the file's folder
	set            map[string]bool    // flags given on the command line
	fileFix        *lint.FixValues    // from the configuration file
	notJudged      []policy.NotJudged // assigned policies not judged

	// Only some findings reported (filter.go).
	newFromRev    string
	baseline      string
	writeBaseline string
	filter        *filter.Filter
	recorded      []lint.Finding // every finding, for --write-baseline

	judgedWith []report.Basis // for the job summary
}

const usageHead = `secctx-lint judges the pod templates in Kubernetes manifests as Azure Policy
for Kubernetes (AKS) judges the Pods they create, and says which field is
missing or wrong, with file, line and column.

Usage:
  secctx-lint [flags] [PATH ...]
  secctx-lint --fix [flags] [PATH ...]    write missing securityContext fields
  secctx-lint --diff [flags] [PATH ...]   print the diff --fix would apply
  secctx-lint init [FILE]                 write a commented .secctx-lint.yaml
  secctx-lint policies                    list policies, parameters, presets
  secctx-lint migrate-psp PSP.yaml ...    print PodSecurityPolicies as a config

PATH is a file, a folder or - for stdin. With no PATH, the current folder is
read. Folders are walked for *.yaml, *.yml and *.json, leaving out what git
ignores, node_modules, --exclude globs and files that are not Kubernetes
manifests (no top-level apiVersion and kind: workflows, compose files, JSON
with comments; counted as skipped). Kustomizations are built as kubectl
kustomize builds them (overlays; bases through them) and their findings point
into the files a person edits; --fix writes there. A folder holding
Chart.yaml is rendered as helm template renders it (a file inside a chart
stands for the chart); findings point into values.yaml or the templates.

Flags:
`

const usageTail = `
What is judged:
  Pods and the pod templates of Deployment, ReplicaSet, StatefulSet,
  DaemonSet, Job, CronJob, ReplicationController, PodTemplate, List items and
  any kind with a pod spec at spec.template.spec (Argo Rollout, ...). Other
  documents are ignored. Azure's default excluded namespaces (kube-system,
  gatekeeper-system, azure-arc, azure-extensions-usage-system) are not judged.

Levels:
  error    the policy's effect is Deny
  warning  the policy's effect is Audit
  notice   a strict finding: an older or stricter reading of the policy
           fails the pod, the template Azure serves today probably passes it
           (reported at its effect's level with --strict)

Suppressions:
  A finding is silenced where its reason lives: the annotation
    secctx-lint.io/ignore: "rule[,rule...]: reason"
  on the workload or its pod template (all findings of the workload), or
  the comment
    # secctx-lint:ignore rule[,rule...]: reason
  at the end of the finding's line, alone on the line above it, or on (or
  above) the line where its container or workload starts. "all" names every
  rule. Suppressed findings are not fixed and do not fail the run; the
  summary counts them. A suppression without a reason still silences but is
  reported (ignore-without-reason), as are unknown rules (invalid-ignore);
  --report-unused-ignores adds unused-ignore for suppressions that silence
  nothing; --no-ignores honours none.

Only some findings:
  --new-from-rev REV reports findings on lines changed since REV (git diff,
  the working tree and untracked files count; a missing field counts when
  its workload changed; every finding of a built workload counts when a
  file its build read changed: its resource file, or any kustomization,
  patch, chart file or values file of the build). --baseline FILE leaves
  out the findings accepted in FILE, written by --write-baseline FILE;
  they are matched by rule, object, container and field, so moved lines
  stay accepted.

Exit status:
  0  nothing at or above --fail-on
  1  something at or above --fail-on
  2  usage or configuration error
  3  some input could not be read or parsed (the rest is still judged)

What to judge with:
  --initiative, --constraint files or --azure-initiative/--azure-assignment
  (one of these at most); else the assignments of .secctx-lint.yaml (the
  working folder's or the nearest parent's, or --config FILE); else the
  restricted initiative. Fix values: defaults < the file's fix: < flags.

Examples:
  secctx-lint deploy/
  secctx-lint --diff deploy/ && secctx-lint --fix deploy/
  secctx-lint --initiative baseline --fail-on error k8s/*.yaml
  kubectl get constraints -o yaml > c.yaml && secctx-lint --constraint c.yaml deploy/
  secctx-lint --helm-values values-prod.yaml --namespace shop charts/shop
`

// mainFlags defines the main command's flags on cfg.
func mainFlags(cfg *config) *flag.FlagSet {
	fs := flag.NewFlagSet("secctx-lint", flag.ContinueOnError)
	fs.StringVar(&cfg.initiative, "initiative", "restricted", "built-in initiative to judge with: "+strings.Join(policy.BuiltinNames(), " or "))
	fs.Var(&cfg.constraints, "constraint", "Gatekeeper constraint file (K8sPSP* or K8sAzure* kinds, or a List of them) to judge with instead of an initiative; repeatable")
	fs.StringVar(&cfg.namespace, "namespace", "default", "namespace for objects without metadata.namespace")
	fs.Var(&cfg.exclude, "exclude", "leave out paths matching this `GLOB` when walking folders (relative to the working folder; ** matches folders; a folder name leaves the folder out); repeatable")
	fs.Var(&cfg.helmValues, "helm-values", "values `FILE` for the Helm charts rendered (as helm template -f; a later one wins); repeatable")
	fs.Var(&cfg.helmSet, "helm-set", "`KEY=VALUE` for the Helm charts rendered (as helm template --set); repeatable")
	fs.StringVar(&cfg.helmRelease, "helm-release", helm.DefaultReleaseName, "release `NAME` the Helm charts are rendered with")
	fs.BoolVar(&cfg.asWalked, "as-walked", false, "take named files as a walk of their folder finds them, for hooks that name every changed file: one that is not a Kubernetes manifest (a playbook, a CI file) is skipped, and one that a kustomization in a folder above reads (a patch, a base resource) is judged through that build")
	fs.BoolVar(&cfg.verbose, "verbose", false, "list on stderr the files left out (not manifests, ignored by git, excluded) and the kustomizations built")
	fs.BoolVar(&cfg.strict, "strict", false, "report strict findings at their effect's level instead of as notices")
	fs.StringVar(&cfg.format, "format", "", "output format: "+strings.Join(report.FormatNames(), ", ")+" (default text, or github when GITHUB_ACTIONS=true)")
	fs.StringVar(&cfg.sarifFile, "sarif-file", "", "also write SARIF 2.1.0 to this file, whatever the --format")
	fs.StringVar(&cfg.failOn, "fail-on", "warning", "lowest level that makes the exit status 1: error, warning, notice or never")
	fs.Int64Var(&cfg.maxSize, "max-file-size", source.DefaultLimits.MaxFileSize, "largest input file read, in bytes")
	fs.BoolVar(&cfg.showVersion, "version", false, "print the version and exit")
	registerFixFlags(fs, &cfg.fix)
	fs.StringVar(&cfg.configFile, "config", "", "configuration file (default: "+cfgfile.FileName+" in the working folder or the nearest parent; none to read none)")
	fs.Var(&cfg.azureInitiative, "azure-initiative", "Azure policy set definition `FILE` (JSON, as az policy set-definition show prints it, or in ARM shape) to judge with; repeatable, each --azure-assignment finds its own by id")
	fs.Var(&cfg.azureAssignments, "azure-assignment", "Azure policy assignment `FILE` (JSON, as az policy assignment show prints it) to judge with; repeatable")
	fs.BoolVar(&cfg.reportUnusedIgnores, "report-unused-ignores", false, "report secctx-lint ignore annotations and comments that silence nothing")
	fs.BoolVar(&cfg.noIgnores, "no-ignores", false, "honour no secctx-lint ignore annotation or comment: report every finding")
	fs.StringVar(&cfg.newFromRev, "new-from-rev", "", "report only findings on lines changed since the git revision `REV` (the working tree counts; a missing field counts when its workload's lines changed, a built workload's findings when a file its build read changed)")
	fs.StringVar(&cfg.baseline, "baseline", "", "do not report the findings accepted in the baseline `FILE` (written by --write-baseline; matched by rule, object, container and field, not by line)")
	fs.StringVar(&cfg.writeBaseline, "write-baseline", "", "write every finding of this run to the baseline `FILE` and exit 0 (3 when an input could not be read)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), usageTail)
	}
	return fs
}

// parseFlags parses the main command's arguments. It returns a nil config
// with the exit status when parsing already decided the run (--help, a
// bad flag: both printed).
func parseFlags(args []string, stdout, stderr io.Writer) (*config, int, error) {
	cfg := &config{}
	fs := mainFlags(cfg)
	paths, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return nil, code, nil
	}
	cfg, err := checkFlags(cfg, fs, paths)
	return cfg, exitUsage, err
}

// checkFlags validates what the flags say together.
func checkFlags(cfg *config, fs *flag.FlagSet, paths []string) (*config, error) {
	cfg.paths = paths
	if cfg.maxSize <= 0 {
		return nil, fmt.Errorf("--max-file-size must be a positive number of bytes")
	}
	cfg.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { cfg.set[f.Name] = true })
	if err := cfg.fix.check(); err != nil {
		return nil, err
	}
	if _, ok := report.Formats[cfg.format]; !ok && cfg.format != "" {
		return nil, fmt.Errorf("unknown --format %q (want %s)", cfg.format, strings.Join(report.FormatNames(), ", "))
	}
	if len(cfg.azureInitiative) > 0 || len(cfg.azureAssignments) > 0 {
		// Each of these says on its own what to judge with; combining them
		// would silently drop one.
		if len(cfg.constraints) > 0 {
			return nil, fmt.Errorf("--constraint cannot be combined with --azure-initiative or --azure-assignment")
		}
		if cfg.set["initiative"] {
			return nil, fmt.Errorf("--initiative cannot be combined with --azure-initiative or --azure-assignment")
		}
	}
	if len(cfg.constraints) > 0 && cfg.set["initiative"] {
		return nil, fmt.Errorf("--initiative cannot be combined with --constraint: each says what to judge with")
	}
	if cfg.writeBaseline != "" && (cfg.fix.fix || cfg.fix.diff) {
		return nil, fmt.Errorf("--write-baseline cannot be combined with --fix or --diff: it records the findings as they are")
	}
	if failRank(cfg.failOn) < 0 {
		return nil, fmt.Errorf("unknown --fail-on %q (want error, warning, notice or never)", cfg.failOn)
	}
	// Checked now, whether or not a chart is read: a typo should not pass
	// quietly on a tree without charts and fail later on one with them.
	for _, s := range cfg.helmSet {
		if err := helm.CheckSet(s); err != nil {
			return nil, fmt.Errorf("--helm-set %s: %v", s, err)
		}
	}
	return cfg, nil
}

// checkHelmValues refuses a --helm-values file that is not there, chart or
// no chart (flags are checked first; this reads the file system).
func checkHelmValues(cfg *config) error {
	for _, f := range cfg.helmValues {
		if info, err := os.Stat(f); err != nil || info.IsDir() {
			return fmt.Errorf("--helm-values %s: not a readable file", f)
		}
	}
	return nil
}

// parseInterspersed parses flags before, between and after the paths
// (`secctx-lint deploy/ --fix` fixes), as users of other linters expect;
// after `--` everything is a path, so a file named -x can still be given.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(paths, rest...), nil
		}
		paths = append(paths, args[0])
		args = args[1:]
	}
}

// failRank maps --fail-on to the lowest level rank that fails; never is
// above every level.
func failRank(s string) int {
	switch s {
	case "error":
		return lint.LevelError.Rank()
	case "warning":
		return lint.LevelWarning.Rank()
	case "notice":
		return lint.LevelNotice.Rank()
	case "never":
		return 100
	}
	return -1
}

// constraints builds what to judge with: the constraint files when given,
// else the initiative assigned with Audit to every namespace but Azure's
// default exclusions.
func constraints(cfg *config) ([]*policy.Constraint, []*source.Error, error) {
	if cs, errs, err, ok := configured(cfg); ok {
		return cs, errs, err
	}
	if len(cfg.constraints) > 0 {
		var out []*policy.Constraint
		var errs []*source.Error
		for _, path := range cfg.constraints {
			cfg.judgedWith = append(cfg.judgedWith, report.Basis{Kind: "Gatekeeper constraints", Name: path})
			f, perrs := source.ReadFile(source.Input{Path: path}, nil, source.DefaultLimits)
			errs = append(errs, perrs...)
			cs, skipped, cerrs := policy.ReadConstraints(f)
			errs = append(errs, cerrs...)
			cfg.notJudged = append(cfg.notJudged, skipped...)
			out = append(out, cs...)
		}
		if len(errs) == 0 && len(out) == 0 {
			return nil, nil, fmt.Errorf("the --constraint files hold no pod security constraint")
		}
		return out, errs, nil
	}
	in, err := policy.Builtin(cfg.initiative)
	if err != nil {
		return nil, nil, err
	}
	a := &policy.Assignment{Initiative: in, Effect: policy.Audit,
		Match: policy.Match{ExcludedNamespaces: in.DefaultExcludedNamespaces()}}
	cfg.notJudged = append(cfg.notJudged, in.NotJudged...)
	cfg.judgedWith = append(cfg.judgedWith, assignmentBasis(a))
	cs, err := a.Constraints()
	return cs, nil, err
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	stderr, flush := safeStderr(stderr, getenv)
	defer flush()
	if code, ok := runCommand(args, stdin, stdout, stderr); ok {
		return code
	}
	cfg, code, err := parseFlags(args, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	if cfg == nil {
		return code
	}
	cfg.format = chooseFormat(cfg.format, getenv)
	if cfg.showVersion {
		fmt.Fprintf(stdout, "secctx-lint %s\n", currentVersion())
		return exitOK
	}
	if err := checkHelmValues(cfg); err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	cs, cerrs, err := constraints(cfg)
	if err == nil && len(cerrs) > 0 {
		for _, e := range cerrs {
			fmt.Fprintf(stderr, "secctx-lint: %v\n", e)
		}
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	printNotJudged(stderr, cfg.notJudged)
	fixing := cfg.fix.fix || cfg.fix.diff
	engine, err := lint.New(cs, lint.Options{DefaultNamespace: cfg.namespace, Strict: cfg.strict, Fix: fixValues(cfg), ReportUnusedIgnores: cfg.reportUnusedIgnores, NoIgnores: cfg.noIgnores})
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	if cfg.filter, err = newFilter(cfg); err != nil {
		fmt.Fprintf(stderr, "secctx-lint: %v\n", err)
		return exitUsage
	}
	paths := cfg.paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	lim := source.DefaultLimits
	lim.MaxFileSize = cfg.maxSize
	stage, errs := walkAndRender(cfg, paths, lim, stderr)
	inputs := stage.Inputs
	run := &report.Run{Errors: errs, Sources: map[string]*source.LineIndex{}, JudgedWith: cfg.judgedWith}
	if fixing {
		return runFix(cfg, engine, stage, run, lim, stdin, stdout, stderr, getenv)
	}
	out, err := startEmit(cfg, run, stdout, stderr, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "secctx-lint: writing output: %v\n", err)
		return exitUsage
	}
	prog := newProgress(stderr, len(inputs))
	var suggest report.Suggester
	if suggests(cfg) {
		suggest = report.SuggestWith(suggestEdits)
	}
	source.Stream(inputs, func(in source.Input, put func(piece)) {
		judgeFile(engine, lim, in, stdin, suggest, put)
	}, func(p piece) {
		if p.batch != nil {
			p.batch.Findings, p.batch.Suggestions = cfg.keepBatch(p.batch.Findings, p.batch.Suggestions)
			run.Count(p.batch.Findings)
			out.Add(p.batch)
		}
		if p.end != nil {
			prog.step()
			if p.end.skipped != "" {
				run.SkipFile(p.end.path, p.end.skipped, nil)
			} else {
				run.FileDone(p.end.stats, p.end.errs)
			}
		}
	})
	prog.finish()
	judgeRenders(cfg, engine, stage, run)
	printSkipped(cfg, run, stderr)
	if cfg.writeBaseline != "" {
		return writeBaseline(cfg, run, stderr)
	}
	noteFiltered(cfg, run, stderr)
	addHeld(out, run, suggest)
	if err := out.End(); err != nil {
		fmt.Fprintf(stderr, "secctx-lint: writing output: %v\n", err)
		return exitUsage
	}
	return exitStatus(run, failRank(cfg.failOn))
}

// suggests tells whether the output carries fix suggestions (rdjsonl),
// which are planned while each document is judged.
func suggests(cfg *config) bool { return cfg.format == "rdjsonl" }

// piece is what judging a file hands on, in order: batches of findings
// (a document's, as soon as it is judged), then the file's end.
type piece struct {
	batch *report.Batch
	end   *fileEnd
}

type fileEnd struct {
	stats lint.Stats
	errs  []*source.Error
	// skipped: a walked file that is not a manifest (the reason), only
	// counted.
	path, skipped string
}

// addHeld writes the findings the run holds in memory (those of rendered
// objects, judged after the plain files, with the origin files' lines in
// run.Sources) and their suggestions.
func addHeld(out *emitter, run *report.Run, suggest report.Suggester) {
	if len(run.Findings) == 0 {
		return
	}
	b := &report.Batch{Findings: run.Findings, Lines: func(p string) *source.LineIndex { return run.Sources[p] }}
	if suggest != nil {
		b.Suggestions = suggest(run.Findings)
	}
	lint.Detach(run.Findings)
	out.Add(b)
}

// judgeFile reads one input and judges it document by document as the
// parser hands the documents on: each document's findings go to put
// before the next document is parsed, and its tree is let go. With
// suggest (rdjsonl), each finding's suggestion is planned while its tree
// is there; a file's findings then wait for its end, since a file found
// broken further down gets no suggestions.
func judgeFile(engine *lint.Engine, lim source.Limits, in source.Input, stdin io.Reader, suggest report.Suggester, put func(piece)) {
	src, rerr := source.Read(in, stdin, lim)
	if rerr != nil {
		put(piece{end: &fileEnd{errs: []*source.Error{rerr}}})
		return
	}
	if in.Walked && !source.LooksLikeManifest(src) {
		put(piece{end: &fileEnd{path: in.Path, skipped: source.NotManifest}})
		return
	}
	f := &source.File{Path: in.Path, Src: src}
	lines := fileLines(f)
	j := engine.Begin(f)
	held := &report.Batch{Lines: lines}
	send := func(fs []lint.Finding) {
		if len(fs) == 0 {
			return
		}
		if suggest == nil {
			b := &report.Batch{Findings: fs, Lines: originLines(lines, fs)}
			lint.Detach(fs)
			put(piece{batch: b})
			return
		}
		held.Suggestions = append(held.Suggestions, suggest(fs)...)
		lint.Detach(fs) // the tree goes with the document
		held.Findings = append(held.Findings, fs...)
	}
	errs := source.DecodeFile(f, lim, func(d *source.Document) { send(j.Document(d)) })
	fs, st := j.End()
	send(fs)
	if len(held.Findings) > 0 {
		if f.Broken {
			held.Suggestions = nil
		}
		put(piece{batch: held})
	}
	put(piece{end: &fileEnd{stats: st, errs: errs}})
}

// originLines extends lines with the origin files that findings of
// rendered documents point into (read from their Doc before Detach drops
// it), so that snippets show the file a person edits.
func originLines(lines func(string) *source.LineIndex, fs []lint.Finding) func(string) *source.LineIndex {
	var origins map[string]*source.File
	for i := range fs {
		if d := fs[i].Doc; fs[i].RenderedFrom != nil && d != nil && d.File.Path == fs[i].File {
			if origins == nil {
				origins = map[string]*source.File{}
			}
			origins[d.File.Path] = d.File
		}
	}
	if origins == nil {
		return lines
	}
	return func(p string) *source.LineIndex {
		if f := origins[p]; f != nil {
			return f.Lines()
		}
		return lines(p)
	}
}

// fileLines gives a file's line table to the reports (for snippets and
// byte columns) on first use, once, from whichever goroutine asks first.
func fileLines(f *source.File) func(string) *source.LineIndex {
	once := sync.OnceValue(f.Lines)
	return func(p string) *source.LineIndex {
		if p != f.Path {
			return nil
		}
		return once()
	}
}

func exitStatus(r *report.Run, failAt int) int {
	if len(r.Errors) > 0 {
		return exitInput
	}
	if w := r.Worst(); w > 0 && w >= failAt {
		return exitFindings
	}
	return exitOK
}
