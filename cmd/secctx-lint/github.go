package main

// The GitHub Actions face: choosing the format, --sarif-file, the job
// summary and the step outputs. Nothing here runs outside Actions unless
// asked for with --format github or --sarif-file.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// unfiltered is the stream below safeStderr's filter, for output that is
// safe by construction and that the filter would break (annotations).
func unfiltered(w io.Writer) io.Writer {
	if s, ok := w.(*report.CommandSafeWriter); ok {
		s.Flush()
		return s.W
	}
	return w
}

// emitter writes the run as it is judged: the chosen format on stdout,
// the SARIF file when asked, and inside Actions the job summary; at End
// the step outputs.
type emitter struct {
	cfg     *config
	run     *report.Run
	stderr  io.Writer
	getenv  func(string) string
	main    report.Stream
	mainErr error // the first error writing stdout; later batches are dropped
	sarif   report.Stream
	sarifF  *os.File
	sarifEr error
	summary *report.SummaryStream
	safe    *report.CommandSafeWriter
}

// startEmit sets up the outputs; Root and SarifFile are set on run first,
// since the streams print paths relative to them.
func startEmit(cfg *config, run *report.Run, stdout, stderr io.Writer, getenv func(string) string) (*emitter, error) {
	report.Version = currentVersion()
	actions := inActions(getenv)
	if ws := getenv("GITHUB_WORKSPACE"); ws != "" {
		run.Root = ws
	}
	run.BlobURL = blobURL(getenv)
	e := &emitter{cfg: cfg, run: run, stderr: stderr, getenv: getenv}
	if cfg.sarifFile != "" {
		abs, err := filepath.Abs(cfg.sarifFile)
		if err != nil {
			return nil, err
		}
		run.SarifFile = abs
		f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("--sarif-file: %w", err)
		}
		e.sarifF = f
		e.sarif = report.Streams["sarif"](f, run)
	}
	if actions && getenv("GITHUB_STEP_SUMMARY") != "" {
		e.summary = report.NewSummaryStream(run, report.DefaultSummaryLimit)
	}
	out := stdout
	if actions && cfg.format == "text" {
		e.safe = &report.CommandSafeWriter{W: stdout}
		out = e.safe
	}
	e.main = report.Streams[cfg.format](out, run)
	return e, nil
}

// Add writes a batch of findings to every output.
func (e *emitter) Add(b *report.Batch) {
	if e.sarif != nil && e.sarifEr == nil {
		e.sarifEr = e.sarif.Add(b)
	}
	if e.summary != nil {
		e.summary.Add(b)
	}
	if e.mainErr == nil {
		e.mainErr = e.main.Add(b)
	}
}

// End finishes the outputs: the SARIF file, then the env files (which
// must be written even when stdout breaks), then stdout.
func (e *emitter) End() error {
	run, getenv, stderr := e.run, e.getenv, e.stderr
	if e.sarif != nil {
		if e.sarifEr == nil {
			e.sarifEr = e.sarif.End(run)
		}
		if err := e.sarifF.Close(); err != nil && e.sarifEr == nil {
			e.sarifEr = err
		}
		if e.sarifEr != nil {
			return fmt.Errorf("--sarif-file: %w", e.sarifEr)
		}
	}
	if inActions(getenv) {
		a := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stderr))
		if e.summary != nil {
			md := e.summary.Markdown(run)
			if err := guard(func() { a.AddStepSummary(md) }); err != nil {
				fmt.Fprintf(stderr, "secctx-lint: writing the job summary: %v\n", err)
			}
		}
		if getenv("GITHUB_OUTPUT") != "" {
			errs, warns, notes := run.Counts()
			outputs := [][2]string{
				{"findings", strconv.Itoa(run.Summary.Findings)},
				{"errors", strconv.Itoa(errs)},
				{"warnings", strconv.Itoa(warns)},
				{"notices", strconv.Itoa(notes)},
				{"fixed-files", strconv.Itoa(run.Summary.FixedFiles)},
				{"sarif-file", run.SarifFile},
			}
			for _, o := range outputs {
				if err := setOutput(a, o[0], o[1]); err != nil {
					fmt.Fprintf(stderr, "secctx-lint: step output %s: %v\n", o[0], err)
				}
			}
		}
	}
	if e.mainErr != nil {
		return e.mainErr
	}
	if err := e.main.End(run); err != nil {
		return err
	}
	if e.safe != nil {
		return e.safe.Flush()
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

// blobURL is where the run's files are on GitHub, from the runner's
// environment, or "" when it is incomplete or not what the runner sets
// (the values go into Markdown links).
func blobURL(getenv func(string) string) string {
	server, repo, sha := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_SHA")
	if !serverPattern.MatchString(server) || !repoPattern.MatchString(repo) || !shaPattern.MatchString(sha) {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/blob/" + sha
}

var (
	serverPattern = regexp.MustCompile(`^https?://[A-Za-z0-9.:-]+(/[A-Za-z0-9._~-]+)*/?$`)
	repoPattern   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	shaPattern    = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)
)
