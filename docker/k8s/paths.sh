# Where the single-node Kubernetes keeps its state, and its fixed addresses (all on 127.0.0.1).
# Sourced by ensure-k8s.sh and stop-k8s.sh; harness/cluster/k8s/local.ts names the same.
K8S_STATE=${VITESS_CHAOS_K8S_STATE:-/var/lib/vitess-chaos/k8s}
K8S_RUN=/run/vitess-chaos-k8s
K8S_CONTAINERD_SOCK=$K8S_RUN/containerd.sock
K8S_KUBECONFIG=$K8S_STATE/admin.kubeconfig
K8S_API_PORT=16443
K8S_ETCD_PORT=12379
K8S_NODE=vitess-chaos
K8S_BRIDGE=vck8s0
# The kubelet refuses a loopback node address: the node's own address is on a bridge of this
# host with no port (nothing outside reaches it).
K8S_NODE_LINK=vck8s-node
K8S_NODE_IP=10.78.0.1
K8S_POD_CIDR=10.77.0.0/16
K8S_PAUSE_IMAGE=vitess-chaos/pause:3.10
