package helm

import (
	"strings"
	"testing"
)

// A line an action printed is given to the printing line whose plain text
// before the action starts it (hostPID: {{ .Values.hostPID }} for
// "hostPID: true"), not to the first printing action after the plain line
// before it, which may sit in a block the values turned off or print a
// sibling key (a review found hostPID at a dead toYaml line and a
// containerPort at its port's name).
func TestAlignPrefersTheLineWhosePlainTextStartsTheOutput(t *testing.T) {
	tmpl := strings.Join([]string{
		"spec:", // 0
		"  containers:",
		"    - name: app",
		"      image: nginx",
		"    {{- if .Values.side }}",
		"    - name: proxy", // 5
		"      {{- toYaml .Values.extra | nindent 6 }}",
		"    {{- end }}",
		"      ports:",
		"        - name: {{ .Values.portName }}",
		"          containerPort: {{ .Values.port }}", // 10
		"  hostPID: {{ .Values.hostPID }}",
		"  {{- toYaml .Values.more | nindent 2 }}",
	}, "\n")
	out := []string{
		"spec:",
		"  containers:",
		"    - name: app",
		"      image: nginx",
		"      ports:",
		"        - name: metrics",
		"          containerPort: 9100",
		"  hostPID: true",
		"  a: 1",
		"  b: 2",
	}
	got := align(splitTemplate([]byte(tmpl)), out)
	want := []int{0, 1, 2, 3, 8, 9, 10, 11, 12, 12}
	for j := range want {
		if got[j] != want[j] {
			t.Errorf("output line %q from template line %d, want %d (%q)", out[j], got[j], want[j], strings.Split(tmpl, "\n")[want[j]])
		}
	}
}
