// The Kubernetes target: a Vitess cluster as pods in a namespace of the run's own, on the
// single-node Kubernetes `make k8s` runs here. Pods carry the labels the vitess-operator puts
// on its own, so what finds an operator-managed cluster finds this one too.
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1EnvVar, V1Pod } from '@kubernetes/client-node';
import { docker } from '../docker/engine';
import { ensureImages, type ImageSet } from '../docker/images';
import { leftByDeadRun, newRunId, RUN_LABEL, runLabels } from '../labels';
import type { Topology } from '../topology';
import type { Settings } from '../../settings';
import { type Component, type NodeLaunch, planCluster, PORTS, type TargetNode, VitessCluster, type VitessClusterOptions } from '../vitess-cluster';
import { KubernetesNode } from './k8s-node';
import { apiWords, assertApi, connect, isNotFound, type Kube, KubeError } from './kube';
import { LOCAL_KUBECONFIG, LOCAL_RUNS, localRuntimeAvailable } from './local';
import { importImage, runtimeImages } from './runtime';
import { operatorLabels } from './operator-labels';

export interface KubernetesClusterOptions extends VitessClusterOptions {
  /** Default: the local single-node cluster's (make k8s). */
  kubeconfig?: string;
}

/** The uid the tablet image runs as (docker/recipes/db.Dockerfile): owner of the tablets' data directories. */
const TABLET_UID = 1000;

/**
 * Flags this target adds. A pod started again has a new IP (no cluster DNS here, so tablets
 * register by IP), and vtgate reads tablet addresses from the topology only every minute by
 * default: a restarted tablet promoted within that minute was unreachable to clients for the
 * rest of it (28 s in a failover run). Once a second, vtgate follows as it follows a stable
 * name on Docker (or the operator's DNS names).
 */
const TARGET_FLAGS: Partial<Record<Component, string[]>> = { vtgate: ['--tablet-refresh-interval', '1s'] };

/** Ports named as the operator names its pods' (web: HTTP, mysql: MySQL protocol), so an attach finds them by name. */
const PORT_NAMES: Record<number, string> = {
  [PORTS.tabletHttp]: 'web',
  [PORTS.mysql]: 'mysql',
  [PORTS.vtgateMysql]: 'mysql',
  [PORTS.vtgateHttp]: 'web',
  [PORTS.vtctldHttp]: 'web',
  [PORTS.vtorcHttp]: 'web',
};

export function namespaceOf(runId: string): string {
  return `vitess-chaos-${runId}`;
}

function freeHostPort(taken: Set<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => (taken.has(port) ? freeHostPort(taken).then(resolve, reject) : (taken.add(port), resolve(port))));
    });
  });
}

export class KubernetesCluster extends VitessCluster {
  protected readonly nodeWord = 'pod';
  // Pods reach each other by IP (no cluster DNS here): known once a pod has its sandbox.
  protected readonly addressesKnownAtStart = false;
  private readonly hostPorts = new Set<number>();

  private constructor(
    private readonly kube: Kube,
    runId: string,
    topology: Topology,
    settings: Settings,
    options: KubernetesClusterOptions,
  ) {
    super(runId, topology, settings, options);
  }

  get namespace(): string {
    return namespaceOf(this.runId);
  }

  private get dataRoot(): string {
    return join(LOCAL_RUNS, this.runId);
  }

  /** Validates everything, then makes the images the node's runtime lacks and brings the cluster up. */
  static async start(options: KubernetesClusterOptions = {}): Promise<KubernetesCluster> {
    const { topology, settings } = planCluster(options);
    const kubeconfig = options.kubeconfig ?? LOCAL_KUBECONFIG;
    // Faults act through the node's runtime, and images are moved into it: only the local node here.
    if (resolve(kubeconfig) !== LOCAL_KUBECONFIG) {
      throw new KubeError(
        `experiments run on the single-node Kubernetes of this machine ('make k8s'), not yet on a cluster of your own (${kubeconfig}): ` +
          `'vitess-chaos inspect --kubeconfig ${kubeconfig}' reads one, read-only`,
      );
    }
    if (!localRuntimeAvailable()) throw new KubeError(`the single-node Kubernetes does not run here: run 'make k8s' (as root), then retry`);
    const kube = connect(kubeconfig);
    await assertApi(kube);
    const cluster = new KubernetesCluster(kube, options.runId ?? newRunId(), topology, settings, options);
    const reaped = await reapOrphanNamespaces(kube);
    if (reaped.length) cluster.progress(`[cluster] removed ${reaped.length} namespace(s) left by killed runs: ${reaped.join(', ')}`);
    const images = options.images ?? (await ensureImages({ ...settings, progress: options.progress }));
    await cluster.importImages(images);
    return cluster.open(images);
  }

