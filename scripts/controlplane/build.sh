#!/usr/bin/env bash
# Builds the control-plane binaries into $1 (a cache dir outside the repo).
# Reused when they exist: the dir name carries the Kubernetes and kwok versions.
#
# The Kubernetes version is the one go.mod pins, unless K8S_VERSION (vX.Y.Z) names another: then
# kube-apiserver, kube-controller-manager and kube-scheduler are built from a module generated next
# to $1 that requires k8s.io/kubernetes at that version, with its staging modules (k8s.io/api,
# k8s.io/client-go, ...; the list is read from that version's own go.mod) replaced by their
# v0.Y.Z releases, as any program building Kubernetes from Go modules must. etcd always comes from
# the pinned module here: its wire API is stable across these releases.
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
PINNED=$(awk '$1=="k8s.io/kubernetes"{print $2}' "$here/go.mod")
K8S_VERSION=${K8S_VERSION:-$PINNED}
KWOK_VERSION=$(cat "$here/kwok.version")
[[ $K8S_VERSION =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "build: K8S_VERSION must look like v1.34.4, not \"$K8S_VERSION\"" >&2; exit 2; }
minor=${BASH_REMATCH[1]}
staging_version=v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
mkdir -p "$out"

# A module for K8S_VERSION in $1/../module (made once; the go.sum it gets pins what was built).
module_for() {
  local dir gomod staging m
  dir=$(cd "$out/.." && pwd)/module
  if [[ ! -f $dir/go.sum ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | awk -F'"' '$2=="GoMod"{print $4}')
    [[ -f $gomod ]] || { echo "build: the Go module proxy has no k8s.io/kubernetes $K8S_VERSION" >&2; exit 1; }
    # Its replace block: "k8s.io/api => ./staging/src/k8s.io/api".
    staging=$(awk '$2=="=>" && $3 ~ /^\.\/staging\/src\// {print $1}' "$gomod")
    [[ -n $staging ]] || { echo "build: no staging modules found in k8s.io/kubernetes $K8S_VERSION's go.mod" >&2; exit 1; }
    (
      cd "$dir"
      printf 'module kubectl-copy-target/controlplane\n\ngo 1.24\n' >go.mod
      grep -v 'go.etcd.io' "$here/tools.go" >tools.go
      local edits=(-require "k8s.io/kubernetes@$K8S_VERSION")
      for m in $staging; do edits+=(-replace "$m=$m@$staging_version"); done
      go mod edit "${edits[@]}"
      "$here/../progress" "resolving the modules of k8s.io/kubernetes $K8S_VERSION" "$dir" -- go mod tidy
    ) >&2
  fi
  echo "$dir"
}

progress=$here/../progress
# One `go build -v` per binary: the progress line names the one being built and the package being
# compiled; the Go build cache shares the common packages between them.
build_k8s() { # binary (from cmd/<binary> of k8s.io/kubernetes)
  [[ -x $out/$1 ]] && return 0
  "$progress" "building $1 $K8S_VERSION" "$out" -- \
    bash -c 'cd "$1" && exec go build -v -trimpath -ldflags "$2" -o "$3/" "k8s.io/kubernetes/cmd/$4"' _ "$src" "$ldflags" "$out" "$1"
}
missing=()
for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok; do [[ -x $out/$b ]] || missing+=("$b"); done
if ((${#missing[@]})); then
  # Measured on a 2-core machine with empty Go module and build caches: 7m51s idle, 18.5 min (1109 s)
  # while other work shared it. Go compiles on every core: more cores, less time.
  how_long=""
  [[ -x $out/kube-apiserver ]] || how_long=": on a 2-core machine with empty Go caches this took 8 to 19 minutes; this one has $(nproc) cores"
  echo "building ${missing[*]} (Kubernetes $K8S_VERSION, kwok $KWOK_VERSION) into $out, first time only$how_long" >&2
fi
if [[ ! -x $out/kube-apiserver || ! -x $out/kube-controller-manager || ! -x $out/kube-scheduler || ! -x $out/etcd ]]; then
  src=$here
  [[ $K8S_VERSION == "$PINNED" ]] || src=$(module_for)
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  ldflags+=" -X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  build_k8s kube-apiserver
  build_k8s kube-controller-manager
  build_k8s kube-scheduler
  [[ -x $out/etcd ]] || "$progress" "building etcd" "$out" -- go build -v -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
fi
if [[ ! -x $out/kwok ]]; then
  GOBIN=$out "$progress" "building kwok $KWOK_VERSION" "$out" -- go install -v -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
fi
