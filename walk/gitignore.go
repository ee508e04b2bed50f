package walk

import (
	"bufio"
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// The ignore rules of git (gitignore(5)), read without a git binary: the
// static Docker image has none. Own code rather than a library: the
// maintained options either shell out to git or (github.com/sabhiram/
// go-gitignore, last changed 2021) match one file's patterns without the
// per-folder anchoring and directory-only rules, which is the part that
// needs care; glob matching itself is doublestar's, which this module
// already uses.

// pattern is one line of a .gitignore file.
type pattern struct {
	glob     string // doublestar pattern, relative to base
	negate   bool   // !pattern re-includes
	dirOnly  bool   // pattern/ matches folders only
	anchored bool   // holds a slash: matched against the path below base
	source   string // file:line, for --verbose
}

// rules are the patterns of one ignore file; base is the folder (relative
// to the work tree's root, "" for the root) they are relative to.
type rules struct {
	base     string
	patterns []pattern
}

// parseIgnore reads gitignore syntax.
func parseIgnore(src []byte, base, name string) *rules {
	r := &rules{base: base}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if p, ok := parsePattern(line); ok {
			p.source = name + ":" + strconv.Itoa(n)
			r.patterns = append(r.patterns, p)
		}
	}
	return r
}

func parsePattern(line string) (pattern, bool) {
	// Trailing spaces are ignored unless escaped with a backslash.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\\ ") {
		line = line[:len(line)-1]
	}
	if line == "" || strings.HasPrefix(line, "#") {
		return pattern{}, false
	}
	var p pattern
	switch {
	case strings.HasPrefix(line, "!"):
		p.negate, line = true, line[1:]
	case strings.HasPrefix(line, `\!`), strings.HasPrefix(line, `\#`):
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly, line = true, strings.TrimRight(line, "/")
	}
	if line == "" {
		return pattern{}, false
	}
	// A slash at the start or in the middle anchors the pattern to the
	// ignore file's folder; without one it matches a name at any depth.
	p.anchored = strings.Contains(line, "/")
	line = strings.TrimPrefix(line, "/")
	// gitignore has no {a,b} alternatives: braces are literal.
	line = strings.NewReplacer("{", `\{`, "}", `\}`).Replace(line)
	if !doublestar.ValidatePattern(line) {
		return pattern{}, false
	}
	p.glob = line
	return p, true
}

// match says whether rel (slash-separated, relative to the work tree's
// root) is ignored (+1), re-included (-1) or not mentioned (0) by r; the
// last matching pattern decides, as in git.
func (r *rules) match(rel string, isDir bool) (int, string) {
	below := rel
	if r.base != "" {
		if !strings.HasPrefix(rel, r.base+"/") {
			return 0, ""
		}
		below = rel[len(r.base)+1:]
	}
	for i := len(r.patterns) - 1; i >= 0; i-- {
		p := &r.patterns[i]
		if p.dirOnly && !isDir {
			continue
		}
		subject := below
		if !p.anchored {
			subject = path.Base(below)
		}
		if doublestar.MatchUnvalidated(p.glob, subject) {
			if p.negate {
				return -1, p.source
			}
			return 1, p.source
		}
	}
	return 0, ""
}

// repo is one git work tree: its root and the ignore files read so far.
type repo struct {
	root    string            // absolute
	exclude *rules            // .git/info/exclude
	byDir   map[string]*rules // .gitignore by folder relative to root; nil: none
}

// findRepo returns the work tree holding the absolute folder dir, or nil.
func findRepo(dir string) *repo {
	for d := dir; ; {
		if info, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			r := &repo{root: d, byDir: map[string]*rules{}}
			if gitDir := resolveGitDir(d, info); gitDir != "" {
				if src, err := os.ReadFile(filepath.Join(gitDir, "info", "exclude")); err == nil {
					r.exclude = parseIgnore(src, "", ".git/info/exclude")
				}
			}
			return r
		}
		up := filepath.Dir(d)
		if up == d {
			return nil
		}
		d = up
	}
}

// resolveGitDir finds the folder that holds info/exclude: .git itself, or
// for a linked worktree or submodule (.git is a file "gitdir: PATH") the
// common folder that PATH's commondir names.
func resolveGitDir(root string, info os.FileInfo) string {
	dotGit := filepath.Join(root, ".git")
	if info.IsDir() {
		return dotGit
	}
	b, err := os.ReadFile(dotGit)
	if err != nil {
		return ""
	}
	gd, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
	if !ok {
		return ""
	}
	gd = strings.TrimSpace(gd)
	if !filepath.IsAbs(gd) {
		gd = filepath.Join(root, gd)
	}
	if c, err := os.ReadFile(filepath.Join(gd, "commondir")); err == nil {
		common := strings.TrimSpace(string(c))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gd, common)
		}
		return common
	}
	return gd
}

// rulesOf returns the .gitignore of the folder rel (relative to root).
func (r *repo) rulesOf(rel string) *rules {
	if rs, ok := r.byDir[rel]; ok {
		return rs
	}
	var rs *rules
	if src, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(rel), ".gitignore")); err == nil {
		name := ".gitignore"
		if rel != "" {
			name = rel + "/.gitignore"
		}
		rs = parseIgnore(src, rel, name)
	}
	r.byDir[rel] = rs
	return rs
}

// ignored says whether git ignores the absolute path abs, and by which
// pattern. Only the path's own entry is decided here: the walk never enters
// an ignored folder, as git does not.
func (r *repo) ignored(abs string, isDir bool) (bool, string) {
	rel, err := filepath.Rel(r.root, abs)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false, ""
	}
	rel = filepath.ToSlash(rel)
	verdict, why := 0, ""
	consult := func(rs *rules) {
		if rs == nil {
			return
		}
		if v, w := rs.match(rel, isDir); v != 0 {
			verdict, why = v, w
		}
	}
	// Lowest precedence first: info/exclude, then each .gitignore from the
	// root down to the path's folder.
	consult(r.exclude)
	dir := path.Dir(rel)
	consult(r.rulesOf(""))
	if dir != "." {
		parts := strings.Split(dir, "/")
		for i := range parts {
			consult(r.rulesOf(strings.Join(parts[:i+1], "/")))
		}
	}
	return verdict > 0, why
}
