package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/secctx-lint/secctx-lint/lint"
)

// jsonError is an input problem in the JSON output.
type jsonError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type jsonRun struct {
	Version  int            `json:"version"`
	Findings []lint.Finding `json:"findings"`
	Errors   []jsonError    `json:"errors"`
	Summary  Summary        `json:"summary"`
}

// JSON writes the stable machine format (version 1, documented in the README).
func JSON(w io.Writer, r *Run) error {
	out := jsonRun{Version: 1, Findings: r.Findings, Errors: []jsonError{}, Summary: r.Summary}
	if out.Findings == nil {
		out.Findings = []lint.Finding{}
	}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, jsonError{File: e.Path, Line: e.Line, Column: e.Column, Message: e.Msg})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(buf.Bytes()))
	return err
}
