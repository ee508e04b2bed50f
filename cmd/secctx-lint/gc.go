package main

import "runtime/debug"

// Garbage collector settings for a run, unless the user sets GOGC or
// GOMEMLIMIT. A run allocates a YAML tree per document and drops it once
// the document is judged, so the live heap is small and the default GOGC
// of 100 collects very often: on 2000 generated Deployments, GC was about
// 15% of the CPU, and GOGC=200 cut the wall time from 0.22 s to 0.18 s (20000
// files: 2.2 s to 1.6 s) for 2-6 MiB more peak RSS. The soft memory limit keeps
// large single inputs where they were: with GOGC=200 alone, SARIF on one
// 20 MB file of 200,000 Pods peaked at 207 MiB instead of 162 MiB; with the
// limit it peaks at 147 MiB. (Measured with bench/compare.sh's inputs on a
// release build; see the README's development section.)
const (
	gcPercent   = 200
	memoryLimit = 128 << 20
)

// tuneGC applies the settings above where the environment does not say
// otherwise (the Go runtime has already read GOGC and GOMEMLIMIT).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
