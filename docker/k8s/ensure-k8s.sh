#!/usr/bin/env bash
# Makes sure a single-node Kubernetes answers on 127.0.0.1, built from offline parts:
# kubelet, kube-apiserver, kube-controller-manager and kube-scheduler from the Go module
# (build-k8s.sh), etcd and the CNI plugins from Debian sid's packages, a second containerd
# (Debian's, the one Docker uses, with its own root, state and socket), Debian's runc, and a
# pause image compiled from the module's source. Idempotent: quick when it already runs; a
# part that died is started again. `stop-k8s.sh` (make clean) removes it. Every port listens on
# 127.0.0.1 but the kubelet's: a node address may not be loopback, so it listens on an
# interface of this host with no port and takes only clients with this cluster's certificates.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=${VITESS_CHAOS_K8S_VERSION:-v1.34.4}
cache=${VITESS_CHAOS_CACHE:-$HOME/.cache/vitess-chaos}
log_dir=${VITESS_CHAOS_LOG_DIR:-/var/log/vitess-chaos}/k8s
# shellcheck source=paths.sh
source "$here/paths.sh"
bin="$cache/k8s/$version/bin"
parts="$cache/k8s/parts"
started=$SECONDS
say() { echo "[k8s] $* ($((SECONDS - started)) s)"; }
fail() { echo "[k8s] $*" >&2; exit 2; }

# --- Can it run here at all? -------------------------------------------------------------
[ "$(id -u)" = 0 ] || fail "the single-node Kubernetes runs its kubelet and containerd as root; run 'make k8s' as root (or point --kubeconfig at a cluster of your own)"
for c in cpu cpuacct memory pids freezer; do
  [ -d "/sys/fs/cgroup/$c" ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || fail "no $c cgroup under /sys/fs/cgroup: the kubelet needs cgroups (v1 or v2) mounted"
done
# What the node needs from Debian: containerd and runc come with docker.io (make docker).
declare -A package_of=([containerd]=containerd [runc]=runc [iptables]=iptables [nsenter]=util-linux [openssl]=openssl [gcc]="gcc libc6-dev" [curl]=curl [ctr]=containerd)
missing=()
for t in "${!package_of[@]}"; do command -v "$t" >/dev/null || missing+=(${package_of[$t]}); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || fail "missing: ${missing[*]}; install them and run 'make k8s' again"
  say "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
fi

mkdir -p "$log_dir" "$K8S_STATE" "$K8S_RUN"

# --- Parts: binaries, etcd, CNI plugins, pause image ---------------------------------------
if [ ! -x "$bin/kubelet" ] || [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kube-controller-manager" ] || [ ! -x "$bin/kube-scheduler" ]; then
  t0=$SECONDS
  say "building Kubernetes $version from its Go module (kubelet, apiserver, controller manager, scheduler: about 12 min of 2 cores the first time; log: $log_dir/build.log)"
  # A line a minute, so a long first build is never silent.
  ( while sleep 60; do say "still building Kubernetes $version, $((SECONDS - t0)) s"; done ) &
  ticker=$!
  "$here/build-k8s.sh" "$version" "$bin.partial" > "$log_dir/build.log" 2>&1 || { kill "$ticker"; tail -n 30 "$log_dir/build.log" >&2; fail "building Kubernetes $version failed; full log: $log_dir/build.log"; }
  kill "$ticker"
  rm -rf "$bin" && mv "$bin.partial" "$bin"
  say "built Kubernetes $version in $((SECONDS - t0)) s"
fi

if [ ! -x "$parts/etcd" ] || [ ! -x "$parts/cni/bridge" ]; then
  say "fetching etcd and the CNI plugins from Debian sid"
  apt_dir="$cache/k8s/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/debs" "$parts/cni"
  echo "deb http://deb.debian.org/debian sid main" > "$apt_dir/sources.list"
  # A private package list: the host's apt sources stay as they are. sid is a frozen snapshot here.
  apt_opts=(-q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update > "$log_dir/apt.log" 2>&1 || fail "apt-get update of Debian sid failed; log: $log_dir/apt.log"
  (cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download etcd-server containernetworking-plugins >> "$log_dir/apt.log" 2>&1) \
    || fail "downloading etcd-server and containernetworking-plugins from sid failed; log: $log_dir/apt.log"
  x=$(mktemp -d)
  for d in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$d" "$x"; done
  install -m 755 "$x/usr/bin/etcd" "$parts/etcd"
  for p in bridge host-local loopback portmap; do install -m 755 "$x/usr/lib/cni/$p" "$parts/cni/$p"; done
  rm -rf "$x"
fi

# --- Certificates and kubeconfigs (one CA; every component is a cluster admin: one user's machine)
pki="$K8S_STATE/pki"
if [ ! -f "$pki/admin.crt" ]; then
  say "making certificates"
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=vitess-chaos-k8s-ca" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:%s,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' "$K8S_NODE_IP" > apiserver.ext
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=vitess-chaos-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
  cat > "$K8S_KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: vitess-chaos
  cluster:
    server: https://127.0.0.1:$K8S_API_PORT
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: vitess-chaos
  context: {cluster: vitess-chaos, user: admin}
current-context: vitess-chaos
EOF
fi

# --- Configuration files (written each time: cheap, and a changed script takes effect) ----
cni_conf="$K8S_STATE/cni"
mkdir -p "$cni_conf" "$K8S_STATE/kubelet" "$K8S_STATE/etcd"
cat > "$cni_conf/10-vitess-chaos.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "vitess-chaos",
  "plugins": [
    { "type": "bridge", "bridge": "$K8S_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$K8S_POD_CIDR" }]], "dataDir": "$K8S_STATE/cni-ipam" } },
    { "type": "portmap", "capabilities": { "portMappings": true }, "snat": true }
  ]
}
EOF
cat > "$K8S_STATE/containerd.toml" <<EOF
version = 2
root = "$K8S_STATE/containerd"
state = "$K8S_RUN/containerd"
[grpc]
  address = "$K8S_CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$K8S_PAUSE_IMAGE"
  # Root here lacks CAP_SYS_RESOURCE: lowering oom_score_adj is refused, and without this every
  # pod sandbox fails in runc ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$parts/cni"
    conf_dir = "$cni_conf"
