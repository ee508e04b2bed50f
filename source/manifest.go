package source

import (
	"bytes"
)

// NotManifest is the reason given for a walked file that is skipped by
// its content.
const NotManifest = "not a Kubernetes manifest (no top-level apiVersion and kind)"

// LooksLikeManifest decides by content whether a file found by walking a
// folder is meant for Kubernetes, before parsing it: workflows, compose
// files, mkdocs configurations (with !!python tags), Ansible playbooks
// ({{ }} in a top-level list), JSON with comments are not, whether or not
// they parse, while a manifest that fails to parse must still be reported.
// A manifest has apiVersion and kind at the top level: in block YAML, keys
// at column 0 (a top-level list, as Ansible writes, has none); when a
// document is JSON or flow YAML (it starts with { or [), the two keys
// anywhere.
func LooksLikeManifest(src []byte) bool {
	src = bytes.TrimPrefix(src, bom)
	if looksBinary(src) {
		return false
	}
	all := src
	var api, kind, flow bool
	docStart := true // no content yet in the current document
	for len(src) > 0 && !(api && kind) {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		trimmed := bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("---")) && (len(trimmed) == 3 || trimmed[3] == ' ' || trimmed[3] == '\t') {
			docStart = true
			if rest := bytes.TrimSpace(trimmed[3:]); len(rest) > 0 && (rest[0] == '{' || rest[0] == '[') {
				flow, docStart = true, false
			}
			continue
		}
		if len(trimmed) == 0 || trimmed[0] == '#' || (docStart && trimmed[0] == '%') {
			continue
		}
		if docStart && (trimmed[0] == '{' || trimmed[0] == '[') {
			flow = true
		}
		docStart = false
		api = api || topKey(line, "apiVersion")
		kind = kind || topKey(line, "kind")
	}
	if api && kind {
		return true
	}
	// JSON, or a flow-style YAML document: the keys are indented or share
	// a line with others; look for them anywhere.
	return flow && hasKeyAnywhere(all, "apiVersion") && hasKeyAnywhere(all, "kind")
}

// topKey: line starts with key (bare or quoted) followed by a colon.
func topKey(line []byte, key string) bool {
	for _, q := range []string{"", `"`, "'"} {
		k := q + key + q
		if bytes.HasPrefix(line, []byte(k)) {
			rest := bytes.TrimLeft(line[len(k):], " \t")
			return len(rest) > 0 && rest[0] == ':'
		}
	}
	return false
}

// hasKeyAnywhere: key, bare or quoted, followed by a colon somewhere.
func hasKeyAnywhere(src []byte, key string) bool {
	for off := 0; ; {
		i := bytes.Index(src[off:], []byte(key))
		if i < 0 {
			return false
		}
		at := off + i + len(key)
		if at < len(src) && (src[at] == '"' || src[at] == '\'') {
			at++
		}
		rest := bytes.TrimLeft(src[at:], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			return true
		}
		off = off + i + 1
	}
}
