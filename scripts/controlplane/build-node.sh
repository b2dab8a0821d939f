#!/usr/bin/env bash
# Builds the real node's binaries (first time only; cached like the control plane's):
#   $1 (the control plane's bin dir): kubelet, from the same module and with the same flags as
#      kube-apiserver (-trimpath, the default CGO_ENABLED), so it shares their Go build cache;
#   $2 (a dir named after the versions below): containerd, ctr, containerd-shim-runc-v2, runc
#      (cgo, -tags seccomp: the kubelet always asks RuntimeDefault seccomp for the sandbox) and
#      the CNI plugins bridge, host-local, loopback.
set -euo pipefail
k8s_bin=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
K8S_VERSION=${K8S_VERSION:-$(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod)}
[[ $K8S_VERSION =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "build-node: bad K8S_VERSION $K8S_VERSION" >&2; exit 2; }
minor=${BASH_REMATCH[1]}
mkdir -p "$out"
progress=$here/../progress
containerd=$(cat containerd.version) runc=$(cat runc.version) cni=$(cat cni-plugins.version)
if [[ ! -x $k8s_bin/kubelet || ! -x $out/containerd || ! -x $out/runc || ! -x $out/cni/bridge ]]; then
  # Measured (README, The real node): 7 minutes for all four, the control plane's build cache warm.
  echo "building the real node's kubelet, containerd, runc and CNI plugins into $k8s_bin and $out, first time only:" \
    "on a 2-core machine this took 7 minutes after the control plane's build; this one has $(nproc) cores." >&2
fi
if [[ ! -x $k8s_bin/kubelet ]]; then
  src=$here
  [[ $K8S_VERSION == "$(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod)" ]] || src=$(cd "$k8s_bin/.." && pwd)/module
  v=k8s.io/component-base/version
  ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  "$progress" "building kubelet $K8S_VERSION" "$k8s_bin" -- \
    bash -c 'cd "$1" && exec go build -v -trimpath -ldflags "$2" -o "$3/" k8s.io/kubernetes/cmd/kubelet' _ "$src" "$ldflags" "$k8s_bin"
fi
if [[ ! -x $out/containerd || ! -x $out/ctr || ! -x $out/containerd-shim-runc-v2 ]]; then
  CGO_ENABLED=0 GOBIN=$out "$progress" "building containerd $containerd" "$out" -- go install -v -trimpath -tags 'no_btrfs no_devmapper no_zfs' -ldflags "-s -w" \
    "github.com/containerd/containerd/v2/cmd/containerd@$containerd" \
    "github.com/containerd/containerd/v2/cmd/ctr@$containerd" \
    "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$containerd"
fi
if [[ ! -x $out/runc ]]; then
  if ! pkg-config --exists libseccomp 2>/dev/null; then
    echo "installing libseccomp-dev (runc's seccomp support)" >&2
    apt-get install -y -q libseccomp-dev >&2 || { apt-get update -q >&2 && apt-get install -y -q libseccomp-dev >&2; }
  fi
  CGO_ENABLED=1 GOBIN=$out "$progress" "building runc $runc" "$out" -- go install -v -trimpath -tags seccomp -ldflags "-s -w" "github.com/opencontainers/runc@$runc"
fi
if [[ ! -x $out/cni/bridge || ! -x $out/cni/host-local || ! -x $out/cni/loopback ]]; then
  mkdir -p "$out/cni"
  CGO_ENABLED=0 GOBIN=$out/cni "$progress" "building the CNI plugins $cni" "$out/cni" -- go install -v -trimpath -ldflags "-s -w" \
    "github.com/containernetworking/plugins/plugins/main/bridge@$cni" \
    "github.com/containernetworking/plugins/plugins/ipam/host-local@$cni" \
    "github.com/containernetworking/plugins/plugins/main/loopback@$cni"
fi
