// A cluster process as a pod on the local node. The pod is the node: restartPolicy Never, so a
// killed process stays down until the experiment starts it again, which creates the pod anew
// (same name, same host ports, a tablet's data kept on the node in a hostPath directory).
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import type { PauseMethod } from '../cluster';
import type { TargetNode } from '../vitess-cluster';
import { apiWords, execInPod, isNotFound, type Kube, KubeError, readPod } from './kube';
import { RuntimeContainer } from './runtime';

/** How long a pod may take to get its IP (sandbox, network) before its start is an error. */
const ADDRESS_TIMEOUT_MS = 120_000;

export class KubernetesNode implements TargetNode {
  private pod?: V1Pod;
  /** The runtime's container of the current pod, once known (a probe reads it every 2 s). */
  private container_?: RuntimeContainer;
  /** Logs of the node's earlier pods (a pod started again is a new pod with an empty log). */
  private earlierLogs = '';

  constructor(
    private readonly kube: Kube,
    readonly name: string,
    private readonly namespace: string,
    private readonly manifest: V1Pod,
    /** Container port -> host port on 127.0.0.1, chosen once: the same after a start. */
    private readonly ports: Map<number, number>,
    /** The tablet's data directory on the node, if it is a tablet. */
    private readonly dataDir?: string,
  ) {}

  private get container(): string {
    return this.manifest.spec!.containers[0].name;
  }

  get address(): string {
    const ip = this.pod?.status?.podIP;
    if (!ip) throw new Error(`pod ${this.name} has no IP yet`);
    return ip;
  }

  hostPort(port: number): number {
    const p = this.ports.get(port);
    if (p === undefined) throw new Error(`${this.name} publishes no port ${port}`);
    return p;
  }

  /** Creates the pod and returns once it has an IP. */
  async create(): Promise<void> {
    try {
      await this.kube.core.createNamespacedPod(this.namespace, this.manifest);
    } catch (e) {
      throw new KubeError(`creating pod ${this.namespace}/${this.name} failed: ${apiWords(e)}`);
    }
    const deadline = Date.now() + ADDRESS_TIMEOUT_MS;
    for (;;) {
      const pod = await this.read();
      if (pod?.status?.podIP) {
        this.pod = pod;
        return;
      }
      const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && /ErrImage|ImagePull|InvalidImageName|CreateContainerConfigError/.test(waiting.reason)) {
        throw new KubeError(`pod ${this.name} cannot start: ${waiting.reason}: ${waiting.message ?? ''}`);
      }
      if (Date.now() > deadline) throw new KubeError(`pod ${this.name} got no IP within ${ADDRESS_TIMEOUT_MS / 1000} s (phase ${pod?.status?.phase ?? 'unknown'})`);
      await sleep(200);
    }
  }

  private read(): Promise<V1Pod | undefined> {
    return readPod(this.kube, this.namespace, this.name);
  }

  /** The runtime's container of the pod now (a pod started again has a new one). */
  private async runtime(): Promise<RuntimeContainer> {
    if (this.container_) return this.container_;
    const pod = await this.read();
    const id = pod?.status?.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, '');
    if (!id) throw new Error(`pod ${this.name} has no container yet`);
    this.container_ = new RuntimeContainer(id);
    return this.container_;
  }

  run(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return execInPod(this.kube, this.namespace, this.name, this.container, command);
  }

  async exec(command: string[]): Promise<{ exitCode: number; output: string }> {
    const r = await this.run(command);
    return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}` };
  }

  async execInNetwork(command: string[]): Promise<{ exitCode: number; output: string }> {
    const r = await (await this.runtime()).inNetwork(command);
    return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}` };
  }

  async kill(signal = 'SIGKILL'): Promise<void> {
    await (await this.runtime()).kill(signal);
  }

  async pause(): Promise<PauseMethod> {
    await (await this.runtime()).pause();
    return 'freezer';
  }

  async unpause(): Promise<void> {
    await (await this.runtime()).resume();
  }

  /** Starts the node again: its old pod removed (its log kept), the same pod created anew. */
  async start(): Promise<void> {
    this.earlierLogs += await this.podLog();
    await this.remove();
    await this.create();
  }

  /**
   * Deletes the pod and waits until it is gone. A grace of 1 s, not 0: with 0 the API forgets
   * the pod before the kubelet has stopped it, and a new pod could start on the same data while
   * the old mysqld still runs.
   */
  async remove(): Promise<void> {
    await this.kube.core.deleteNamespacedPod(this.name, this.namespace, undefined, undefined, 1).catch((e: unknown) => {
      if (!isNotFound(e)) throw new KubeError(`deleting pod ${this.namespace}/${this.name} failed: ${apiWords(e)}`);
    });
    const deadline = Date.now() + 60_000;
    while (await this.read()) {
      if (Date.now() > deadline) throw new KubeError(`pod ${this.namespace}/${this.name} still there 60 s after its deletion`);
      await sleep(200);
    }
    this.pod = undefined;
    this.container_ = undefined;
  }

  async markForReprovision(): Promise<void> {
    if (!this.dataDir) throw new Error(`${this.name} is not a tablet: it has no data to discard`);
    // tablet.sh acts on the file at the next start (its data directory is on the node).
    await fs.writeFile(`${this.dataDir}/reprovision`, 'requested by vitess-chaos\n');
  }

  async limitCpu(cores: number | undefined): Promise<void> {
    await (await this.runtime()).limitCpu(cores);
  }

  async limitMemory(bytes: number | undefined): Promise<void> {
    await (await this.runtime()).limitMemory(bytes);
  }

  async running(): Promise<boolean> {
    return (await this.read().catch(() => undefined))?.status?.containerStatuses?.[0]?.state?.running !== undefined;
  }

  async exitReason(): Promise<string | undefined> {
    const pod = await this.read().catch(() => undefined);
    if (!pod) return `pod ${this.name} is gone`;
    const state = pod.status?.containerStatuses?.[0]?.state;
    if (state?.terminated) return `pod ${this.name} exited (code ${state.terminated.exitCode}${state.terminated.reason === 'OOMKilled' ? ', killed for memory' : ''})`;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return `pod ${this.name} ended (${pod.status.phase}: ${pod.status.reason ?? ''})`;
    return undefined;
  }

  async resources(): Promise<{ cpuNanos: number; systemNanos: number; onlineCpus: number; memoryBytes: number }> {
    return (await this.runtime()).resources();
  }

  private async podLog(): Promise<string> {
    try {
      return (await this.kube.core.readNamespacedPodLog(this.name, this.namespace, this.container, false, undefined, undefined, undefined, false, undefined, undefined, true)).body;
    } catch {
      return '';
    }
  }

  async logs(): Promise<string> {
    return `${this.earlierLogs}${await this.podLog()}`;
  }
}
