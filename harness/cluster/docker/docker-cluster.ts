// The Docker target: a Vitess cluster as containers on one labelled network.
import { DockerNode } from './docker-node';
import { assertEngine, docker } from './engine';
import { ensureImages } from './images';
import { newRunId, runLabels } from '../labels';
import { reapOrphans, removeRun } from './reaper';
import { type NodeLaunch, planCluster, type TargetNode, VitessCluster, type VitessClusterOptions } from '../vitess-cluster';

// testcontainers' Ryuk reaper image cannot be pulled here; the harness owns cleanup.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export type DockerClusterOptions = VitessClusterOptions;

export class DockerCluster extends VitessCluster {
  protected readonly nodeWord = 'container';
  // Containers reach each other by network alias (etcd, vtctld, tablet-100).
  protected readonly addressesKnownAtStart = true;

  private get networkName(): string {
    return `vitess-chaos-${this.runId}`;
  }

  /** Validates everything, then builds what is missing and brings the cluster up. */
  static async start(options: DockerClusterOptions = {}): Promise<DockerCluster> {
    const { topology, settings } = planCluster(options);
    await assertEngine();
    const cluster = new DockerCluster(options.runId ?? newRunId(), topology, settings, options);
    const reaped = await reapOrphans();
    if (reaped.containers.length + reaped.networks.length > 0) {
      cluster.progress(`[cluster] removed ${reaped.containers.length} container(s) and ${reaped.networks.length} network(s) left by killed runs`);
    }
    const images = options.images ?? (await ensureImages({ ...settings, progress: options.progress }));
    return cluster.open(images);
  }

  protected async prepare(): Promise<void> {
    await docker().createNetwork({ Name: this.networkName, Labels: runLabels(this.runId), CheckDuplicate: true });
  }

  protected launch(spec: NodeLaunch): Promise<TargetNode> {
    return DockerNode.start({
      name: `vc-${this.runId}-${spec.alias}`,
      image: spec.image,
      networkName: this.networkName,
      alias: spec.alias,
      labels: { ...runLabels(this.runId), 'vitess-chaos.component': spec.component },
      env: spec.selfAddressEnv ? { ...spec.env, [spec.selfAddressEnv]: spec.alias } : spec.env,
      command: spec.command,
      ports: spec.ports,
    });
  }

  protected async removeRun(): Promise<void> {
    await removeRun(this.runId);
  }
}
