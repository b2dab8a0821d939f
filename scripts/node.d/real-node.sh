# The real node, sourced by scripts/cluster: a kubelet, containerd, runc and the CNI bridge running
# real containers beside the simulated kwok nodes. Everything lives under $state/node or is
# recorded there (the bridge, saved sysctls, the cgroup root, netns and mounts under the state
# dir), and node_down removes or restores all of it, also after a failed or interrupted `up`.
# One per machine: the bridge and the cgroup root have fixed names.

node_dir=$state/node
node_name=copy-target-real
bridge=copytarget0
bridge_cidr=10.88.77.1/24 # the node IP, the kubelet's address and the pods' gateway
node_ip=${bridge_cidr%/*}
cgroup_root=copytarget
node_sysctls=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward)
node_bin=$cache/node-containerd-$(cat "$controlplane/containerd.version")-runc-$(cat "$controlplane/runc.version")-cni-$(cat "$controlplane/cni-plugins.version")/bin
node_taint=copy-target.dev/real-node

# Why the real node cannot run here (one line), or nothing when it can.
node_cannot_run() {
  ((EUID == 0)) || { echo "it needs root (a kubelet, containerd and a network bridge)"; return; }
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || { echo "the kernel has no overlay filesystem"; return; }
  [[ -d /sys/fs/cgroup/memory || -f /sys/fs/cgroup/cgroup.controllers ]] || { echo "no memory cgroup controller is mounted"; return; }
  command -v ip >/dev/null || { echo "the ip command (iproute2) is missing"; return; }
  ip link add cptprobe0 type bridge 2>/dev/null && ip link del cptprobe0 || { echo "no network bridge can be made here"; return; }
  if ip link show "$bridge" >/dev/null 2>&1; then
    echo "the bridge $bridge exists: another state dir's real node runs on this machine (one per machine; \`down\` that one)"
    return
  fi
}

# The cgroup dirs of the node's root in each mounted hierarchy (v1 controllers and the v2 one).
node_cgroup_dirs() {
  local h; for h in /sys/fs/cgroup/* /sys/fs/cgroup; do
    [[ -d $h/$cgroup_root ]] && echo "$h/$cgroup_root"
  done | sort -u
}

node_make_cgroups() {
  local h
  for h in /sys/fs/cgroup/*; do
    [[ -d $h && -f $h/cgroup.procs ]] || continue
    mkdir -p "$h/$cgroup_root"
    if [[ -f $h/cpuset.cpus ]]; then # a v1 cpuset child starts empty: take the parent's
      cat "$h/cpuset.cpus" >"$h/$cgroup_root/cpuset.cpus"; cat "$h/cpuset.mems" >"$h/$cgroup_root/cpuset.mems"
    fi
  done
}

node_certs() {
  local d=$state/pki
  local sign=(openssl ca -batch -config "$d/ca.cnf" -startdate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)" -notext -cert "$d/ca.crt" -keyfile "$d/ca.key")
  openssl req -new -newkey rsa:2048 -nodes -subj "/O=system:nodes/CN=system:node:$node_name" -keyout "$d/kubelet-client.key" -out "$d/kubelet-client.csr" 2>/dev/null
  "${sign[@]}" -in "$d/kubelet-client.csr" -out "$d/kubelet-client.crt" -extensions client_ext 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$node_name" -keyout "$d/kubelet.key" -out "$d/kubelet.csr" 2>/dev/null
  "${sign[@]}" -in "$d/kubelet.csr" -out "$d/kubelet.crt" -extensions kubelet_ext 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" -keyout "$d/apiserver-kubelet-client.key" -out "$d/apiserver-kubelet-client.csr" 2>/dev/null
  "${sign[@]}" -in "$d/apiserver-kubelet-client.csr" -out "$d/apiserver-kubelet-client.crt" -extensions client_ext 2>/dev/null
  chmod 600 "$d"/kubelet*.key "$d/apiserver-kubelet-client.key"
  cat >"$node_dir/kubelet.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$d/ca.crt"}
users:
- name: node
  user: {client-certificate: "$d/kubelet-client.crt", client-key: "$d/kubelet-client.key"}
contexts:
- name: node
  context: {cluster: local, user: node}
current-context: node
KC
  chmod 600 "$node_dir/kubelet.kubeconfig"
}

# The app and pause images: one static binary (test/app) in docker-archive tars, imported into
# containerd's k8s.io namespace. No registry: pods use imagePullPolicy Never or IfNotPresent.
node_images() {
  local work=$node_dir/images root
  root=$work/rootfs
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  (cd "$repo/test/app" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=1" -o "$root/app" .)
  local a; for a in sh cat echo env sleep true false write; do ln -sf ../app "$root/bin/$a"; done
  ln -sf app "$root/pause"
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
  local layer_sha; layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  image_tar() { # tag entrypoint-json env-json
    local dir=$work/$(echo "$1" | tr '/:' '__') cfg_sha
    mkdir -p "$dir/$layer_sha"
    ln -f "$work/layer.tar" "$dir/$layer_sha/layer.tar"
    printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":%s,"Env":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$2" "$3" "$layer_sha" >"$dir/config.json"
    cfg_sha=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
    mv "$dir/config.json" "$dir/$cfg_sha.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg_sha" "$1" "$layer_sha" >"$dir/manifest.json"
    tar -C "$dir" -cf "$dir.tar" .
    "$node_bin/ctr" --address "$node_dir/containerd.sock" -n k8s.io images import --local "$dir.tar" 2>&1 >/dev/null | grep -v "DEPRECATION: The support for cgroup v1" >&2 || true
  }
  image_tar copy-target.local/app:1 '["/app"]' '["PATH=/bin:/"]'
  image_tar copy-target.local/app:2 '["/app"]' '["PATH=/bin:/","APP_VERSION=2"]'
  image_tar copy-target.local/pause:1 '["/pause"]' '["PATH=/bin:/"]'
}

node_configs() {
  mkdir -p "$node_dir"/{cni,cni-ipam,kubelet,pod-logs,containerd,opt}
  cat >"$node_dir/containerd.toml" <<TOML
version = 3
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$node_dir/containerd.sock"
[ttrpc]
  address = "$node_dir/containerd.sock.ttrpc"
[plugins.'io.containerd.internal.v1.opt']
  path = "$node_dir/opt"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "copy-target.local/pause:1"
[plugins.'io.containerd.cri.v1.runtime']
  enable_selinux = false
  restrict_oom_score_adj = true
  tolerate_missing_hugetlb_controller = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$node_bin/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$node_bin/cni"]
    conf_dir = "$node_dir/cni"
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
TOML
  cat >"$node_dir/cni/10-copytarget.conflist" <<CNI
{"cniVersion": "1.0.0", "name": "copytarget", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$node_dir/cni-ipam",
            "ranges": [[{"subnet": "${node_ip%.*}.0/24", "rangeStart": "${node_ip%.*}.10", "gateway": "$node_ip"}]]}}]}
CNI
  cat >"$node_dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
port: $kubelet_port
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
readOnlyPort: 0
tlsCertFile: $state/pki/kubelet.crt
tlsPrivateKeyFile: $state/pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $state/pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$node_dir/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$cgroup_root
failSwapOn: false
failCgroupV1: false
resolvConf: ""
podLogsDir: $node_dir/pod-logs
registerWithTaints: [{key: $node_taint, value: "true", effect: NoSchedule}]
evictionHard: {memory.available: 1Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
}

node_up() {
  log "real node: building kubelet, containerd, runc and CNI plugins if not cached"
  K8S_VERSION=$k8s_version "$controlplane/build-node.sh" "$bin" "$node_bin"
  mkdir -p "$node_dir"
  # Saved before anything changes them; node_down puts them back.
  local s; for s in "${node_sysctls[@]}"; do
    [[ -e /proc/sys/${s//.//} ]] && echo "$s=$(sysctl -n "$s")"
  done >"$node_dir/sysctls.new" && mv "$node_dir/sysctls.new" "$node_dir/sysctls"
  echo "$bridge" >"$node_dir/bridge"
  ip link add "$bridge" type bridge
  ip addr add "$bridge_cidr" dev "$bridge"
  ip link set "$bridge" up
  echo "$cgroup_root" >"$node_dir/cgroup-root"
  node_make_cgroups
  read -r kubelet_port kubelet_healthz_port < <(free_ports 2)
  node_certs
  node_configs
  echo "$node_bin/containerd" >"$state/exes/containerd"
  echo "$bin/kubelet" >"$state/exes/kubelet"
  start_as containerd env PATH="$node_bin:$PATH" "$node_bin/containerd" --config "$node_dir/containerd.toml"
  wait_for containerd 30 "$node_bin/ctr" --address "$node_dir/containerd.sock" version
  node_images
  start_as kubelet "$bin/kubelet" --config "$node_dir/kubelet.yaml" --kubeconfig "$node_dir/kubelet.kubeconfig" \
    --root-dir "$node_dir/kubelet" --hostname-override "$node_name" --node-ip "$node_ip" \
    --node-labels "$node_taint=true"
}

# Stops and removes everything node_up made, in an order that leaves nothing behind; harmless on
# parts that were never made.
node_down() {
  [[ -d $node_dir ]] || return 0
  local pid p dir
  for p in kubelet containerd; do running "$p" && kill "$(pid_of "$p")" 2>/dev/null || true; done
  for p in kubelet containerd; do
    for _ in $(seq 50); do running "$p" || break; sleep 0.1; done
    running "$p" && kill -9 "$(pid_of "$p")" 2>/dev/null || true
  done
  # Every container process (pause included) sits in a cgroup under our root; the shims are ours
  # by their executable.
  for _ in 1 2 3; do
    for dir in $(node_cgroup_dirs); do
      find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    done
    for pid in /proc/[0-9]*; do
      [[ $(readlink "$pid/exe" 2>/dev/null) == "$node_bin/containerd-shim-runc-v2" ]] && kill -9 "${pid#/proc/}" 2>/dev/null
    done
    sleep 0.2
  done
  # Mounts under the state dir (overlay rootfs, shm, secrets, netns), deepest first.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v s="$state/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  [[ -f $node_dir/bridge ]] && ip link del "$(cat "$node_dir/bridge")" 2>/dev/null || true
  for dir in $(node_cgroup_dirs); do
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -f $node_dir/sysctls ]]; then
    while IFS= read -r s; do sysctl -q -w "$s" >/dev/null 2>&1 || true; done <"$node_dir/sysctls"
  fi
}

node_status() {
  if [[ -f $state/real-node-off ]]; then echo "real node: off ($(cat "$state/real-node-off"))"; return 0; fi
  local ok=0 p
  for p in containerd kubelet; do running "$p" || { echo "$p: not running"; ok=1; }; done
  local ready
  ready=$(kubectl --kubeconfig "$kubeconfig" --context admin get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)
  [[ $ready == True ]] || { echo "real node $node_name: not Ready"; ok=1; }
  ((ok == 0)) && echo "real node: $node_name Ready ($node_ip, bridge $bridge)"
  return $ok
}
