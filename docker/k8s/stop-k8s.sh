#!/usr/bin/env bash
# Removes the single-node Kubernetes ensure-k8s.sh started: its pods' containers, its
# processes, its bridge and its state (the built binaries stay in the cache). Quiet when none runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=paths.sh
source "$here/paths.sh"
[ -d "$K8S_RUN" ] || [ -d "$K8S_STATE" ] || exit 0
stop() {
  local f=$K8S_RUN/$1.pid
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
# The kubelet first, so it starts nothing again; then every container of the pods (their shims
# outlive containerd), then the control plane.
stop kubelet
if [ -S "$K8S_CONTAINERD_SOCK" ]; then
  ctr_() { ctr --address "$K8S_CONTAINERD_SOCK" -n k8s.io "$@"; }
  for c in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
  for _ in $(seq 1 50); do [ -z "$(ctr_ tasks ls -q 2>/dev/null | head -1)" ] && break; ctr_ tasks ls -q 2>/dev/null | xargs -r -n1 ctr --address "$K8S_CONTAINERD_SOCK" -n k8s.io tasks delete >/dev/null 2>&1 || true; sleep 0.2; done
  for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" >/dev/null 2>&1 || true; done
fi
for p in kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do stop "$p"; done
# Shims of a containerd that is gone, and the pods' network namespaces and mounts.
pkill -9 -f "containerd-shim-runc-v2 -namespace k8s.io -id .* -address $K8S_CONTAINERD_SOCK" 2>/dev/null || true
grep -E " ($K8S_STATE|$K8S_RUN)[^ ]* " /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
ip link delete "$K8S_BRIDGE" 2>/dev/null || true
ip link delete "$K8S_NODE_LINK" 2>/dev/null || true
for dir in -i -o; do while iptables -D FORWARD "$dir" "$K8S_BRIDGE" -j ACCEPT 2>/dev/null; do :; done; done
# portmap's NAT chains (CNI-HOSTPORT-*, CNI-DN-*): flushed with the pods they served.
for chain in $(iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/ {print $2}'); do iptables -t nat -F "$chain" 2>/dev/null || true; done
iptables -t nat -S 2>/dev/null | grep -E '^-A (PREROUTING|OUTPUT|POSTROUTING) .*CNI-' | sed 's/^-A/-D/' | while read -r rule; do eval iptables -t nat "$rule" 2>/dev/null || true; done
for chain in $(iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/ {print $2}'); do iptables -t nat -X "$chain" 2>/dev/null || true; done
rm -rf "$K8S_STATE" "$K8S_RUN"
echo "[k8s] the single-node Kubernetes is removed"
