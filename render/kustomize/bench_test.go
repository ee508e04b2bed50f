package kustomize

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/secctx-lint/secctx-lint/internal/filetest"
	"github.com/secctx-lint/secctx-lint/source"
)

// overlays writes a base and n overlays, each with its namespace, a name
// prefix and a strategic-merge patch that adds a sidecar: the shape of a
// repository that deploys one app to many environments.
func overlays(tb testing.TB, n int) (string, []string) {
	files := map[string]string{
		"base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - service.yaml\n",
		"base/deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n",
		"base/service.yaml":       "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n",
	}
	var dirs []string
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("overlays/env%03d", i)
		files[d+"/kustomization.yaml"] = fmt.Sprintf("namespace: env%03d\nnamePrefix: env%03d-\nresources:\n  - ../../base\npatches:\n  - path: sidecar.yaml\n", i, i)
		files[d+"/sidecar.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: shipper\n          image: fluent-bit:3\n"
		dirs = append(dirs, d)
	}
	t, ok := tb.(*testing.T)
	var root string
	if ok {
		root = filetest.Tree(t, files)
	} else {
		b := tb.(*testing.B)
		root = b.TempDir()
		filetest.Write(b, root, files)
	}
	for i := range dirs {
		dirs[i] = filepath.Join(root, dirs[i])
	}
	return root, dirs
}

// BenchmarkOverlays builds (on every core) and judges 100 overlays of one
// base, as a run over such a repository does (one Renderer, every origin
// file parsed once).
func BenchmarkOverlays(b *testing.B) {
	root, dirs := overlays(b, 100)
	engine := restrictedEngine(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := New(root, source.DefaultLimits)
		findings := 0
		for _, rd := range r.BuildAll(dirs) {
			if len(rd.Errors) > 0 {
				b.Fatal(rd.Errors)
			}
			fs, _ := engine.File(rd.File)
			findings += len(fs)
		}
		if findings == 0 {
			b.Fatal("no findings")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/100-overlays")
}
