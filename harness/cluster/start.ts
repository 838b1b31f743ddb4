// Where a cluster is started: the one seam between experiments and the target that runs
// Vitess (settings.ts: --target, VITESS_CHAOS_TARGET, the config file). Callers see a Cluster
// and never name the target.
import type { Cluster, ClusterOptions } from './cluster';
import { DockerCluster } from './docker/docker-cluster';
import { assertEngine, docker } from './docker/engine';
import { ensureImages } from './docker/images';
import { reapOrphans as reapDockerOrphans } from './docker/reaper';
import { AttachedCluster, AttachError } from './k8s/attach/attached-cluster';
import { KubernetesCluster, namespaceOf, reapOrphanNamespaces } from './k8s/k8s-cluster';
import { assertApi, connect, isNotFound } from './k8s/kube';
import { LOCAL_KUBECONFIG } from './k8s/local';
import { RUN_LABEL } from './labels';
import type { Topology } from './topology';
import { planCluster } from './vitess-cluster';
import { resolveSettings, type Settings } from '../settings';

/** Starts a cluster on the settings' target, or attaches to the one they name (settings.attach). */
export function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const settings = resolveSettings(options);
  // Each target's start plans (validates) its own cluster; an attach plans here.
  if (settings.attach) return attachCluster(settings, planCluster(options).topology, options);
  return settings.target === 'k8s' ? KubernetesCluster.start({ ...options, kubeconfig: settings.kubeconfig }) : DockerCluster.start(options);
}

/** A cluster someone else started runs as it was deployed: an experiment that needs its components started with flags cannot run there. */
async function attachCluster(settings: Settings, topology: Topology, options: ClusterOptions): Promise<Cluster> {
  const flagged = Object.entries(options.flags ?? {}).filter(([, f]) => f && f.length);
  if (flagged.length) {
    throw new AttachError(
      `this experiment starts ${flagged.map(([c, f]) => `${c} with ${f!.join(' ')}`).join('; ')}; a cluster the harness attaches to runs as it was deployed: run it on a cluster the harness starts`,
    );
  }
  return AttachedCluster.attach({ kube: kube(settings), attach: settings.attach!, settings, topology, ...(options.runId ? { runId: options.runId } : {}), ...(options.progress ? { progress: options.progress } : {}) });
}

const kube = (s: Settings) => connect(s.kubeconfig ?? LOCAL_KUBECONFIG);

/** Once before a suite: the target answers and the images exist (built with Docker for either target that starts clusters). */
export async function prepareTarget(settings: Settings): Promise<void> {
  if (settings.target === 'k8s') await assertApi(kube(settings));
  // An attached cluster runs its own images: nothing to build, and no Docker needed.
  if (settings.attach) return;
  await assertEngine();
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

/** Whether the settings' target can be attached to as a user's cluster is (Kubernetes: by namespace and the operator's labels). */
export function canAttach(settings: Settings): boolean {
  return settings.target === 'k8s';
}

/**
 * Attaches to a cluster this process started, as a user's cluster is attached to (its
 * namespace, found by the operator's labels, reached through port-forwards): what attach mode
 * is tested against.
 */
export function attachTo(cluster: Cluster, o: { allowFaults: boolean; topology: Topology; progress?: (line: string) => void }): Promise<Cluster> {
  if (!(cluster instanceof KubernetesCluster)) throw new AttachError(`run ${cluster.runId} is not on Kubernetes: only a cluster on Kubernetes can be attached to`);
  const settings = { ...cluster.settings, attach: { namespace: cluster.namespace, allowFaults: o.allowFaults } };
  return AttachedCluster.attach({ kube: kube(settings), attach: settings.attach, settings, topology: o.topology, ...(o.progress ? { progress: o.progress } : {}) });
}
