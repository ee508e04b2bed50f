package main

// Command-line manners shared by the main command and the subcommands:
// --help (and `help`) print the usage on stdout and exit 0, because it was
// asked for and people pipe it into less; a mistake prints one line that
// names it and points at --help on stderr, exit 2, so the error is not
// buried under a page of flags.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// parseCommand parses args into fs (flags anywhere, see parseInterspersed).
// It returns the operands, or ok=false with the exit status to return.
func parseCommand(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (operands []string, code int, ok bool) {
	usage := fs.Usage
	fs.SetOutput(io.Discard) // the flag package would print the error and the whole usage
	fs.Usage = func() {}
	operands, err := parseInterspersed(fs, args)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return nil, exitOK, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (see %s --help)\n", fs.Name(), err, fs.Name())
		return nil, exitUsage, false
	}
	return operands, 0, true
}

// cmdHelp is `secctx-lint help [COMMAND]`.
func cmdHelp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		_, code, _ := parseCommand(mainFlags(&config{}), []string{"--help"}, stdout, stderr)
		return code
	}
	cmd, ok := subcommands[args[0]]
	if !ok || len(args) > 1 {
		fmt.Fprintf(stderr, "secctx-lint help: no command %q (see secctx-lint --help)\n", args[0])
		return exitUsage
	}
	return cmd([]string{"--help"}, stdin, stdout, stderr)
}

// versionString is what --version prints: the version stamped with
// -ldflags "-X main.version=..." (releases), else the module version Go
// recorded in the binary (`go install ...@v1.2.3` stamps it), else "dev".
func versionString(stamped string, info *debug.BuildInfo, ok bool) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if ok && info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// currentVersion is this binary's versionString.
func currentVersion() string {
	info, ok := debug.ReadBuildInfo()
	return versionString(version, info, ok)
}
