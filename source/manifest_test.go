package source

import "testing"

func TestLooksLikeManifest(t *testing.T) {
	for name, c := range map[string]struct {
		src  string
		want bool
	}{
		"deployment":      {"# c\napiVersion: apps/v1\nkind: Deployment\n", true},
		"second document": {"kind: ConfigMap\n---\n\"apiVersion\": v1\n", true},
		"broken manifest": {"apiVersion: v1\nkind: Pod\nspec: [\n", true},
		"top-level list":  {"- apiVersion: v1\n  kind: Pod\n", false},
		"json":            {"\ufeff{\n  \"kind\": \"Pod\",\n  \"apiVersion\": \"v1\"\n}\n", true},
		"flow yaml":       {"{apiVersion: v1, kind: Pod}\n", true},
		"--- then flow":   {"---\n{\n  apiVersion: \"v1\",\n  # c\n  kind: \"Pod\",\n}\n", true},
		"flow second doc": {"x: 1\n--- {apiVersion: v1,\n kind: Pod}\n", true},
		"workflow":        {"name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n", false},
		"compose":         {"version: '3'\nservices:\n  web:\n    image: nginx\n", false},
		"mkdocs":          {"site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n", false},
		"playbook":        {"- hosts: all\n  tasks:\n  - k8s:\n      definition:\n        apiVersion: v1\n        kind: Pod\n        name: \"{{ name }}\"\n", false},
		"jsonc":           {"// tsconfig\n{\n  \"compilerOptions\": {\"strict\": true}, /* kind */\n}\n", false},
		"chart":           {"apiVersion: v2\nname: web\nversion: 1.0.0\n", false},
		"binary":          {"apiVersion: v1\nkind: Pod\n\x00", false},
		"kind in a value": {"name: x\ndescription: \"apiVersion: kind:\"\n", false},
	} {
		if got := LooksLikeManifest([]byte(c.src)); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}
