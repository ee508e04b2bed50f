package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"
	"sync"
)

// buildLogMu keeps one capture at a time: the standard logger and
// os.Stderr are the process's (tests run builds side by side).
var buildLogMu sync.Mutex

// quietly runs a build stage and collects what kustomize and Helm print
// meanwhile: through the standard logger (Helm's chart loader and values
// merging, kustomize's vars), and straight on os.Stderr (kustomize's
// deprecation warnings). The builds run in parallel, so those lines came
// in a different order from run to run, and said neither which tool
// printed them nor that secctx-lint did. They are said after the stage,
// once each, sorted, as "secctx-lint: LABEL: ...". A nil stderr drops
// them (a build again after --fix says nothing new).
func quietly(label string, stderr io.Writer, build func()) {
	buildLogMu.Lock()
	defer buildLogMu.Unlock()
	var logged bytes.Buffer
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&logged)
	log.SetFlags(0)
	log.SetPrefix("")
	var direct bytes.Buffer
	r, w, err := os.Pipe()
	prev := os.Stderr
	done := make(chan struct{})
	if err == nil {
		os.Stderr = w
		go func() { io.Copy(&direct, r); close(done) }()
	}
	func() {
		defer func() {
			if err == nil {
				os.Stderr = prev
				w.Close()
				<-done
				r.Close()
			}
			log.SetOutput(out)
			log.SetFlags(flags)
			log.SetPrefix(prefix)
		}()
		build()
	}()
	if stderr == nil {
		return
	}
	seen := map[string]bool{}
	var lines []string
	for _, l := range strings.Split(logged.String()+"\n"+direct.String(), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "# ")
		if l != "" && !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintf(stderr, "secctx-lint: %s: %s\n", label, l)
	}
}
