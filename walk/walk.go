// Package walk turns the paths a user gives into the files to read, as
// people keep repositories: what git ignores is not judged, node_modules is
// never entered, --exclude globs leave folders and files out, and folders
// holding a kustomization are reported so that the render stage can build
// them. Deciding whether a file is a manifest by its content happens when
// it is read (source.ReadFile): only the bytes can tell.
package walk

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/secctx-lint/secctx-lint/source"
)

// KustomizationNames are the file names that make a folder a kustomization,
// in the order kustomize looks for them.
var KustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// Options say what to leave out.
type Options struct {
	// Exclude are globs of paths not walked.
	Exclude []Exclude
	// NoGitIgnore walks what git ignores too.
	NoGitIgnore bool
	// AsWalked takes a named file as a walk of its folder would find it
	// (pre-commit names every changed file): skipped when it is not a
	// manifest, and judged through the kustomization of the nearest
	// folder above it that has one, when that build reads it. A named
	// kustomization file is then built as a walked one is (a component
	// through the kustomizations that use it).
	AsWalked bool
}

// Exclude is one glob (doublestar syntax: ** matches any number of
// folders) of paths relative to Dir ("" is the working folder); a glob that
// matches a folder leaves all of it out, so a bare folder name excludes
// that folder.
type Exclude struct {
	Glob, Dir string
}

// Globs are globs relative to dir.
func Globs(dir string, globs ...string) []Exclude {
	out := make([]Exclude, len(globs))
	for i, g := range globs {
		out[i] = Exclude{Glob: g, Dir: dir}
	}
	return out
}

// Skip is something the walk left out, with the reason, for --verbose.
type Skip struct {
	Path   string
	Reason string
}

// Result is what a walk found.
type Result struct {
	// Inputs are the files to read, in lexical order per argument.
	Inputs []source.Input
	// Kustomizations are the folders holding a kustomization file, with
	// the file, in walk order. Their kustomization files are not in Inputs.
	Kustomizations []Kustomization
	// Charts are the Helm chart folders (holding Chart.yaml) found or
	// named, in walk order; nothing inside them is in Inputs: a template
	// is not YAML, and values.yaml is not a manifest. A file named inside
	// a chart (as pre-commit names changed files) stands for its chart.
	Charts []Chart
	// Skipped are the paths left out by ignore rules and --exclude.
	Skipped []Skip
	// Errors are paths that do not exist or could not be read.
	Errors []*source.Error
}

// Kustomization is one folder to build.
type Kustomization struct {
	Dir  string // as reports print it
	File string // the kustomization file in Dir
	// Named: the folder (or its kustomization file) was named on the
	// command line, so it is built even when another kustomization uses it.
	Named bool
}

// Chart is one Helm chart folder to render.
type Chart struct {
	Dir   string // as reports print it
	Named bool   // named on the command line (or through a file in it)
}

// Walk expands args: files as given, folders walked, "-" for stdin. A path
// named explicitly is always read, whatever ignore rules or excludes say;
// inside a folder they decide.
func Walk(args []string, opt Options) *Result {
	w := &walker{opt: opt, res: &Result{}, seen: map[string]int{}, repos: map[string]*repo{}, byRoot: map[string]*repo{}, realDirs: map[string]string{}, abs: Absolute()}
	for _, e := range opt.Exclude {
		dir := e.Dir
		if dir == "" {
			dir = "."
		}
		if abs, err := w.abs(dir); err == nil {
			dir = abs
		}
		w.excludes = append(w.excludes, Exclude{Glob: cleanGlob(e.Glob), Dir: dir})
	}
	for _, arg := range args {
		w.arg(arg)
	}
	return w.res
}

// cleanGlob makes a user's glob comparable with slash-separated paths
// relative to the base folder: "./build/" is "build".
func cleanGlob(p string) string {
	p = filepath.ToSlash(p)
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return strings.TrimRight(p, "/")
}

type walker struct {
	opt      Options
	excludes []Exclude // cleaned globs, absolute folders
	res      *Result
	seen     map[string]int   // input index by resolved path
	repos    map[string]*repo // by the absolute folder asked about; nil: not in a work tree
	byRoot   map[string]*repo // one per work tree, so each ignore file is read once
	realDirs map[string]string
	abs      func(string) (string, error) // Absolute's, read once per walk
}

