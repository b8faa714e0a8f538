#!/usr/bin/env bash
# Builds the local stack's Go binaries (temporal, etcd, Kubernetes, kwok, Prometheus)
# and helm (for the chart tests) into a cache outside the repo, keyed by version
# and by the wrapper go.mod/go.sum hash.
# A cache entry counts only if its manifest's checksums still match: a partial or
# corrupt entry is deleted and rebuilt, never trusted.
#
# Usage: scripts/build-tools.sh [--check] [component...]
#   --check   exit 0 if every named component is cached and intact, 1 otherwise (no build)
# With no component named it builds the local stack's (temporal etcd k8s kwok prometheus helm).
# prometheus-operator (for `dev up --with prometheus-operator`) and grafana-operator,
# the benchmark peer of bench/ (never part of the product), are built only when named.
# Prints, as its last lines, "<component>=<binary dir>" for each component.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${STACKWRIGHT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stackwright}
TEMPORAL_CLI_VERSION=v1.5.1
KWOK_STAGES_REV=2

check_only=0
if [[ ${1:-} == --check ]]; then check_only=1; shift; fi
components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(temporal etcd k8s kwok prometheus helm)
for c in "${components[@]}"; do
  case $c in
    temporal | etcd | k8s | kwok | prometheus | helm | grafana-operator | prometheus-operator) ;;
    *) echo "build-tools: unknown component '$c' (known: temporal etcd k8s kwok prometheus helm grafana-operator prometheus-operator)" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "build-tools: Go is not installed or not on PATH." >&2
  echo "  Install Go >= 1.25 (https://go.dev/doc/install, or 'apt-get install golang-go' if recent enough) and re-run." >&2
  exit 3
fi

