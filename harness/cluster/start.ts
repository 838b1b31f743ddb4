// Where a cluster is started: the one seam between experiments and the target that runs
// Vitess (settings.ts: --target, VITESS_CHAOS_TARGET, the config file). Callers see a Cluster
// and never name the target.
import type { Cluster, ClusterOptions } from './cluster';
import { DockerCluster } from './docker/docker-cluster';
import { assertEngine, docker } from './docker/engine';
import { ensureImages } from './docker/images';
import { reapOrphans as reapDockerOrphans } from './docker/reaper';
import { KubernetesCluster, namespaceOf, reapOrphanNamespaces } from './k8s/k8s-cluster';
import { assertApi, connect, isNotFound } from './k8s/kube';
import { LOCAL_KUBECONFIG } from './k8s/local';
import { RUN_LABEL } from './labels';
import { resolveSettings, type Settings } from '../settings';

export function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const settings = resolveSettings(options);
  return settings.target === 'k8s' ? KubernetesCluster.start({ ...options, kubeconfig: settings.kubeconfig }) : DockerCluster.start(options);
}

const kube = (s: Settings) => connect(s.kubeconfig ?? LOCAL_KUBECONFIG);

/** Once before a suite: the target answers and the images exist (built with Docker for either target). */
export async function prepareTarget(settings: Settings): Promise<void> {
  await assertEngine();
  if (settings.target === 'k8s') await assertApi(kube(settings));
  await ensureImages(settings);
}

/** What of one run is still on the target (containers and networks; pods and namespaces). */
export async function leftoversOf(runId: string, settings: Settings = resolveSettings()): Promise<{ nodes: number; groups: number }> {
  if (settings.target === 'k8s') {
    const k = kube(settings);
    const ns = await k.core.readNamespace(namespaceOf(runId)).then(() => 1, (e: unknown) => (isNotFound(e) ? 0 : Promise.reject(e)));
    const pods = ns ? (await k.core.listNamespacedPod(namespaceOf(runId))).body.items.length : 0;
    return { nodes: pods, groups: ns };
  }
  const filters = { label: [`${RUN_LABEL}=${runId}`] };
  const containers = await docker().listContainers({ all: true, filters });
  const networks = await docker().listNetworks({ filters });
  return { nodes: containers.length, groups: networks.length };
}

/** Removes what runs on this host left when their process died; how many nodes (or groups of them) went. */
export async function reapOrphans(settings: Settings = resolveSettings()): Promise<number> {
  if (settings.target === 'k8s') return (await reapOrphanNamespaces(kube(settings))).length;
  return (await reapDockerOrphans()).containers.length;
}