// Absolute is filepath.Abs with the working folder read once, when it is
// called: filepath.Abs asks the system for it (two stats) on every call,
// and a walk or a render stage asks for every file.
func Absolute() func(p string) (string, error) {
	wd, err := os.Getwd()
	return func(p string) (string, error) {
		if err != nil || filepath.IsAbs(p) {
			return filepath.Abs(p)
		}
		return filepath.Join(wd, p), nil
	}
}

// resolved is the absolute path p stands for, symlinks followed: the key
// that tells a file reached twice. A walked file that is not a symlink is
// its folder's resolved path plus its name, and folders are resolved once:
// resolving every file alone costs a stat per path element.
func (w *walker) resolved(p string, plainFile bool) string {
	if plainFile {
		dir := filepath.Dir(p)
		real, ok := w.realDirs[dir]
		if !ok {
			real = w.resolved(dir, false)
			w.realDirs[dir] = real
		}
		return filepath.Join(real, filepath.Base(p))
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return p
	}
	if abs, err := w.abs(real); err == nil {
		return abs
	}
	return real
}

// repoOf returns the git work tree holding the absolute folder dir.
func (w *walker) repoOf(dir string) *repo {
	if r, ok := w.repos[dir]; ok {
		return r
	}
	r := findRepo(dir)
	if r != nil {
		if known := w.byRoot[r.root]; known != nil {
			r = known
		} else {
			w.byRoot[r.root] = r
		}
	}
	w.repos[dir] = r
	return r
}

// add records one file to read; a file reached twice (named twice, or
// through a symlink) is read once. plainFile: p was found walking a
// folder and is not a symlink itself.
func (w *walker) add(p string, walked, plainFile bool) {
	key := w.resolved(p, plainFile)
	if i, ok := w.seen[key]; ok {
		// Named as well as walked: named wins (it is always read).
		w.res.Inputs[i].Walked = w.res.Inputs[i].Walked && walked
		return
	}
	w.seen[key] = len(w.res.Inputs)
	w.res.Inputs = append(w.res.Inputs, source.Input{Path: p, Walked: walked})
}

func (w *walker) errorf(path, msg string) {
	w.res.Errors = append(w.res.Errors, &source.Error{Path: path, Msg: msg})
}

func (w *walker) arg(arg string) {
	if arg == "-" {
		w.add("-", false, false)
		return
	}
	info, err := os.Stat(arg)
	if err != nil {
		w.errorf(arg, source.PlainOSError(err))
		return
	}
	if c := enclosingChart(arg, info.IsDir()); c != "" {
		w.chart(c, true)
		return
	}
	if !info.IsDir() {
		if isKustomizationName(filepath.Base(arg)) {
			w.kustomization(filepath.Dir(arg), filepath.Base(arg), !w.opt.AsWalked)
			return
		}
		if w.opt.AsWalked {
			if dir := enclosingKustomization(arg); dir != "" {
				w.kustomization(dir, KustomizationFile(dir), false)
			}
		}
		w.add(arg, w.opt.AsWalked, false)
		return
	}
	found, kusts, charts := len(w.res.Inputs), len(w.res.Kustomizations), len(w.res.Charts)
	err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			w.errorf(p, source.PlainOSError(err))
			return nil
		}
		top := p == arg
		if d.IsDir() {
			if !top && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir // never judged, not worth a line in --verbose
			}
			if !top {
				if why := w.leftOut(p, true); why != "" {
					w.res.Skipped = append(w.res.Skipped, Skip{Path: p + string(filepath.Separator), Reason: why})
					return filepath.SkipDir
				}
			}
			if isChart(p) {
				// The chart is rendered whole; nothing in it is read alone.
				w.chart(p, top)
				return filepath.SkipDir
			}
			if k := KustomizationFile(p); k != "" {
				w.kustomization(p, k, top)
			}
			return nil
		}
		if !source.HasManifestExt(d.Name()) || d.Type()&fs.ModeIrregular != 0 || isKustomizationName(d.Name()) {
			return nil
		}
		if why := w.leftOut(p, false); why != "" {
			w.res.Skipped = append(w.res.Skipped, Skip{Path: p, Reason: why})
			return nil
		}
		w.add(p, true, d.Type()&fs.ModeSymlink == 0)
		return nil
	})
	if err != nil {
		w.errorf(arg, source.PlainOSError(err))
	} else if len(w.res.Inputs) == found && len(w.res.Kustomizations) == kusts && len(w.res.Charts) == charts {
		// A CI gate pointed at the wrong folder must not pass quietly.
		w.errorf(arg, "no "+strings.Join(source.Extensions, ", ")+" file in this folder")
	}
}