EOF
cat > "$K8S_STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# No systemd and cgroup v1 on these machines: cgroupfs, no QoS hierarchy, nothing reserved.
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
address: $K8S_NODE_IP
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
containerRuntimeEndpoint: unix://$K8S_CONTAINERD_SOCK
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
# A test machine's disk and memory are shared with Docker's images: evict only when nearly out.
evictionHard: {memory.available: "200Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
serializeImagePulls: false
maxPods: 60
EOF

alive() { [ -f "$K8S_RUN/$1.pid" ] && kill -0 "$(cat "$K8S_RUN/$1.pid")" 2>/dev/null; }
# setsid: the part outlives the make or CI step that started it; descriptors above 2 closed so it
# holds nothing of the caller's (a pipe someone waits on to close).
launch() {
  local name=$1; shift
  if alive "$name"; then return 0; fi
  say "starting $name (log: $log_dir/$name.log)"
  setsid bash -c 'for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; echo $$ > "$0"; exec "$@" 2>&1' \
    "$K8S_RUN/$name.pid" "$@" >> "$log_dir/$name.log" 2>&1 < /dev/null &
  for _ in $(seq 1 20); do [ -s "$K8S_RUN/$name.pid" ] && return 0; sleep 0.1; done
}
wait_until() {
  local what=$1 seconds=$2 log=$3; shift 3
  for _ in $(seq 1 $((seconds * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "[k8s] $what did not happen within $seconds s; last lines of $log:" >&2
  tail -n 15 "$log" >&2 || true
  exit 2
}
api() { curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "https://127.0.0.1:$K8S_API_PORT$1"; }

# Docker sets the FORWARD policy to DROP, and with br_netfilter loaded traffic between pods on
# one bridge passes that chain too: let the pods' bridge through (stop-k8s.sh takes it out).
for dir in -i -o; do
  iptables -C FORWARD "$dir" "$K8S_BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 "$dir" "$K8S_BRIDGE" -j ACCEPT
done

if ! ip -o addr show dev "$K8S_NODE_LINK" 2>/dev/null | grep -q " $K8S_NODE_IP/"; then
  # A bridge with no ports: the "dummy" link type is not in every kernel (not in these VMs').
  ip link show "$K8S_NODE_LINK" >/dev/null 2>&1 || ip link add "$K8S_NODE_LINK" type bridge
  ip addr add "$K8S_NODE_IP/32" dev "$K8S_NODE_LINK"
  ip link set "$K8S_NODE_LINK" up
fi

# --- Processes ------------------------------------------------------------------------------
launch containerd containerd --config "$K8S_STATE/containerd.toml"
wait_until "containerd answering on $K8S_CONTAINERD_SOCK" 30 "$log_dir/containerd.log" ctr --address "$K8S_CONTAINERD_SOCK" version

# containerd keeps short names fully qualified.
if ! ctr --address "$K8S_CONTAINERD_SOCK" -n k8s.io images ls -q | grep -qx "docker.io/$K8S_PAUSE_IMAGE"; then
  say "building the pause image from the module's pause.c"
  src=$(GOMODCACHE="$cache/go-mod" GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$version" 2>/dev/null | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || fail "cannot find k8s.io/kubernetes@$version in the Go module cache for pause.c"
  ctx=$(mktemp -d)
  gcc -Os -static -o "$ctx/pause" "$src/build/pause/linux/pause.c"
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' > "$ctx/Dockerfile"
  docker build -q -t "$K8S_PAUSE_IMAGE" "$ctx" >/dev/null 2>&1 || fail "building the pause image with docker failed"
  docker save "$K8S_PAUSE_IMAGE" | ctr --address "$K8S_CONTAINERD_SOCK" -n k8s.io images import - >/dev/null
  rm -rf "$ctx"
fi

launch etcd "$parts/etcd" --name vitess-chaos-k8s --data-dir "$K8S_STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$((K8S_ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((K8S_ETCD_PORT + 1))" \
  --initial-cluster "vitess-chaos-k8s=http://127.0.0.1:$((K8S_ETCD_PORT + 1))" --quota-backend-bytes 2147483648
wait_until "etcd answering" 30 "$log_dir/etcd.log" curl -sf "http://127.0.0.1:$K8S_ETCD_PORT/health"

launch kube-apiserver "$bin/kube-apiserver" --bind-address 127.0.0.1 --advertise-address "$K8S_NODE_IP" --secure-port "$K8S_API_PORT" \
  --etcd-servers "http://127.0.0.1:$K8S_ETCD_PORT" --service-cluster-ip-range 10.96.0.0/24 \
  --client-ca-file "$pki/ca.crt" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" --kubelet-preferred-address-types InternalIP \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc --authorization-mode Node,RBAC --allow-privileged=true
wait_until "the API server ready" 90 "$log_dir/kube-apiserver.log" api /readyz

launch kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$K8S_KUBECONFIG" --bind-address 127.0.0.1 \
  --leader-elect=false --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --use-service-account-credentials=false --cluster-cidr "$K8S_POD_CIDR" --allocate-node-cidrs=false
launch kube-scheduler "$bin/kube-scheduler" --kubeconfig "$K8S_KUBECONFIG" --bind-address 127.0.0.1 --leader-elect=false
launch kubelet "$bin/kubelet" --config "$K8S_STATE/kubelet/config.yaml" --kubeconfig "$K8S_KUBECONFIG" \
  --root-dir "$K8S_STATE/kubelet" --hostname-override "$K8S_NODE" --node-ip "$K8S_NODE_IP" --v 1
node_ready() { api "/api/v1/nodes/$K8S_NODE" | grep -q '"type":"Ready","status":"True"' || api "/api/v1/nodes/$K8S_NODE" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'; }
wait_until "node $K8S_NODE Ready" 120 "$log_dir/kubelet.log" node_ready
say "Kubernetes $version ready: node $K8S_NODE, API https://127.0.0.1:$K8S_API_PORT, kubeconfig $K8S_KUBECONFIG"
