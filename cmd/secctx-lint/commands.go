package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secctx-lint/secctx-lint/azure"
	cfgfile "github.com/secctx-lint/secctx-lint/config"
	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/policy"
	"github.com/secctx-lint/secctx-lint/report"
	"github.com/secctx-lint/secctx-lint/source"
)

// subcommands besides linting. A first argument naming one runs it.
var subcommands = map[string]func(args []string, stdin io.Reader, stdout, stderr io.Writer) int{
	"init":        cmdInit,
	"migrate-psp": cmdMigratePSP,
	"policies":    cmdPolicies,
}

// runCommand runs a subcommand when args start with one.
func runCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, bool) {
	if len(args) == 0 {
		return 0, false
	}
	if args[0] == "help" { // not in the map: cmdHelp reads it
		return cmdHelp(args[1:], stdin, stdout, stderr), true
	}
	cmd, ok := subcommands[args[0]]
	if !ok {
		return 0, false
	}
	return cmd(args[1:], stdin, stdout, stderr), true
}

func cmdInit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secctx-lint init", flag.ContinueOnError)
	force := fs.Bool("force", false, "overwrite an existing file")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: secctx-lint init [--force] [FILE]\n\nWrites a commented starting configuration to FILE (default %s; - for stdout).\n\n", cfgfile.FileName)
		fs.PrintDefaults()
	}
	operands, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	path := cfgfile.FileName
	if len(operands) > 1 {
		fmt.Fprintln(stderr, "secctx-lint init: one FILE at most")
		return exitUsage
	}
	if len(operands) == 1 {
		path = operands[0]
	}
	if path == "-" {
		fmt.Fprint(stdout, cfgfile.Template)
		return exitOK
	}
	if _, err := os.Stat(path); err == nil && !*force {
		fmt.Fprintf(stderr, "secctx-lint init: %s exists; not overwritten (use --force)\n", path)
		return exitUsage
	}
	if err := os.WriteFile(path, []byte(cfgfile.Template), 0o644); err != nil {
		fmt.Fprintf(stderr, "secctx-lint init: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return exitOK
}

func cmdPolicies(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secctx-lint policies", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: secctx-lint policies\n\nLists every policy secctx-lint knows with its parameters and defaults, and every preset initiative with the values it passes.\n")
	}
	operands, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(operands) > 0 {
		fmt.Fprintf(stderr, "secctx-lint policies: takes no arguments (got %s)\n", strings.Join(operands, " "))
		return exitUsage
	}
	writePolicies(stdout)
	return exitOK
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func writePolicies(w io.Writer) {
	fmt.Fprintln(w, "POLICIES (rule id, version: Azure display name)")
	fmt.Fprintln(w, "  Every policy also takes effect (Audit, Deny, Disabled), namespaces, excludedNamespaces")
	fmt.Fprintf(w, "  (default %s) and labelSelector.\n", strings.Join(policy.DefaultExcludedNamespaces, ", "))
	for _, d := range policy.Definitions {
		fmt.Fprintf(w, "\n%s %s: %s\n", d.Rule, d.Version, d.DisplayName)
		fmt.Fprintf(w, "  definition %s, template %s, default effect %s", d.ID, d.Template, d.DefaultEffect)
		fmt.Fprintln(w)
		for _, p := range d.Params {
			def := "required, no default"
			if !p.Required {
				def = "default " + jsonText(p.Default)
			}
			fmt.Fprintf(w, "  %s (%s, %s)", p.Name, p.Type, def)
			if len(p.Allowed) > 0 {
				fmt.Fprintf(w, " one of %s", strings.Join(p.Allowed, ", "))
			}
			if p.Help != "" {
				fmt.Fprintf(w, ": %s", p.Help)
			}
			fmt.Fprintln(w)
		}
		if d.ExcludedContainers {
			fmt.Fprintln(w, "  excludedContainers (Array, default []): container names left alone")
		}
		if d.ExcludedImages {
			fmt.Fprintln(w, "  excludedImages (Array, default []): images left alone, exact or prefix*")
		}
	}
	fmt.Fprintln(w, "\nINITIATIVES (--initiative NAME, or `initiative: NAME` / `from: NAME` in the configuration)")
	for _, name := range policy.BuiltinNames() {
		in, _ := policy.Builtin(name)
		fmt.Fprintf(w, "\n%s: %s\n", in.Name, in.DisplayName)
		fmt.Fprintf(w, "  policy set %s version %s; excludedNamespaces %s\n", in.ID, in.Version, strings.Join(in.DefaultExcludedNamespaces(), ", "))
		for _, m := range in.Members {
			fmt.Fprintf(w, "  %s: %s %s.*.*", m.ReferenceID, m.Definition.Rule, m.Definition.Major())
			keys := make([]string, 0, len(m.Values))
			for k := range m.Values {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(w, " %s=%s", k, jsonText(m.Values[k]))
			}
			fmt.Fprintln(w)
		}
		for _, n := range in.NotJudged {
			fmt.Fprintf(w, "  not judged: %s (%s): %s\n", n.ReferenceID, n.DefinitionID, n.Reason)
		}
	}
}

