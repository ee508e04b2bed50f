package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelpAndMistakes: help that was asked for goes to stdout with exit 0,
// for the main command and every subcommand, with --help and with `help`;
// a mistake is one line on stderr that points at --help, exit 2.
func TestHelpAndMistakes(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"deploy/", "--help"},
		{"init", "--help"}, {"help", "init"},
		{"policies", "--help"}, {"help", "policies"},
		{"migrate-psp", "--help"}, {"help", "migrate-psp"},
	} {
		code, out, errs := runCLI(t, "", args...)
		if code != exitOK || errs != "" || !strings.Contains(out, "Usage") {
			t.Errorf("%q: exit %d, stdout %d bytes, stderr %q", args, code, len(out), errs)
		}
	}
	_, mainHelp, _ := runCLI(t, "", "--help")
	if _, help, _ := runCLI(t, "", "help"); help != mainHelp {
		t.Errorf("`help` and `--help` differ")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "secctx-lint: flag provided but not defined: -bogus (see secctx-lint --help)\n"},
		{[]string{"deploy/", "--max-file-size", "x"}, "secctx-lint: invalid value \"x\" for flag -max-file-size: parse error (see secctx-lint --help)\n"},
		{[]string{"init", "--bogus"}, "secctx-lint init: flag provided but not defined: -bogus (see secctx-lint init --help)\n"},
		{[]string{"policies", "--bogus"}, "secctx-lint policies: flag provided but not defined: -bogus (see secctx-lint policies --help)\n"},
		{[]string{"migrate-psp", "--bogus"}, "secctx-lint migrate-psp: flag provided but not defined: -bogus (see secctx-lint migrate-psp --help)\n"},
		{[]string{"help", "nope"}, "secctx-lint help: no command \"nope\" (see secctx-lint --help)\n"},
	} {
		code, out, errs := runCLI(t, "", c.args...)
		if code != exitUsage || out != "" || errs != c.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q\nwant stderr %q", c.args, code, out, errs, c.want)
		}
	}
}

func TestVersionString(t *testing.T) {
	mod := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/secctx-lint/secctx-lint", Version: v}}
	}
	for _, c := range []struct {
		stamped string
		info    *debug.BuildInfo
		ok      bool
		want    string
	}{
		{"v1.2.3", mod("v0.9.0"), true, "v1.2.3"}, // a release: ldflags win
		{"dev", mod("v0.9.0"), true, "v0.9.0"},    // go install ...@v0.9.0
		{"dev", mod("(devel)"), true, "dev"},      // go build in a checkout without VCS stamping
		{"dev", mod(""), true, "dev"},             // go test binaries
		{"dev", nil, false, "dev"},                // no build info at all
		{"", mod("v0.0.0-20261201-abcdef"), true, "v0.0.0-20261201-abcdef"},
	} {
		if got := versionString(c.stamped, c.info, c.ok); got != c.want {
			t.Errorf("versionString(%q, %v) = %q, want %q", c.stamped, c.info, got, c.want)
		}
	}
	if code, out, _ := runCLI(t, "", "--version"); code != exitOK || out != "secctx-lint "+currentVersion()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}
