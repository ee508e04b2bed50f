#!/usr/bin/env bash
# Side-by-side comparison of secctx-lint with the bare yaml.v3 parse
# (../shared/bench/parsebase, the floor) and kube-score v1.20.0 on generated
# inputs, and peak RSS per format, as ../shared/bench/README.md describes.
#
#   bench/compare.sh [RUNS]        (default 5 timed runs after one warm-up)
#
# Environment: SHARED (default ../shared beside the repository), KUBE_SCORE
# (a kube-score binary; else it is installed with go install into a
# temporary folder, which needs the network once).
# All three commands are timed in turn (A B C A B C ...) so that drift of a
# shared machine hits them alike; medians are printed with the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shared=${SHARED:-../shared}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

# Built as releases and the image build it (.goreleaser.yaml, Dockerfile):
# static, without symbols or DWARF. Peak RSS counts the binary's resident
# pages, and a default (cgo, DWARF) build of the same code peaks about
# 20 MiB higher before it reads a byte, so measuring that build would judge
# a binary nobody ships.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$D/secctx-lint" ./cmd/secctx-lint
(cd "$shared/bench/parsebase" && go build -o "$D/parsebase" .)
ks=${KUBE_SCORE:-}
if [ -z "$ks" ]; then
  GOBIN="$D" go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0
  ks="$D/kube-score"
fi

python3 "$shared/bench/gen-deployments.py" 2000 "$D/d2k"
python3 "$shared/bench/gen-deployments.py" 20000 "$D/d20k"
# One 20 MB file of 200,000 small Pods, one document each.
python3 - "$D/pods.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write(f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\nspec:\n  containers:\n  - name: app\n    image: nginx\n")
PY

# wall CMD...: prints the wall seconds of one run (output discarded).
wall() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  local t1=$EPOCHREALTIME
  python3 -c "print(${t1/,/.} - ${t0/,/.})"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

lint=("$D/secctx-lint" --strict --format json "$D/d2k")
base=("$D/parsebase" "$D/d2k")
kube=("$ks" score -o ci "$D"/d2k/*.yaml)
diff=("$D/secctx-lint" --strict --diff --format json "$D/d2k")
: >"$D/t.lint"; : >"$D/t.base"; : >"$D/t.kube"; : >"$D/t.diff"
wall "${lint[@]}" >/dev/null; wall "${base[@]}" >/dev/null; wall "${kube[@]}" >/dev/null; wall "${diff[@]}" >/dev/null
for _ in $(seq "$runs"); do
  wall "${lint[@]}" >>"$D/t.lint"
  wall "${base[@]}" >>"$D/t.base"
  wall "${kube[@]}" >>"$D/t.kube"
  wall "${diff[@]}" >>"$D/t.diff"
done
l=$(median <"$D/t.lint"); b=$(median <"$D/t.base"); k=$(median <"$D/t.kube"); df=$(median <"$D/t.diff")
echo "2000 files, medians of $runs (wall seconds):"
printf '  secctx-lint --strict --format json  %.3f\n  parsebase                           %.3f\n  kube-score score -o ci              %.3f\n  secctx-lint --strict --diff         %.3f\n' "$l" "$b" "$k" "$df"
python3 -c "print('  ratio to parsebase  %.2f  (goal <= 1.5)' % ($l/$b)); print('  ratio to kube-score %.2f  (goal <= 0.2)' % ($l/$k)); print('  --diff throughput / lint throughput %.2f  (goal >= 0.7)' % ($l/$df))"

echo "peak RSS (MiB) of secctx-lint --strict (goals: 40 / 60 / 200):"
printf '  %-8s %10s %10s %12s\n' format 2000-files 20000-files 200k-pods
for format in json sarif text github; do
  row=()
  for in in "$D/d2k" "$D/d20k" "$D/pods.yaml"; do
    /usr/bin/time -o "$D/rss" -f %M "$D/secctx-lint" --strict --format "$format" "$in" >/dev/null 2>&1 || true
    kb=$(tail -1 "$D/rss")
    row+=("$(( kb / 1024 ))")
  done
  printf '  %-8s %10s %10s %12s\n' "$format" "${row[@]}"
done
