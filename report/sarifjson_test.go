package report

import (
	"encoding/json"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
)

// The hand-written result writer must write what encoding/json writes,
// byte for byte, for every shape a result takes and hostile text.
func TestSarifResultJSON(t *testing.T) {
	texts := append([]string{"", "plain", "x\u2028y", "<&>", "\x00\x1f\x7f", "\xff", "é"}, hostile...)
	var results []sarifResult
	for i, s := range texts {
		res := sarifResult{
			RuleID: s, RuleIndex: i, Level: "warning", Message: sarifText{Text: s},
			PartialFingerprints: map[string]string{"primaryLocationLineHash": s, "secctxLintObject/v1": "x:1"},
			Properties:          map[string]any{"certainty": lint.Certain, "fixable": i%2 == 0, "field": s, "n": i},
		}
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifLoc{URI: s}}}
		switch i % 4 {
		case 0:
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: i + 1, StartColumn: 2, EndLine: i + 1, EndColumn: 9}
			loc.LogicalLocations = []sarifLogical{{Name: s, FullyQualifiedName: s + "/x", Kind: "object"}}
		case 1:
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: 3}
			loc.LogicalLocations = []sarifLogical{{Kind: "object"}, {}}
		case 2:
			res.Message.Markdown = s
			res.Properties = nil
		case 3:
			res.Locations = []sarifLocation{}
		}
		if i%4 != 3 {
			res.Locations = []sarifLocation{loc, loc}
		}
		results = append(results, res)
	}
	results = append(results, sarifResult{})
	for i := range results {
		want, err := json.MarshalIndent(results[i], "        ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		want = jsonSafe(want) // appendJSONString neutralises "##[" itself
		if got := appendSarifResult(nil, &results[i], "        "); string(got) != string(want) {
			t.Errorf("result %d:\nencoding/json:\n%s\nappendSarifResult:\n%s", i, want, got)
		}
	}
}
