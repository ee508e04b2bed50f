package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/secctx-lint/secctx-lint/fix"
	"github.com/secctx-lint/secctx-lint/psp"
	"github.com/secctx-lint/secctx-lint/source"
	"github.com/secctx-lint/secctx-lint/walk"
)

const migrateUsage = `Usage: secctx-lint migrate-psp [--output FILE] PATH ...

Reads Kubernetes PodSecurityPolicy objects (policy/v1beta1 or
extensions/v1beta1; single documents, multi-document files, or a List as
` + "`kubectl get psp -o yaml`" + ` prints it) and prints a .secctx-lint.yaml with one
initiative per PSP, named psp-<name>: the Azure Policy built-ins that express
each PSP field group, with Azure's parameter names and values.

  privileged                       -> privileged-containers
  allowPrivilegeEscalation         -> privilege-escalation
  hostNetwork, hostPorts           -> host-network-ports
  hostPID, hostIPC                 -> host-namespaces
  allowedHostPaths                 -> host-paths
  runAsUser, runAsGroup,
  supplementalGroups, fsGroup      -> users-groups
  volumes                          -> volume-types
  allowedFlexVolumes               -> flexvolume-drivers
  readOnlyRootFilesystem           -> readonly-root-filesystem
  allowed/requiredDropCapabilities -> capabilities
  allowedProcMountTypes            -> proc-mount
  seccomp annotations              -> seccomp
  AppArmor annotations             -> apparmor
  seLinux                          -> selinux
  forbiddenSysctls                 -> forbidden-sysctls

A group the PSP leaves open gets no policy. A comment on each group says
what the PSP set and where Azure differs: Azure Policy only audits or denies
pods, while PSP also filled in defaults (runAsUser, allowPrivilegeEscalation,
dropped capabilities, seccomp and AppArmor profiles); secctx-lint --fix
writes such values into manifests. defaultAddCapabilities, the default
profile annotations, allowedUnsafeSysctls, allowedCSIDrivers and runtimeClass
have no Azure counterpart.

With one PSP the output assigns its initiative with effect Deny; with
several, the assignments are written as comments, because a pod was admitted
when any PSP it could use admitted it, and only your RBAC bindings say which.

PATH is a file, a folder (walked for *.yaml, *.yml, *.json) or - for stdin.
Other objects are skipped with a note. Nothing is written when an input is
not YAML or holds a PSP with a wrongly typed field.

Exit status: 0 written, 2 usage error or output not writable, 3 an input
could not be read, is not valid, or holds no PodSecurityPolicy.

Examples:
  kubectl get psp -o yaml | secctx-lint migrate-psp - > .secctx-lint.yaml
  secctx-lint migrate-psp --output .secctx-lint.yaml psp/restricted.yaml

Flags:
`

func cmdMigratePSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("secctx-lint migrate-psp", flag.ContinueOnError)
	output := fs.String("output", "", "write the configuration to this file (atomically) instead of stdout")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateUsage)
		fs.PrintDefaults()
	}
	operands, code, ok := parseCommand(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(operands) == 0 {
		fmt.Fprintln(stderr, "secctx-lint migrate-psp: name at least one PodSecurityPolicy file (or - for stdin); see --help")
		return exitUsage
	}
	walked := walk.Walk(operands, walk.Options{})
	errs := walked.Errors
	var psps []*psp.PSP
	for _, in := range walked.Inputs {
		f, perrs := source.ReadFile(in, stdin, source.DefaultLimits)
		errs = append(errs, perrs...)
		res, rerrs := psp.Read(f)
		errs = append(errs, rerrs...)
		for _, n := range res.Notes {
			fmt.Fprintf(stderr, "secctx-lint migrate-psp: note: %v\n", n)
		}
		psps = append(psps, res.PSPs...)
	}
	if len(errs) > 0 {
		source.SortErrors(errs)
		for _, e := range errs {
			fmt.Fprintf(stderr, "secctx-lint migrate-psp: %v\n", e)
		}
		fmt.Fprintln(stderr, "secctx-lint migrate-psp: nothing written")
		return exitInput
	}
	if len(psps) == 0 {
		fmt.Fprintln(stderr, "secctx-lint migrate-psp: no PodSecurityPolicy found; nothing written")
		return exitInput
	}
	out := psp.Render(psp.MigrateAll(psps))
	if *output == "" {
		if _, err := stdout.Write(out); err != nil {
			fmt.Fprintf(stderr, "secctx-lint migrate-psp: %v\n", err)
			return exitUsage
		}
		return exitOK
	}
	if err := fix.WriteFile(*output, out, 0o644); err != nil {
		fmt.Fprintf(stderr, "secctx-lint migrate-psp: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "secctx-lint migrate-psp: wrote %s (%s)\n", *output, plural(len(psps), "PodSecurityPolicy", "PodSecurityPolicies"))
	return exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
