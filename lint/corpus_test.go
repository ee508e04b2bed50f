package lint_test

import (
	"bytes"
	"github.com/secctx-lint/secctx-lint/internal/linttest"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/secctx-lint/secctx-lint/lint"
	"github.com/secctx-lint/secctx-lint/source"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// corpusRefusals are the corpus files that are not valid manifests: both
// hold a duplicate `selector` key, which the API server would silently
// collapse and a fixer would edit in the shadowed copy.
var corpusRefusals = []string{
	"kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml",
	"kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml",
}

type corpusFile struct {
	rel string
	src []byte
}

func loadCorpus(tb testing.TB) []corpusFile {
	dir := filepath.Join(sharedDir(tb), "corpus")
	var out []corpusFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, corpusFile{rel: filepath.ToSlash(rel), src: src})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func restrictedEngine(tb testing.TB) *lint.Engine { return linttest.Restricted(tb) }

// Every corpus file is read and judged without a crash, and the only
// errors are the files that are truly not valid manifests.
func TestCorpus(t *testing.T) {
	files := loadCorpus(t)
	e := restrictedEngine(t)
	var refused []string
	findings, workloads, docs, invalid := 0, 0, 0, 0
	for _, cf := range files {
		f, errs := source.Parse(cf.rel, cf.src, source.DefaultLimits)
		if len(errs) > 0 {
			refused = append(refused, cf.rel)
			t.Logf("refused %s: %v", cf.rel, errs[0])
		}
		fs, st := e.File(f)
		for _, fd := range fs {
			if fd.Line < 1 || fd.Column < 1 || fd.Field == "" || fd.Message == "" || (fd.PolicyID == "" && fd.Rule != lint.RuleInvalidField) {
				t.Errorf("%s: incomplete finding %+v", cf.rel, fd)
			}
			if fd.Rule == lint.RuleInvalidField {
				invalid++
				t.Logf("%s:%d:%d: %s", cf.rel, fd.Line, fd.Column, fd.Message)
			}
		}
		findings += len(fs)
		workloads += st.Workloads
		docs += st.Documents
	}
	sort.Strings(refused)
	if strings.Join(refused, "\n") != strings.Join(corpusRefusals, "\n") {
		t.Errorf("refused files:\n%s\nwant:\n%s", strings.Join(refused, "\n"), strings.Join(corpusRefusals, "\n"))
	}
	t.Logf("%d files, %d documents, %d workloads, %d findings (restricted), %d invalid-field, %d refused", len(files), docs, workloads, findings, invalid, len(refused))
}

// benchCorpus loads the corpus and sets the bytes each iteration reads.
func benchCorpus(b *testing.B) ([]corpusFile, int) {
	files := loadCorpus(b)
	total := 0
	for _, cf := range files {
		total += len(cf.src)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	return files, total
}

// BenchmarkLintCorpus measures parse + judge over the whole corpus on one
// goroutine; BenchmarkLintCorpusParallel spreads files over all cores as
// the CLI does.
func BenchmarkLintCorpus(b *testing.B) {
	files, total := benchCorpus(b)
	e := restrictedEngine(b)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.Mallocs
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, cf := range files {
			f, _ := source.Parse(cf.rel, cf.src, source.DefaultLimits)
			e.File(f)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Mallocs-before)/float64(b.N)/(float64(total)/1e6), "allocs/MB")
}

func BenchmarkLintCorpusParallel(b *testing.B) {
	files, _ := benchCorpus(b)
	e := restrictedEngine(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next := make(chan corpusFile)
		var wg sync.WaitGroup
		for w := 0; w < runtime.GOMAXPROCS(0); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for cf := range next {
					f, _ := source.Parse(cf.rel, cf.src, source.DefaultLimits)
					e.File(f)
				}
			}()
		}
		for _, cf := range files {
			next <- cf
		}
		close(next)
		wg.Wait()
	}
}

// BenchmarkParseOnlyCorpus is the ceiling: go-yaml decoding alone, for
// comparison with BenchmarkLintCorpus on the same machine and load.
func BenchmarkParseOnlyCorpus(b *testing.B) {
	files, _ := benchCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, cf := range files {
			dec := yaml.NewDecoder(bytes.NewReader(cf.src))
			for {
				var n yaml.Node
				if dec.Decode(&n) != nil {
					break
				}
			}
		}
	}
}
