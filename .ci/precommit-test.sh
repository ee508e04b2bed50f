#!/usr/bin/env bash
# Runs this repository's pre-commit hooks for real, with Debian's pre-commit,
# in a throw-away git repository: a commit of a good manifest must pass, a
# commit of a bad one must be refused. pre-commit clones this repository at
# HEAD (commit first: uncommitted changes are not tested) and builds the hook
# with `go install ./...` (modules from the Go module proxy).
#
# Usage, from the repository root: .ci/precommit-test.sh
set -euo pipefail

repo=$(git rev-parse --show-toplevel)
rev=$(git -C "$repo" rev-parse HEAD)

if ! command -v pre-commit > /dev/null; then
	echo "precommit-test: installing pre-commit with apt" >&2
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pre-commit > /dev/null
fi
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
	echo "precommit-test: note: uncommitted changes are not tested; testing $rev" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PRE_COMMIT_HOME="$tmp/cache"
# A fixed constraint set, so that the test does not depend on which built-in
# rules exist yet.
cp "$repo/cmd/secctx-lint/testdata/constraints.yaml" "$tmp/constraints.yaml"

hooks="      - id: secctx-lint
        args: [--constraint, $tmp/constraints.yaml]"
hooks="$hooks
      - id: secctx-lint-fix
        args: [--constraint, $tmp/constraints.yaml, --fix]
        stages: [manual]"

work="$tmp/repo"
git init -q "$work"
cd "$work"
git config user.email precommit-test@example.invalid
git config user.name precommit-test
git config commit.gpgsign false
cat > .pre-commit-config.yaml << YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
$hooks
YAML
cat > good.yaml << 'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
  containers:
    - name: app
      image: nginx
      securityContext:
        allowPrivilegeEscalation: false
YAML
cat > bad.yaml << 'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx
          securityContext:
            privileged: true
YAML
echo '{"name": "not a manifest"}' > package.json
# pre-commit names it too: a list at the top is no manifest (skipped).
printf -- '- hosts: all\n  tasks:\n    - debug: {msg: "{{ inventory_hostname }}"}\n' > playbook.yml

fail() {
	echo "precommit-test: FAIL: $*" >&2
	exit 1
}

pre-commit install > /dev/null
git add .pre-commit-config.yaml good.yaml package.json playbook.yml
if ! git commit -q -m good > "$tmp/good.log" 2>&1; then
	cat "$tmp/good.log" >&2
	fail "the commit of a good manifest was refused"
fi
grep -q "^secctx-lint\.*Passed" "$tmp/good.log" || {
	cat "$tmp/good.log" >&2
	fail "the hook did not run on the good manifest"
}
echo "precommit-test: ok: good manifest committed"

git add bad.yaml
if git commit -q -m bad > "$tmp/bad.log" 2>&1; then
	cat "$tmp/bad.log" >&2
	fail "the commit of a bad manifest passed"
fi
grep -q "bad.yaml:12:13: error privileged-containers" "$tmp/bad.log" || {
	cat "$tmp/bad.log" >&2
	fail "the refusal does not name the finding"
}
echo "precommit-test: ok: bad manifest refused"

# A Helm chart: a changed template has its chart rendered, and the finding
# names the template line.
git rm -q --cached bad.yaml && rm bad.yaml
mkdir -p chart/templates
printf 'apiVersion: v2\nname: chart\nversion: 0.1.0\n' > chart/Chart.yaml
printf 'image: nginx\n' > chart/values.yaml
cat > chart/templates/deployment.yaml << 'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  template:
    spec:
      containers:
        - name: app
          image: {{ .Values.image }}
          securityContext:
            privileged: true
YAML
git add chart
if git commit -q -m chart > "$tmp/chart.log" 2>&1; then
	cat "$tmp/chart.log" >&2
	fail "the commit of a bad chart template passed"
fi
grep -q "chart/templates/deployment.yaml:12:13: error privileged-containers" "$tmp/chart.log" || {
	cat "$tmp/chart.log" >&2
	fail "the refusal does not name the template line"
}
git reset -q && rm -rf chart
echo "precommit-test: ok: bad chart template refused"

cat > fixable.yaml << 'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: fixable
spec:
  containers:
    - name: app
      image: nginx
YAML
cp fixable.yaml "$tmp/fixable.orig"
# Staged, as in a commit: pre-commit fails a hook that changes a file
# it was given (it compares the working tree with the index).
git add fixable.yaml
if pre-commit run --hook-stage manual secctx-lint-fix --files fixable.yaml > "$tmp/fix.log" 2>&1; then
	cat "$tmp/fix.log" >&2
	fail "secctx-lint-fix passed on a file it must change"
fi
cmp -s fixable.yaml "$tmp/fixable.orig" && fail "secctx-lint-fix did not change fixable.yaml"
pre-commit run secctx-lint --files fixable.yaml > "$tmp/refix.log" 2>&1 || {
	cat "$tmp/refix.log" >&2
	fail "the fixed file still fails secctx-lint"
}
echo "precommit-test: ok: secctx-lint-fix fixed a manifest"
echo "precommit-test: PASS ($rev)"
