package packaging

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestGoreleaserConfig checks what the action and the docs rely on in
// .goreleaser.yaml (goreleaser check validates the rest in .ci/run): the
// six targets, the archive names get.sh computes, checksums.txt, the
// version stamp, the licence files, and an image context that holds every
// package the binary is built from.
func TestGoreleaserConfig(t *testing.T) {
	var cfg struct {
		Version     int
		ProjectName string `yaml:"project_name"`
		Builds      []struct {
			Main, Binary string
			Env, Ldflags []string
			Goos, Goarch []string
		}
		Archives []struct {
			NameTemplate    string `yaml:"name_template"`
			Formats         []string
			FormatOverrides []struct {
				Goos    string
				Formats []string
			} `yaml:"format_overrides"`
			Files []yaml.Node
		}
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string
		}
		DockersV2 []struct {
			Dockerfile string
			Images     []string
			Platforms  []string
			BuildArgs  map[string]string `yaml:"build_args"`
			Files      []string          `yaml:"extra_files"`
		} `yaml:"dockers_v2"`
	}
	if err := yaml.Unmarshal(read(t, ".goreleaser.yaml"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || cfg.ProjectName != "secctx-lint" || len(cfg.Builds) != 1 || len(cfg.Archives) != 1 || len(cfg.DockersV2) != 1 {
		t.Fatalf("config shape: %+v", cfg)
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/secctx-lint" || b.Binary != "secctx-lint" || !slices.Contains(b.Env, "CGO_ENABLED=0") ||
		!strings.Contains(strings.Join(b.Ldflags, " "), "-X main.version={{ .Tag }}") {
		t.Errorf("build %+v", b)
	}
	slices.Sort(b.Goos)
	slices.Sort(b.Goarch)
	if strings.Join(b.Goos, ",") != "darwin,linux,windows" || strings.Join(b.Goarch, ",") != "amd64,arm64" {
		t.Errorf("targets %v × %v", b.Goos, b.Goarch)
	}
	ar := cfg.Archives[0]
	// get.sh: secctx-lint_${version}_${os}_${arch}.tar.gz, .zip on Windows.
	if ar.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" || strings.Join(ar.Formats, ",") != "tar.gz" ||
		len(ar.FormatOverrides) != 1 || ar.FormatOverrides[0].Goos != "windows" || strings.Join(ar.FormatOverrides[0].Formats, ",") != "zip" {
		t.Errorf("archive %+v", ar)
	}
	get := string(read(t, "action/get.sh"))
	if !strings.Contains(get, `archive="secctx-lint_${version}_${os}_${arch}.$ext"`) || !strings.Contains(get, `"$base/checksums.txt"`) {
		t.Errorf("get.sh does not compute the archive names of .goreleaser.yaml")
	}
	var files []string
	for _, n := range ar.Files {
		if n.Kind == yaml.ScalarNode {
			files = append(files, n.Value)
			continue
		}
		var f struct{ Src string }
		n.Decode(&f)
		files = append(files, f.Src)
	}
	for _, want := range []string{"LICENSE", "NOTICE", "azure/builtin/LICENSE", "azure/builtin/NOTICE"} {
		if !slices.Contains(files, want) {
			t.Errorf("archives do not carry %s (files %v)", want, files)
		}
	}
	if cfg.Checksum.NameTemplate != "checksums.txt" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v", cfg.Checksum)
	}
	d := cfg.DockersV2[0]
	slices.Sort(d.Platforms)
	if d.Dockerfile != "Dockerfile" || strings.Join(d.Images, ",") != "ghcr.io/secctx-lint/secctx-lint" ||
		strings.Join(d.Platforms, ",") != "linux/amd64,linux/arm64" || d.BuildArgs["VERSION"] != "{{ .Tag }}" {
		t.Errorf("image %+v", d)
	}
	// The Dockerfile builds from source in a context that holds only
	// these files: every package of the binary must be there.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", root+"/cmd/secctx-lint").Output()
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(abs, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a dependency from the module cache
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		if !slices.Contains(d.Files, top) {
			t.Errorf("dockers_v2 extra_files lack %s (package %s): the image build would fail", top, rel)
		}
	}
	for _, want := range []string{"go.mod", "go.sum", "LICENSE", "NOTICE"} {
		if !slices.Contains(d.Files, want) {
			t.Errorf("dockers_v2 extra_files lack %s", want)
		}
	}
}