# key <component> -> cache dir name
key() {
  local c=$1
  case $c in
    temporal) echo "temporal-$TEMPORAL_CLI_VERSION-$(go env GOVERSION)" ;;
    etcd | k8s | kwok | prometheus | helm | grafana-operator | prometheus-operator)
      local v h
      # The first required module's version: `require m v`, or the first line of a block.
      v=$(awk '/^require \(/{getline; print $2; exit} /^require /{print $3; exit}' "$ROOT/tools/$c/go.mod")
      # kwok's entry also holds the stages file, assembled with our stages from tools/kwok/stages/
      # (KWOK_STAGES_REV: bump when the assembly below changes).
      h=$( (cat "$ROOT/tools/$c/go.mod" "$ROOT/tools/$c/go.sum"
        [[ $c == kwok ]] && cat "$ROOT"/tools/kwok/stages/*.yaml && echo "$KWOK_STAGES_REV") | sha256sum | cut -c1-12)
      echo "$c-$v-$h-$(go env GOVERSION)"
      ;;
  esac
}

binaries() {
  case $1 in
    temporal) echo temporal ;;
    etcd) echo etcd ;;
    k8s) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    kwok) echo kwok stages.yaml ;;
    prometheus) echo prometheus ;;
    helm) echo helm ;;
    grafana-operator) echo grafana-operator ;;
    prometheus-operator) echo prometheus-operator crds.yaml ;;
  esac
}

intact() {
  local c=$1 dir=$2 b
  [[ -f $dir/MANIFEST ]] || return 1
  for b in $(binaries "$c"); do grep -q "  $b\$" "$dir/MANIFEST" || return 1; done
  (cd "$dir" && sha256sum --quiet --strict -c MANIFEST >/dev/null 2>&1)
}

build() {
  local c=$1 out=$2 tmp
  tmp="$out.partial.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  echo "build-tools: building $c into $out (first build takes minutes; progress below)" >&2
  local start=$SECONDS
  case $c in
    temporal)
      GOBIN="$tmp" GOFLAGS=-mod=mod go install -v -ldflags "-s -w" \
        "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" 2>&1 | progress "$c"
      ;;
    etcd)
      (cd "$ROOT/tools/etcd" && go build -v -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) 2>&1 | progress "$c"
      ;;
    k8s)
      local v minor
      v=$(awk '/^require /{print $3; exit}' "$ROOT/tools/k8s/go.mod")
      minor=$(echo "$v" | cut -d. -f2)
      local ld="-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1"
      ld+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
      ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
      (cd "$ROOT/tools/k8s" && go build -v -ldflags "$ld" -o "$tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl) 2>&1 | progress "$c"
      ;;
    kwok)
      (cd "$ROOT/tools/kwok" && go build -v -ldflags "-s -w" -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok) 2>&1 | progress "$c"
      # kwok needs Stage configs to move nodes and pods through their lifecycle; take
      # the fast node and general pod stages shipped in the same kwok module version,
      # and ours from tools/kwok/stages/ (a file of the same name replaces kwok's).
      # The general pod stages wait 1 s plus a random jitter of up to 4 s each; a
      # prometheus-operator pod passes four of them (init container, containers),
      # so a pod took 4–20 s to be Ready, at random. Without the jitter each stage
      # takes its 1 s: the same lifecycle, in a time tests and benchmarks can count on.
      local src f
      src=$(cd "$ROOT/tools/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
      for f in "$src"/node/fast/node-initialize.yaml "$src"/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml "$src"/pod/general/pod-*.yaml; do
        [[ -e $ROOT/tools/kwok/stages/$(basename "$f") ]] && continue
        printf -- '---\n' && sed '/^ *jitterDurationMilliseconds:/d' "$f"
      done > "$tmp/stages.yaml"
      for f in "$ROOT"/tools/kwok/stages/*.yaml; do printf -- '---\n' && cat "$f"; done >> "$tmp/stages.yaml"
      ;;
    grafana-operator)
      local v
      v=$(awk '/^require /{print $3; exit}' "$ROOT/tools/$c/go.mod")
      (cd "$ROOT/tools/$c" && go build -v -ldflags "-s -w -X github.com/grafana/grafana-operator/v5/embeds.Version=$v" \
        -o "$tmp/grafana-operator" github.com/grafana/grafana-operator/v5) 2>&1 | progress "$c"
      ;;
    prometheus-operator)
      # Without the version stamp its default config-reloader image tag comes out empty.
      local pkg=github.com/prometheus-operator/prometheus-operator
      (cd "$ROOT/tools/prometheus-operator" && go build -v \
        -ldflags "-s -w -X github.com/prometheus/common/version.Version=0.93.1" \
        -o "$tmp/prometheus-operator" "$pkg/cmd/operator") 2>&1 | progress "$c"
      # Its CRDs, taken from the same module version in the module cache (never copied
      # into the repo); dev up --with prometheus-operator installs them.
      local crds
      crds=$(cd "$ROOT/tools/prometheus-operator" && go list -m -f '{{.Dir}}' "$pkg")/example/prometheus-operator-crd
      for f in "$crds"/*.yaml; do
        printf -- '---\n' && cat "$f"
      done > "$tmp/crds.yaml"
      ;;
    prometheus)
      # Module v0.3MM.P is Prometheus 3.MM.P; stamp that version so /api/v1/status/buildinfo
      # (which Grafana's health check and version detection read) reports it. Built without
      # the builtinassets tag: the module does not carry the compiled web UI, only the API.
      local mv pv
      mv=$(awk '/^require /{print $3; exit}' "$ROOT/tools/prometheus/go.mod")
      pv=$(echo "$mv" | sed -E 's/^v0\.3([0-9][0-9])\.([0-9]+)$/3.\1.\2/; s/^3\.0([0-9])/3.\1/')
      local ld="-s -w -X github.com/prometheus/common/version.Version=$pv"
      ld+=" -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.Revision=$mv"
      (cd "$ROOT/tools/prometheus" && go build -v -ldflags "$ld" -o "$tmp/prometheus" \
        github.com/prometheus/prometheus/cmd/prometheus) 2>&1 | progress "$c"
      ;;
    helm)
      local hv
      hv=$(awk '/^require /{print $3; exit}' "$ROOT/tools/helm/go.mod")
      (cd "$ROOT/tools/helm" && go build -v -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$hv -X helm.sh/helm/v4/internal/version.metadata=" \
        -o "$tmp/helm" helm.sh/helm/v4/cmd/helm) 2>&1 | progress "$c"
      ;;
  esac
  local b
  for b in $(binaries "$c"); do
    [[ -s $tmp/$b ]] || { echo "build-tools: $c build did not produce $b" >&2; exit 1; }
  done
  (cd "$tmp" && sha256sum $(binaries "$c") > MANIFEST)
  rm -rf "$out" && mv "$tmp" "$out"
  echo "build-tools: built $c in $((SECONDS - start))s" >&2
}

# go build -v prints one package per line; show a count every 50 so a first
# build visibly progresses without flooding the terminal.
progress() {
  local n=0 line
  while IFS= read -r line; do
    n=$((n + 1))
    # Compiler and go-command errors; package names and downloads are only counted.
    if [[ $line == "# "* || $line == *.go:[0-9]* || ($line == "go: "* && $line != "go: downloading"*) ]]; then
      echo "  [$1] $line" >&2
    fi
    if ((n % 50 == 0)); then echo "  [$1] $n packages compiled" >&2; fi
  done
  return 0
}

mkdir -p "$CACHE/bin"
status=0
results=()
for c in "${components[@]}"; do
  dir="$CACHE/bin/$(key "$c")"
  if intact "$c" "$dir"; then
    results+=("$c=$dir")
    continue
  fi
  if ((check_only)); then status=1; continue; fi
  [[ -e $dir ]] && echo "build-tools: cache entry $dir is incomplete or corrupt; rebuilding" >&2
  set +e
  (set -e -o pipefail; build "$c" "$dir")
  rc=$?
  set -e
  if ((rc != 0)); then echo "build-tools: building $c failed (exit $rc)" >&2; exit 1; fi
  results+=("$c=$dir")
done
printf '%s\n' "${results[@]}"
exit $status
