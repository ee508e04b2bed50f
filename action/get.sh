#!/usr/bin/env bash
# Step "Get secctx-lint" of action.yml: put a secctx-lint binary at
# $RUNNER_TEMP/secctx-lint/bin/secctx-lint[.exe].
#
# On a release tag (uses: secctx-lint/secctx-lint@v1.2.3, or a major tag
# such as @v1 that points at a release's commit) it downloads that
# release's archive for the runner, checks it against the release's
# checksums.txt and unpacks it: no Go, a few seconds. On any other ref (a
# branch, a SHA, uses: ./), or when the tag has no release to download (a
# fork or GHES copy at a version tag), it says build=true and the later
# steps build from the action's source. A download that does not match
# checksums.txt fails the step.
#
# Environment (from action.yml; the SECCTX_LINT_* ones can be changed by
# tests):
#   SECCTX_LINT_REF        github.action_ref (empty for uses: ./)
#   SECCTX_LINT_REPOSITORY github.action_repository (owner/name)
#   SECCTX_LINT_RELEASES   base URL of release downloads
#                          (default $GITHUB_SERVER_URL/<repository>/releases/download)
#   SECCTX_LINT_GIT_URL    where to list tags to resolve a major tag
#                          (default $GITHUB_SERVER_URL/<repository>)
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_ACTION_PATH, GITHUB_OUTPUT
# Outputs: build (true/false), go-found (a Go >= 1.21 is on PATH),
# version, cache-key (for the build cache).
set -euo pipefail

say() { echo "secctx-lint: $*" >&2; }
output() { echo "$1=$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }

dir="$RUNNER_TEMP/secctx-lint"
mkdir -p "$dir/bin"
exe=""
case "${RUNNER_OS:-Linux}" in
  Linux) os=linux ;;
  macOS) os=darwin ;;
  Windows) os=windows exe=.exe ;;
  *) os="" ;;
esac
case "${RUNNER_ARCH:-X64}" in
  X64) arch=amd64 ;;
  ARM64) arch=arm64 ;;
  *) arch="" ;;
esac

sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The build cache key: the action's source, so a SHA or an unchanged
# branch hits and any change misses (hashFiles() cannot be used: it only
# reads files inside GITHUB_WORKSPACE, and the action lives outside it).
# Every file counts but those that cannot reach the binary: a Go file is
# not all that goes in (go:embed data such as azure/builtin/*.json, and
# action.yml's build command). internal/packaging checks the list. (SARIF
# files are left out too: with uses: ./ the action's folder is the
# workspace, where an earlier step of the job may have written one.)
source_key() {
  (
    cd "$GITHUB_ACTION_PATH"
    # One hashing process for all files (a fork per file is slow).
    hash=(sha256sum)
    if ! command -v sha256sum > /dev/null; then hash=(shasum -a 256); fi
    find . \( -path ./.git -o -path ./.github -o -path ./docs -o -name testdata \) -prune -o \
      -type f ! -name '*_test.go' ! -name '*.md' ! -name '*.sarif' -print0 |
      LC_ALL=C sort -z | xargs -0 "${hash[@]}"
  ) > "$dir/source.sha256"
  sha256 "$dir/source.sha256" | cut -c1-32
}