func (w *walker) chart(dir string, named bool) {
	for i := range w.res.Charts {
		if c := &w.res.Charts[i]; filepath.Clean(c.Dir) == filepath.Clean(dir) {
			c.Named = c.Named || named
			return
		}
	}
	w.res.Charts = append(w.res.Charts, Chart{Dir: dir, Named: named})
}

func isChart(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil && info.Mode().IsRegular()
}

// enclosingChart returns the chart a path belongs to: the nearest folder
// (the path itself, for a folder) holding Chart.yaml, and then the parent
// chart of a subchart in charts/, which renders it; "" outside any chart.
// The spelling is the path's own (chart/templates/x.yaml -> chart).
func enclosingChart(p string, isDir bool) string {
	dir := filepath.Clean(p)
	if !isDir {
		dir = filepath.Dir(dir)
	}
	if dir = nearestAbove(dir, isChart, func(string) bool { return false }); dir == "" {
		return ""
	}
	for {
		up := filepath.Dir(filepath.Dir(dir))
		if filepath.Base(filepath.Dir(dir)) != "charts" || up == dir || !isChart(up) {
			return dir
		}
		dir = up
	}
}

// enclosingKustomization is the nearest folder above a file that holds a
// kustomization file, up to the top of its git work tree; "" when none.
// The spelling is the path's own (overlays/prod/patch.yaml -> overlays/prod).
func enclosingKustomization(file string) string {
	return nearestAbove(filepath.Dir(filepath.Clean(file)),
		func(dir string) bool { return KustomizationFile(dir) != "" },
		func(dir string) bool { _, err := os.Stat(filepath.Join(dir, ".git")); return err == nil })
}

// nearestAbove is dir, or the nearest folder above it, that has says
// holds what is looked for; "" when the search reaches the top of the file
// system, the ".." the path was spelt with, or a folder stop ends it at.
func nearestAbove(dir string, has, stop func(string) bool) string {
	for !has(dir) {
		parent := filepath.Dir(dir)
		if parent == dir || filepath.Base(dir) == ".." || stop(dir) {
			return ""
		}
		dir = parent
	}
	return dir
}

func (w *walker) kustomization(dir, file string, named bool) {
	for i := range w.res.Kustomizations {
		if k := &w.res.Kustomizations[i]; filepath.Clean(k.Dir) == filepath.Clean(dir) {
			k.Named = k.Named || named
			return
		}
	}
	w.res.Kustomizations = append(w.res.Kustomizations, Kustomization{Dir: dir, File: filepath.Join(dir, file), Named: named})
}

// KustomizationFile returns the name of the kustomization file in dir, or "".
func KustomizationFile(dir string) string {
	for _, n := range KustomizationNames {
		if info, err := os.Stat(filepath.Join(dir, n)); err == nil && !info.IsDir() {
			return n
		}
	}
	return ""
}

func isKustomizationName(name string) bool {
	for _, n := range KustomizationNames {
		if name == n {
			return true
		}
	}
	return false
}

// leftOut says why p is not walked: an --exclude glob or a git ignore rule;
// "" when it is walked.
func (w *walker) leftOut(p string, isDir bool) string {
	abs, err := w.abs(p)
	if err != nil {
		return ""
	}
	for _, e := range w.excludes {
		// Paths outside Dir are spelled with ../, as the user would; an
		// absolute glob is matched against the absolute path.
		rel, err := filepath.Rel(e.Dir, abs)
		if filepath.IsAbs(filepath.FromSlash(e.Glob)) {
			rel, err = abs, nil
		}
		if err != nil {
			continue
		}
		if ok, _ := doublestar.Match(e.Glob, filepath.ToSlash(rel)); ok {
			return "excluded by " + e.Glob
		}
	}
	if w.opt.NoGitIgnore {
		return ""
	}
	r := w.repoOf(filepath.Dir(abs))
	if r == nil {
		return ""
	}
	if ign, why := r.ignored(abs, isDir); ign {
		return "ignored by git (" + why + ")"
	}
	return ""
}

// SortSkips orders skipped paths for --verbose.
func SortSkips(s []Skip) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].Path < s[j].Path })
}
