package filter

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
)

// Changes are the lines that changed since a git revision, in the working
// tree (uncommitted edits count), by file relative to the repository's top
// folder. Files git does not track yet changed as a whole.
type Changes struct {
	top   string
	lines map[string][][2]int // sorted, 1-based inclusive ranges of new lines
	whole map[string]bool
	// touched: files with any hunk, deletions only included (lines has
	// none for those): a line taken out of a kustomization changes what
	// it builds as surely as one put in.
	touched map[string]bool
	// renders: which objects of each build (AddRender) changed through
	// the files the build read.
	renders map[*source.Rendered]*renderChange
}

// GitChanges asks git, run in dir, what changed since rev: the hunks of
// `git diff rev` (renames followed, so a moved file's unchanged lines are
// not new) and the untracked files that are not ignored.
func GitChanges(dir, rev string) (*Changes, error) {
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--new-from-rev needs a git repository: %v", err)
	}
	c := &Changes{top: evalDir(strings.TrimSpace(string(top))), lines: map[string][][2]int{}, whole: map[string]bool{},
		touched: map[string]bool{}, renders: map[*source.Rendered]*renderChange{}}
	if _, err := git(c.top, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("--new-from-rev %s: no such commit in this repository (a shallow clone may need git fetch)", rev)
	}
	// Fixed prefixes, no colour, no external diff, no quoting of plain
	// names: the parse below must not depend on the user's git config.
	diff, err := git(c.top, "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--unified=0",
		"--find-renames", "--src-prefix=a/", "--dst-prefix=b/", rev, "--")
	if err != nil {
		return nil, fmt.Errorf("--new-from-rev %s: git diff: %v", rev, err)
	}
	if err := c.parseDiff(diff); err != nil {
		return nil, err
	}
	untracked, err := git(c.top, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, fmt.Errorf("--new-from-rev: git ls-files: %v", err)
	}
	for _, p := range strings.Split(string(untracked), "\x00") {
		if p != "" {
			c.whole[p] = true
		}
	}
	return c, nil
}

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%s", msg)
		}
		return nil, err
	}
	return out, nil
}

var hunk = regexp.MustCompile(`^@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)(?:,([0-9]+))? @@`)

// parseDiff reads the new side of each hunk of a --unified=0 diff.
func (c *Changes) parseDiff(diff []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(diff))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	file := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "+++ "):
			// git ends the line with a tab when the name holds a blank
			// (for patch's sake); a tab of the name itself is quoted.
			name := strings.TrimSuffix(strings.TrimPrefix(line, "+++ "), "\t")
			if unq, err := strconv.Unquote(name); err == nil && strings.HasPrefix(name, `"`) {
				name = unq // a name git had to quote (a tab, a newline, a quote)
			}
			file = ""
			if name != "/dev/null" {
				file = strings.TrimPrefix(name, "b/")
			}
		case strings.HasPrefix(line, "@@ ") && file != "":
			m := hunk.FindStringSubmatch(line)
			if m == nil {
				return fmt.Errorf("--new-from-rev: unexpected git diff hunk %q", line)
			}
			start, _ := strconv.Atoi(m[1])
			n := 1
			if m[2] != "" {
				n, _ = strconv.Atoi(m[2])
			}
			c.touched[file] = true
			if n > 0 { // n == 0: only deletions, after line start
				c.lines[file] = append(c.lines[file], [2]int{start, start + n - 1})
			}
		}
	}
	return sc.Err()
}

// Touches tells whether a finding is on a changed line: its own lines,
// or, for a field that is missing, any line of its workload (adding a
// container, or a whole Deployment, is what makes the missing field new).
// A finding of a built object also counts when the build's inputs
// changed (AddRender). A finding in a file outside the repository, or
// read from stdin, is kept.
func (c *Changes) Touches(f *lint.Finding) bool {
	if rc := c.renders[f.RenderedFrom]; f.RenderedFrom != nil && rc != nil &&
		(rc.all || rc.workloads[workload{f.Kind, f.Namespace, f.Name}]) {
		return true
	}
	rel, ok := c.rel(f.File)
	if !ok {
		return true
	}
	if c.whole[rel] {
		return true
	}
	from, to := f.Line, max(f.EndLine, f.Line)
	if f.Missing && f.ObjectLine > 0 {
		from, to = f.ObjectLine, max(f.ObjectEndLine, f.ObjectLine)
	}
	for _, r := range c.lines[rel] {
		if r[0] <= to && r[1] >= from {
			return true
		}
	}
	return false
}

// renderChange is what changed of one build's inputs.
type renderChange struct {
	// all: a file every object of the build may depend on changed.
	all bool
	// workloads whose object's source file changed.
	workloads map[workload]bool
}

type workload struct{ kind, namespace, name string }

// AddRender records what changed among the files a build read, so that
// Touches counts the findings of its objects as changed when their
// sources did, not only when the finding's own line did: a namespace
// changed in an overlay, a new overlay over an old base, a patch, a
// values file or a template helper changes what reaches the cluster
// without touching the line a finding points at.
//
// The rule: a file that holds a built object as parsed YAML (a
// kustomize resource file) counts for the workloads it holds; any other
// file the build read (kustomization files, patches, components,
// generator inputs, a chart's templates, helpers and values files)
// counts for every workload of the build. A file counts when it is new
// (untracked) or has any changed or deleted line since the revision.
// Files outside the repository never count. defaultNamespace is the
// engine's, so that workloads are named as their findings are.
func (c *Changes) AddRender(rd *source.Render, defaultNamespace string) {
	if rd == nil || rd.File == nil || len(rd.File.Docs) == 0 || rd.File.Docs[0].Rendered == nil {
		return
	}
	rc := &renderChange{workloads: map[workload]bool{}}
	objectFiles := map[string]bool{}
	for _, doc := range rd.File.Docs {
		if doc.Origins == nil {
			continue
		}
		o, ok := doc.Origins.Of(doc.Root)
		if !ok || o.Inherited || o.Doc == nil {
			continue
		}
		rel, ok := c.rel(o.Path)
		if !ok {
			continue
		}
		objectFiles[rel] = true
		if c.fileChanged(rel) {
			for _, p := range lint.Pods(doc, defaultNamespace) {
				rc.workloads[workload{p.Kind, p.Namespace, p.Name}] = true
			}
		}
	}
	for _, p := range rd.Consumed {
		if rel, ok := c.rel(p); ok && !objectFiles[rel] && c.fileChanged(rel) {
			rc.all = true
			break
		}
	}
	c.renders[rd.File.Docs[0].Rendered] = rc
}

// fileChanged: the file is new or has a hunk.
func (c *Changes) fileChanged(rel string) bool { return c.whole[rel] || c.touched[rel] }

// rel is path relative to the repository's top folder, with slashes.
func (c *Changes) rel(path string) (string, bool) {
	if path == "" || path == "-" {
		return "", false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	abs = filepath.Join(evalDir(filepath.Dir(abs)), filepath.Base(abs))
	rel, err := filepath.Rel(c.top, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// evalDir resolves symbolic links in a folder path (macOS's /tmp is
// /private/tmp, which git reports), leaving it as it is when it cannot.
func evalDir(dir string) string {
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return d
	}
	return dir
}