  /**
   * The node's runtime pulls nothing (no registry): Docker's images are moved into it, once per
   * build (an image rebuilt under the same tag is moved in again: the node would run the old one).
   */
  private async importImages(images: ImageSet): Promise<void> {
    const held = await runtimeImages();
    for (const image of new Set(Object.values(images))) {
      const id = (await docker().getImage(image).inspect()).Id;
      if (held.get(image) === id) continue;
      const t0 = Date.now();
      this.progress(`[cluster] moving image ${image} into the Kubernetes node's runtime${held.has(image) ? ' (it holds an older build of it)' : ''}`);
      await importImage(image, id);
      this.progress(`[cluster] ${image} moved in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }

  protected async prepare(): Promise<void> {
    try {
      await this.kube.core.createNamespace({ metadata: { name: this.namespace, labels: runLabels(this.runId) } });
    } catch (e) {
      throw new KubeError(`creating namespace ${this.namespace} failed: ${apiWords(e)}`);
    }
    // The API admits no pod before the namespace's default service account exists (the
    // controller manager makes it a moment after the namespace).
    const deadline = Date.now() + 60_000;
    while (!(await this.kube.core.readNamespacedServiceAccount('default', this.namespace).then(() => true, () => false))) {
      if (Date.now() > deadline) throw new KubeError(`namespace ${this.namespace} has no default service account after 60 s: is kube-controller-manager running?`);
      await sleep(200);
    }
  }

  protected async launch(spec: NodeLaunch): Promise<TargetNode> {
    const name = `vc-${this.runId}-${spec.alias}`;
    const ports = new Map<number, number>();
    for (const p of spec.ports) ports.set(p, await freeHostPort(this.hostPorts));
    const env: V1EnvVar[] = Object.entries(spec.env).map(([k, value]) => ({ name: k, value: k === 'EXTRA_FLAGS' ? [value, ...(TARGET_FLAGS[spec.component] ?? [])].join(' ').trim() : value }));
    if (spec.selfAddressEnv) env.push({ name: spec.selfAddressEnv, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    let dataDir: string | undefined;
    if (spec.tablet) {
      dataDir = join(this.dataRoot, spec.alias);
      await fs.mkdir(dataDir, { recursive: true });
      await fs.chown(dataDir, TABLET_UID, TABLET_UID);
    }
    const manifest: V1Pod = {
      metadata: {
        name,
        namespace: this.namespace,
        labels: { ...runLabels(this.runId), 'vitess-chaos.component': spec.component, ...operatorLabels(this.topology.cell, spec.component, spec.tablet) },
      },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        hostname: spec.alias,
        containers: [
          {
            name: spec.component,
            image: spec.image,
            // No registry: the image is in the node's runtime already.
            imagePullPolicy: 'Never',
            ...(spec.command ? { args: spec.command } : {}),
            env,
            ports: [...ports].map(([containerPort, hostPort]) => ({ name: PORT_NAMES[containerPort], containerPort, hostPort, hostIP: '127.0.0.1', protocol: 'TCP' })),
            ...(dataDir ? { volumeMounts: [{ name: 'data', mountPath: '/vt/vtdataroot' }] } : {}),
          },
        ],
        ...(dataDir ? { volumes: [{ name: 'data', hostPath: { path: dataDir, type: 'Directory' } }] } : {}),
      },
    };
    const node = new KubernetesNode(this.kube, name, this.namespace, manifest, ports, dataDir);
    await node.create();
    return node;
  }

  protected async removeRun(): Promise<void> {
    await removeNamespace(this.kube, this.namespace);
    await fs.rm(this.dataRoot, { recursive: true, force: true });
  }
}

/**
 * Deletes a run's pods (1 s grace: the API keeps each until the kubelet has stopped it), then
 * its namespace, and waits until both are gone.
 */
export async function removeNamespace(kube: Kube, namespace: string): Promise<void> {
  await kube.core.deleteCollectionNamespacedPod(namespace, undefined, undefined, undefined, undefined, 1).catch((e: unknown) => {
    if (!isNotFound(e)) throw new KubeError(`deleting the pods of ${namespace} failed: ${apiWords(e)}`);
  });
  await kube.core.deleteNamespace(namespace).catch((e: unknown) => {
    if (!isNotFound(e)) throw new KubeError(`deleting namespace ${namespace} failed: ${apiWords(e)}`);
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const left = await kube.core.readNamespace(namespace).then(
      () => true,
      (e: unknown) => (isNotFound(e) ? false : Promise.reject(new KubeError(`reading namespace ${namespace} failed: ${apiWords(e)}`))),
    );
    if (!left) return;
    if (Date.now() > deadline) throw new KubeError(`namespace ${namespace} still there 90 s after its deletion`);
    await sleep(500);
  }
}

/** Removes the namespaces runs on this host left when their process died (killed, crashed). */
export async function reapOrphanNamespaces(kube: Kube): Promise<string[]> {
  const list = (await kube.core.listNamespace(undefined, undefined, undefined, undefined, RUN_LABEL)).body.items;
  const orphans = list.filter((n) => leftByDeadRun(n.metadata?.labels ?? {}) && !n.metadata?.deletionTimestamp);
  for (const n of orphans) {
    await removeNamespace(kube, n.metadata!.name!);
    await fs.rm(join(LOCAL_RUNS, n.metadata!.labels![RUN_LABEL]), { recursive: true, force: true });
  }
  return orphans.map((n) => n.metadata!.name!);
}