# build_from_source REASON [notice]: the later steps build; with notice,
# REASON is also a notice in the run's annotations (an unexpected cause).
build_from_source() {
  say "$1: building from the action's source"
  if [ "${2:-}" = notice ]; then
    echo "::notice title=secctx-lint::$1: building from the action's source instead (slower; nothing unverified runs)"
  fi
  output build true
  # Go 1.21 or newer on the runner can fetch the go.mod's toolchain itself
  # (GOTOOLCHAIN=auto) without changing the job's Go; without one,
  # actions/setup-go installs it.
  # The probe asks the Go on PATH about itself: outside the workspace and
  # with GOTOOLCHAIN=local, so that no go.mod or go.env line makes it
  # fetch another toolchain just to print a version (or, offline, count a
  # good Go as none).
  go_found=false
  if v=$(cd / && GOTOOLCHAIN=local go env GOVERSION 2> /dev/null) && [[ "$v" =~ ^go1\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 21 ]; then
    go_found=true
  fi
  output go-found "$go_found"
  output version ""
  output cache-key "secctx-lint-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}-$(source_key)"
  exit 0
}

ref="${SECCTX_LINT_REF:-}"
repo="${SECCTX_LINT_REPOSITORY:-secctx-lint/secctx-lint}"
server="${GITHUB_SERVER_URL:-https://github.com}"
semver='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

if [ -z "$ref" ]; then
  build_from_source "a local action (uses: ./)"
fi
if [ -z "$os" ] || [ -z "$arch" ]; then
  build_from_source "no release build for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"
fi
tag=""
if [[ "$ref" =~ $semver ]]; then
  tag="$ref"
elif [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
  # A moving major (or minor) tag: the release is the full version tag
  # on the same commit.
  git_url="${SECCTX_LINT_GIT_URL:-$server/$repo}"
  if tags=$(git ls-remote --tags "$git_url" 2> /dev/null); then
    commit=$(awk -v r="refs/tags/$ref" '$2 == r "^{}" { print $1; exit } $2 == r { c = $1 } END { if (c) print c }' <<< "$tags" | head -n1)
    on_commit=$(awk -v c="$commit" '$1 == c { sub("refs/tags/", "", $2); sub("\\^\\{\\}$", "", $2); print $2 }' <<< "$tags" |
      grep -E "$semver" || true)
    # A final release before any pre-release on the same commit (an rc
    # promoted unchanged): sort -V puts v1.2.3-rc.1 after v1.2.3.
    tag=$(grep -v -- - <<< "$on_commit" | sort -V | tail -n1 || true)
    if [ -z "$tag" ]; then tag=$(sort -V <<< "$on_commit" | tail -n1); fi
  fi
  if [ -z "$tag" ]; then
    build_from_source "no release tag found for $ref"
  fi
else
  build_from_source "$ref is not a release tag"
fi

version="${tag#v}"
ext=tar.gz
if [ "$os" = windows ]; then ext=zip; fi
archive="secctx-lint_${version}_${os}_${arch}.$ext"
base="${SECCTX_LINT_RELEASES:-$server/$repo/releases/download}/$tag"
say "downloading $archive of release $tag"
fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https,http' -o "$2" "$1"; }
# No release at the tag (a fork or a GitHub Enterprise copy has the tags
# but not the releases; a release still being made; one without this
# archive) is no reason to fail: the action's own source is at hand. A
# download that does not match checksums.txt is, below.
if ! fetch "$base/checksums.txt" "$dir/checksums.txt"; then
  build_from_source "no checksums.txt for release $tag at $base" notice
fi
if ! fetch "$base/$archive" "$dir/$archive"; then
  build_from_source "no $archive in release $tag at $base" notice
fi

want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$dir/checksums.txt")
got=$(sha256 "$dir/$archive")
if [ -z "$want" ]; then
  say "checksums.txt of $tag does not list $archive; refusing to run it"
  exit 1
fi
if [ "$want" != "$got" ]; then
  say "checksum mismatch for $archive: checksums.txt says $want, the download is $got; refusing to run it"
  rm -f "$dir/$archive"
  exit 1
fi

rm -rf "$dir/unpack"
mkdir -p "$dir/unpack"
if [ "$ext" = zip ]; then
  if command -v unzip > /dev/null; then
    unzip -q -o "$dir/$archive" -d "$dir/unpack"
  else
    powershell -NoProfile -Command "Expand-Archive -Force -LiteralPath '$dir/$archive' -DestinationPath '$dir/unpack'"
  fi
else
  tar -xzf "$dir/$archive" -C "$dir/unpack"
fi
mv -f "$dir/unpack/secctx-lint$exe" "$dir/bin/secctx-lint$exe"
chmod +x "$dir/bin/secctx-lint$exe"
say "verified $archive (sha256 $got)"
output build false
output go-found ""
output version "$tag"
output cache-key ""