// loadConfig reads the configuration file named with --config, or the one
// found in the working folder or its parents. ok is false when there is
// none.
func loadConfig(path string) (cfg *cfgfile.Config, errs []*source.Error, ok bool) {
	if path == "none" {
		return nil, nil, false
	}
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, nil, false
		}
		if path = cfgfile.Find(wd); path == "" {
			return nil, nil, false
		}
	}
	cfg, errs = cfgfile.Load(path)
	return cfg, errs, true
}

// printNotJudged lists, once, the policies assigned but not judged.
func printNotJudged(w io.Writer, nj []policy.NotJudged) {
	for _, n := range nj {
		name := n.ReferenceID
		if n.DisplayName != "" {
			name += " (" + n.DisplayName + ")"
		}
		if n.DefinitionID != "" {
			name += " [" + n.DefinitionID + "]"
		}
		fmt.Fprintf(w, "secctx-lint: not judged: %s: %s\n", name, n.Reason)
	}
}

// configured builds what to judge with from the configuration file and the
// Azure exports. ok is false when the command line's --constraint or
// --initiative decides instead. The configuration's fix values and
// namespace apply in every case (--namespace wins over the file's).
func configured(cfg *config) (cs []*policy.Constraint, errs []*source.Error, err error, ok bool) {
	file, errs, found := loadConfig(cfg.configFile)
	if len(errs) > 0 {
		return nil, errs, nil, true
	}
	if found {
		cfg.fileFix = file.Fix
		cfg.fileExclude, cfg.fileExcludeDir = file.Exclude, filepath.Dir(file.Path)
		cfg.fileCharts = file.Charts
		if file.Namespace != "" && !cfg.set["namespace"] {
			cfg.namespace = file.Namespace
		}
	}
	if len(cfg.azureInitiative) > 0 || len(cfg.azureAssignments) > 0 {
		for _, p := range cfg.azureInitiative {
			cfg.judgedWith = append(cfg.judgedWith, report.Basis{Kind: "Azure initiative", Name: p})
		}
		for _, p := range cfg.azureAssignments {
			cfg.judgedWith = append(cfg.judgedWith, report.Basis{Kind: "Azure assignment", Name: p})
		}
		cs, nj, errs, err := azureConstraints(cfg.azureInitiative, cfg.azureAssignments)
		cfg.notJudged = append(cfg.notJudged, nj...)
		return cs, errs, err, true
	}
	if len(cfg.constraints) > 0 || cfg.set["initiative"] || !found || len(file.Assignments) == 0 {
		return nil, nil, nil, false
	}
	cs, err = file.Constraints()
	cfg.notJudged = append(cfg.notJudged, file.NotJudged()...)
	cfg.judgedWith = append(cfg.judgedWith, report.Basis{Kind: "configuration", Name: file.Path})
	for _, a := range file.Assignments {
		cfg.judgedWith = append(cfg.judgedWith, assignmentBasis(a))
	}
	return cs, nil, err, true
}

// assignmentBasis names an assignment for the job summary: its initiative,
// effect and scope.
func assignmentBasis(a *policy.Assignment) report.Basis {
	name := a.Initiative.Name
	if name == "" {
		name = a.Initiative.DisplayName
	}
	scope := "every namespace"
	if len(a.Match.Namespaces) > 0 {
		scope = "namespaces " + strings.Join(a.Match.Namespaces, ", ")
	}
	if len(a.Match.ExcludedNamespaces) > 0 {
		scope += " but " + strings.Join(a.Match.ExcludedNamespaces, ", ")
	}
	if a.Match.LabelSelector != nil {
		scope += ", pods selected by labels"
	}
	return report.Basis{Kind: "initiative", Name: name, Detail: string(a.Effect) + ", " + scope}
}

// fixValues are the engine's defaults, overridden by the configuration
// file's, overridden by the flags given on the command line.
func fixValues(cfg *config) lint.FixValues {
	v := lint.DefaultFixValues
	if cfg.fileFix != nil {
		v = *cfg.fileFix
	}
	flags := cfg.fix.values()
	if cfg.set["run-as-user"] {
		v.RunAsUser = flags.RunAsUser
	}
	if cfg.set["run-as-group"] {
		v.RunAsGroup = flags.RunAsGroup
	}
	if cfg.set["fs-group"] {
		v.FSGroup = flags.FSGroup
	}
	if cfg.set["supplemental-groups"] {
		v.SupplementalGroups = flags.SupplementalGroups
	}
	return v
}

// azureConstraints reads --azure-initiative and --azure-assignment files.
func azureConstraints(setPaths []string, assignPaths []string) ([]*policy.Constraint, []policy.NotJudged, []*source.Error, error) {
	var setData [][]byte
	for _, p := range setPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, nil, err
		}
		setData = append(setData, b)
	}
	assignments := map[string][]byte{}
	for _, p := range assignPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, nil, err
		}
		assignments[p] = b
	}
	cs, nj, err := azure.LoadSets(setData, setPaths, assignments, assignPaths)
	return cs, nj, nil, err
}
