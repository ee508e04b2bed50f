package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
)

// BenchmarkJudge50Charts renders and judges a repository of 50 charts as
// helm create writes them (each with its hooks and test pod), with one
// origin cache as a run shares it. The target is under 3 s for the 50 on
// 2 cores; see charts/s.
func BenchmarkJudge50Charts(b *testing.B) {
	dir := b.TempDir()
	var charts []string
	for i := 0; i < 50; i++ {
		p, err := chartutil.Create(fmt.Sprintf("svc%02d", i), dir)
		if err != nil {
			b.Fatal(err)
		}
		charts = append(charts, p)
	}
	e := restricted(b)
	b.ResetTimer()
	findings := 0
	for n := 0; n < b.N; n++ {
		cache := NewCache(nil)
		findings = 0
		for _, c := range charts {
			r := Render(c, Options{Cache: cache})
			if r.File == nil {
				b.Fatal(r.Errors)
			}
			fs, _ := e.File(r.File)
			findings += len(fs)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(charts)*b.N)/b.Elapsed().Seconds(), "charts/s")
	b.ReportMetric(float64(findings), "findings")
	_ = os.RemoveAll(filepath.Join(dir, "unused"))
}
