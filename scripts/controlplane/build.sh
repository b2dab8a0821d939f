#!/usr/bin/env bash
# Builds the pinned control-plane binaries into $1 (a cache dir outside the repo).
# Reused when they exist: the dir name carries the Kubernetes and kwok versions.
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
K8S_VERSION=$(go list -m -f "{{.Version}}" k8s.io/kubernetes)
KWOK_VERSION=$(cat "$here/kwok.version")
mkdir -p "$out"
if [[ ! -x $out/kube-apiserver || ! -x $out/kube-controller-manager || ! -x $out/kube-scheduler || ! -x $out/etcd ]]; then
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  ldflags+=" -X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION and etcd (first time only)" >&2
  go build -trimpath -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
  go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
fi
if [[ ! -x $out/kwok ]]; then
  echo "building kwok $KWOK_VERSION (first time only)" >&2
  GOBIN=$out go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
fi
