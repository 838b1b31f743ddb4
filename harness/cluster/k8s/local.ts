// The single-node Kubernetes `make k8s` runs on this machine (docker/k8s/ensure-k8s.sh): where
// it keeps its kubeconfig and runtime socket. The same names as docker/k8s/paths.sh.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const LOCAL_STATE = process.env.VITESS_CHAOS_K8S_STATE ?? '/var/lib/vitess-chaos/k8s';
export const LOCAL_KUBECONFIG = join(LOCAL_STATE, 'admin.kubeconfig');
export const LOCAL_CONTAINERD = '/run/vitess-chaos-k8s/containerd.sock';
/** Tablets' data directories on the node (hostPath), one per run and tablet: they outlive a pod started again. */
export const LOCAL_RUNS = join(LOCAL_STATE, 'runs');

/** Whether the local cluster's runtime runs here (`make k8s`): its faults act through it. */
export function localRuntimeAvailable(): boolean {
  return existsSync(LOCAL_CONTAINERD);
}
