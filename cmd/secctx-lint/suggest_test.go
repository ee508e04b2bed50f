package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/testshared"
	"github.com/secctx-lint/secctx-lint/report"
)

// A file with several workloads, each missing several fields at the pod
// and container levels, in the styles the fixer handles: block maps,
// a flow map, a second container, CRLF-free multi-document.
const suggestFile = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
        securityContext:
          readOnlyRootFilesystem: true
      - name: sidecar
        image: busybox
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
    - name: app
      image: nginx
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: job
            image: busybox
`

// applySuggestions applies every line-wise suggestion to src at once, as
// a reviewer accepting them all would; it fails the test when two of them
// touch the same lines.
func applySuggestions(t *testing.T, src string, sugg []report.Suggestion) string {
	t.Helper()
	lines := strings.SplitAfter(src, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	sort.Slice(sugg, func(i, j int) bool { return sugg[i].Range.Start.Line < sugg[j].Range.Start.Line })
	var b strings.Builder
	next := 1 // the next line of src to copy
	for i, s := range sugg {
		from, to := s.Range.Start.Line, s.Range.End.Line
		if s.Range.Start.Column != 0 || s.Range.End.Column != 0 || from < next || to < from || to > len(lines) {
			t.Fatalf("suggestion %d (lines %d-%d) overlaps another or is not line-wise: %+v", i, from, to, s.Range)
		}
		for ; next < from; next++ {
			b.WriteString(lines[next-1])
		}
		last := lines[to-1]
		b.WriteString(s.Text)
		b.WriteString(last[len(strings.TrimRight(last, "\r\n")):]) // the line break it had
		next = to + 1
	}
	for ; next <= len(lines); next++ {
		b.WriteString(lines[next-1])
	}
	return b.String()
}

// TestSuggestionsEqualFix: one suggestion per pod template, and all the
// suggestions of a file applied at once give exactly what --fix writes.
func TestSuggestionsEqualFix(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "all.yaml", suggestFile)
	_, out, _ := runCLI(t, "", "--config", "none", "--format", "rdjsonl", "--fail-on", "never", p)
	var sugg []report.Suggestion
	perWorkload := map[string]int{}
	diagnostics := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d struct {
			Message     string
			Suggestions []report.Suggestion
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		diagnostics++
		if len(d.Suggestions) > 0 {
			// The message names the workload: [Kind/ns/name ...].
			w := d.Message[strings.LastIndex(d.Message, "[")+1:]
			w = strings.Fields(w)[0]
			perWorkload[strings.TrimSuffix(w, "]")]++
		}
		sugg = append(sugg, d.Suggestions...)
	}
	if diagnostics < 6 || len(sugg) != 3 {
		t.Errorf("%d diagnostics, %d suggestions (want one per workload, 3)", diagnostics, len(sugg))
	}
	for w, n := range perWorkload {
		if n != 1 {
			t.Errorf("%s has %d suggestions", w, n)
		}
	}
	got := applySuggestions(t, suggestFile, sugg)

	code, fixed, errs := runCLI(t, suggestFile, "--config", "none", "--fix", "-")
	if code != exitOK && code != exitFindings {
		t.Fatalf("--fix -: exit %d\n%s", code, errs)
	}
	if fixed == suggestFile {
		t.Fatal("--fix changed nothing: the test proves nothing")
	}
	if got != fixed {
		t.Errorf("all suggestions applied:\n%s\n--fix:\n%s", got, fixed)
	}
	// And the file written by --fix is the same text.
	if code, _, _ := runCLI(t, "", "--config", "none", "--fix", p); code > exitFindings {
		t.Fatalf("--fix %s: exit %d", p, code)
	}
	if b, _ := os.ReadFile(filepath.Clean(p)); string(b) != fixed {
		t.Errorf("--fix on the file differs from --fix on stdin")
	}
}

// TestCorpusSuggestionsEqualFix: on every file of the shared corpus, all
// rdjsonl suggestions applied at once give what --fix gives, and none of
// them overlap.
func TestCorpusSuggestionsEqualFix(t *testing.T) {
	corpus := testshared.Path(t, "corpus")
	_, out, _ := runCLI(t, "", "--config", "none", "--format", "rdjsonl", "--fail-on", "never", corpus)
	byFile := map[string][]report.Suggestion{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var d struct {
			Location    struct{ Path string }
			Suggestions []report.Suggestion
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if len(d.Suggestions) > 0 {
			byFile[d.Location.Path] = append(byFile[d.Location.Path], d.Suggestions...)
		}
	}
	if len(byFile) < 10 {
		t.Fatalf("suggestions in only %d corpus files", len(byFile))
	}
	for path, sugg := range byFile {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, fixed, _ := runCLI(t, string(src), "--config", "none", "--fix", "-")
		if got := applySuggestions(t, string(src), sugg); got != fixed {
			t.Errorf("%s: the %d suggestions applied differ from --fix", path, len(sugg))
		}
	}
}
