// A pod of a cluster the harness attached to (it did not start it, and runs nothing on its
// node): what the API alone can do to it. Exec and logs through the API; a kill is the pod's
// deletion without grace, a start brings it back (its controller does, or, for a pod no
// controller owns, the harness creates it again from the spec it read when it attached).
// Faults need the user's consent (--allow-faults); faults that need the node's runtime
// (pause, caps, network, resource readings) are refused with the reason.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { type ClusterNode, FaultRefusedError, type PauseMethod } from '../../cluster';
import { apiWords, execInPod, isNotFound, type Kube, KubeError, readPod } from '../kube';

/** How long a pod may take to be running again after a start. */
const START_TIMEOUT_MS = 180_000;

/** The pod as it can be created again: what the API filled in on creation removed. */
export function recreatable(pod: V1Pod): V1Pod {
  const { name, namespace, labels, annotations } = pod.metadata ?? {};
  return { metadata: { name, namespace, labels, annotations }, spec: pod.spec };
}

export class AttachedNode implements ClusterNode {
  /** The spec read at attach time, for a pod no controller owns (created again on start). */
  private readonly template?: V1Pod;
  private earlierLogs = '';
  /** Deleted by a kill of the harness's and not started since: the run's end brings it back. */
  downByUs = false;

  constructor(
    private readonly kube: Kube,
    private readonly pod: V1Pod,
    private readonly allowFaults: boolean,
  ) {
    if (!pod.metadata?.ownerReferences?.some((o) => o.controller)) this.template = recreatable(pod);
  }

  get name(): string {
    return this.pod.metadata!.name!;
  }

  private get namespace(): string {
    return this.pod.metadata!.namespace!;
  }

  /** The container commands run in: mysqld's in an operator's tablet pod (its data, its tools), else the first. */
  private get container(): string {
    const names = this.pod.spec!.containers.map((c) => c.name);
    return names.includes('mysqld') ? 'mysqld' : names[0];
  }

  private consent(verb: string): void {
    if (!this.allowFaults) {
      throw new FaultRefusedError(`${verb} of pod ${this.namespace}/${this.name} refused: the harness did not start this cluster; pass --allow-faults (VITESS_CHAOS_ALLOW_FAULTS=1) to let experiments inject faults into it`);
    }
  }

  private needsRuntime(verb: string): never {
    throw new FaultRefusedError(
      `${verb} of pod ${this.namespace}/${this.name} is not available on an attached cluster: it acts through the node's container runtime, which the harness reaches only on the Kubernetes it runs itself ('make k8s')`,
    );
  }

  async run(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return execInPod(this.kube, this.namespace, this.name, this.container, command);
  }

  async exec(command: string[]): Promise<{ exitCode: number; output: string }> {
    const r = await this.run(command);
    return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}` };
  }

  async execInNetwork(): Promise<{ exitCode: number; output: string }> {
    this.consent('a network fault');
    this.needsRuntime('a network fault');
  }

  /**
   * SIGKILL (the default) deletes the pod without grace: the API forgets it at once and the
   * kubelet stops its containers (its minimum grace is 2 s: SIGTERM first). SIGTERM deletes it
   * with the pod's own grace. Other signals need the node's runtime.
   */
  async kill(signal = 'SIGKILL'): Promise<void> {
    this.consent(`${signal} (kill)`);
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM') this.needsRuntime(`${signal}`);
    this.earlierLogs += await this.podLogs();
    this.downByUs = true;
    await this.kube.core.deleteNamespacedPod(this.name, this.namespace, undefined, undefined, signal === 'SIGKILL' ? 0 : undefined).catch((e: unknown) => {
      if (!isNotFound(e)) throw new KubeError(`deleting pod ${this.namespace}/${this.name} failed: ${apiWords(e)}`);
    });
  }

  async pause(): Promise<PauseMethod> {
    this.consent('a pause');
    this.needsRuntime('a pause');
  }

  /** Nothing to lift: no pause ever took on an attached cluster (healing calls this whatever happened). */
  async unpause(): Promise<void> {}

  /**
   * Brings the pod back. Running: it is deleted first (its log kept). A pod its controller
   * owns comes back by the controller; one nobody owns is created again from its spec.
   */
  async start(): Promise<void> {
    this.consent('a restart');
    if (await this.read()) {
      this.earlierLogs += await this.podLogs();
      await this.kube.core.deleteNamespacedPod(this.name, this.namespace).catch((e: unknown) => {
        if (!isNotFound(e)) throw new KubeError(`deleting pod ${this.namespace}/${this.name} failed: ${apiWords(e)}`);
      });
      await this.until('gone', async () => !(await this.read()));
    }
    if (this.template) {
      await this.kube.core.createNamespacedPod(this.namespace, this.template).catch((e: unknown) => {
        throw new KubeError(`creating pod ${this.namespace}/${this.name} again failed: ${apiWords(e)}`);
      });
    }
    await this.until(this.template ? 'running again' : 'running again (its controller creates it)', () => this.running());
    this.downByUs = false;
  }

  private async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await done())) {
      if (Date.now() > deadline) throw new KubeError(`pod ${this.namespace}/${this.name} not ${what} within ${START_TIMEOUT_MS / 1000} s`);
      await sleep(250);
    }
  }

  async markForReprovision(): Promise<void> {
    this.consent('discarding a tablet\'s data');
    throw new FaultRefusedError(`pod ${this.namespace}/${this.name}: the harness discards a tablet's data only on a cluster it started; re-provision it as your operator does`);
  }

  /** Lifting a cap that was never set is a no-op (healing calls it whatever happened); setting one needs the node's runtime. */
  async limitCpu(cores: number | undefined): Promise<void> {
    if (cores === undefined) return;
    this.consent('a CPU cap');
    this.needsRuntime('a CPU cap');
  }

  async limitMemory(bytes: number | undefined): Promise<void> {
    if (bytes === undefined) return;
    this.consent('a memory cap');
    this.needsRuntime('a memory cap');
  }

  private read(): Promise<V1Pod | undefined> {
    return readPod(this.kube, this.namespace, this.name);
  }

  /** Every container runs and the pod is not being deleted. */
  async running(): Promise<boolean> {
    const pod = await this.read().catch(() => undefined);
    const statuses = pod?.status?.containerStatuses ?? [];
    return !!pod && !pod.metadata?.deletionTimestamp && statuses.length > 0 && statuses.every((s) => s.state?.running !== undefined);
  }

  async resources(): Promise<{ cpuNanos: number; systemNanos: number; onlineCpus: number; memoryBytes: number }> {
    throw new FaultRefusedError(`resource readings of pod ${this.namespace}/${this.name} need the node's runtime (not reachable on an attached cluster)`);
  }

  private async podLogs(): Promise<string> {
    const containers = this.pod.spec!.containers.map((c) => c.name);
    const logs = await Promise.all(
      containers.map((c) =>
        this.kube.core.readNamespacedPodLog(this.name, this.namespace, c, false, undefined, undefined, undefined, false, undefined, undefined, true).then(
          (r) => (containers.length > 1 ? `--- container ${c}\n${r.body}` : r.body),
          () => '',
        ),
      ),
    );
    return logs.join('\n');
  }

  async logs(): Promise<string> {
    return `${this.earlierLogs}${await this.podLogs()}`;
  }
}
