package main

// The GitHub Actions face: choosing the format, --sarif-file, the job
// summary and the step outputs. Nothing here runs outside Actions unless
// asked for with --format github or --sarif-file.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	githubactions "github.com/sethvargo/go-githubactions"

	"github.com/secctx-lint/secctx-lint/report"
)

// inActions tells whether we run in a GitHub Actions step.
func inActions(getenv func(string) string) bool {
	return getenv("GITHUB_ACTIONS") == "true"
}

// chooseFormat picks github inside Actions when no --format was given,
// else text.
func chooseFormat(format string, getenv func(string) string) string {
	switch {
	case format != "":
		return format
	case inActions(getenv):
		return "github"
	}
	return "text"
}

// safeStderr keeps messages on stderr from running workflow commands in an
// Actions log (file names come from the user's tree). Outside Actions it
// returns w as it is. Call the returned func before exiting.
func safeStderr(w io.Writer, getenv func(string) string) (io.Writer, func()) {
	if !inActions(getenv) {
		return w, func() {}
	}
	s := &report.CommandSafeWriter{W: w}
	return s, func() { s.Flush() }
}

// emit writes the run: the SARIF file when asked, inside Actions the job
// summary and the step outputs, then the chosen format on stdout.
func emit(cfg *config, run *report.Run, stdout, stderr io.Writer, getenv func(string) string) error {
	report.Version = currentVersion()
	actions := inActions(getenv)
	if ws := getenv("GITHUB_WORKSPACE"); ws != "" {
		run.Root = ws
	}
	var sarifAbs string
	if cfg.sarifFile != "" {
		abs, err := filepath.Abs(cfg.sarifFile)
		if err != nil {
			return err
		}
		sarifAbs = abs
		run.SarifFile = abs
		var buf bytes.Buffer
		if err := report.SARIF(&buf, run); err != nil {
			return err
		}
		if err := os.WriteFile(abs, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--sarif-file: %w", err)
		}
	}

	// The env files first: they must be written even when stdout breaks.
	if actions {
		a := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stderr))
		if getenv("GITHUB_STEP_SUMMARY") != "" {
			md := report.GitHubSummary(run, report.DefaultSummaryLimit)
			if err := guard(func() { a.AddStepSummary(md) }); err != nil {
				fmt.Fprintf(stderr, "secctx-lint: writing the job summary: %v\n", err)
			}
		}
		if getenv("GITHUB_OUTPUT") != "" {
			errs, warns, notes := run.Counts()
			outputs := [][2]string{
				{"findings", strconv.Itoa(len(run.Findings))},
				{"errors", strconv.Itoa(errs)},
				{"warnings", strconv.Itoa(warns)},
				{"notices", strconv.Itoa(notes)},
				{"fixed-files", strconv.Itoa(run.Summary.FixedFiles)},
				{"sarif-file", sarifAbs},
			}
			for _, o := range outputs {
				if err := setOutput(a, o[0], o[1]); err != nil {
					fmt.Fprintf(stderr, "secctx-lint: step output %s: %v\n", o[0], err)
				}
			}
		}
	}
	out := stdout
	var safe *report.CommandSafeWriter
	if actions && cfg.format == "text" {
		safe = &report.CommandSafeWriter{W: stdout}
		out = safe
	}
	if err := report.Formats[cfg.format](out, run); err != nil {
		return err
	}
	if safe != nil {
		if err := safe.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// fileCommandDelimiter is the fixed heredoc delimiter go-githubactions
// v1.3.0 writes around every value in GITHUB_OUTPUT.
const fileCommandDelimiter = "_GitHubActionsFileCommandDelimeter_"

// setOutput writes one step output, refusing values that could end the
// heredoc early and smuggle in other outputs.
func setOutput(a *githubactions.Action, name, value string) error {
	if strings.ContainsAny(value, "\r\n") || strings.Contains(value, fileCommandDelimiter) {
		return fmt.Errorf("value %q holds a line break or the delimiter; not written", value)
	}
	return guard(func() { a.SetOutput(name, value) })
}

// guard turns go-githubactions' panics on unwritable environment files
// into errors.
func guard(fn func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	fn()
	return nil
}
