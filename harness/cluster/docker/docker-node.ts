// A cluster process as a Docker container, started through testcontainers.
import { GenericContainer, StartedTestContainer, WaitStrategy } from 'testcontainers';
import type { BoundPorts } from 'testcontainers';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PauseMethod } from '../cluster';
import type { TargetNode } from '../vitess-cluster';
import { docker } from './engine';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { runOnHost } from '../host-command';

/** Start returns at once: readiness is checked by the cluster from real health signals. */
class Started implements WaitStrategy {
  private timeout = 0;
  async waitUntilReady(_c: unknown, _p: BoundPorts): Promise<void> {}
  withStartupTimeout(ms: number): WaitStrategy {
    this.timeout = ms;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return this.timeout > 0;
  }
  getStartupTimeout(): number {
    return this.timeout;
  }
}

/** Docker cannot lift a memory limit back to "none" on a live container; this is far above any node's use. */
const UNLIMITED_MEMORY = 64 * 1024 ** 3;

/**
 * A GenericContainer whose published ports bind to 127.0.0.1 only, whatever address the
 * engine defaults to: nothing of a run is reachable from other host interfaces.
 */
export class LoopbackContainer extends GenericContainer {
  constructor(image: string) {
    super(image);
    this.withWaitStrategy(new Started());
  }

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const b of bindings as { HostIp?: string }[]) b.HostIp = '127.0.0.1';
    }
  }
}

export interface NodeSpec {
  name: string;
  image: string;
  /** A network the harness created (labelled with the run). */
  networkName: string;
  alias: string;
  labels: Record<string, string>;
  env?: Record<string, string>;
  command?: string[];
  ports?: number[];
}

/** Tries of docker pause before the SIGSTOP fallback. */
const PAUSE_ATTEMPTS = 3;

export class DockerNode implements TargetNode {
  private pausedBy?: PauseMethod;
  /** Container port -> host port; read again after a restart, which publishes on new host ports. */
  private readonly ports = new Map<number, number>();

  private constructor(
    readonly name: string,
    /** Its network alias: how the other containers reach it. */
    readonly address: string,
    readonly container: StartedTestContainer,
    exposed: number[],
  ) {
    for (const p of exposed) this.ports.set(p, container.getMappedPort(p));
  }

  static async start(spec: NodeSpec): Promise<DockerNode> {
    const c = new LoopbackContainer(spec.image)
      .withName(spec.name)
      .withNetworkMode(spec.networkName)
      .withNetworkAliases(spec.alias)
      .withHostname(spec.alias)
      .withLabels(spec.labels)
      .withEnvironment(spec.env ?? {})
      .withExposedPorts(...(spec.ports ?? []));
    if (spec.command) c.withCommand(spec.command);
    return new DockerNode(spec.name, spec.alias, await c.start(), spec.ports ?? []);
  }

  get id(): string {
    return this.container.getId();
  }

  hostPort(containerPort: number): number {
    const port = this.ports.get(containerPort);
    if (port === undefined) throw new Error(`${this.name} publishes no port ${containerPort}`);
    return port;
  }

  async exec(command: string[]): Promise<{ exitCode: number; output: string }> {
    const r = await this.container.exec(command);
    return { exitCode: r.exitCode, output: r.output };
  }

  async run(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const r = await this.container.exec(command);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  async execInNetwork(command: string[]): Promise<{ exitCode: number; output: string }> {
    // Read at each call: a restarted container has a new process, so a new namespace.
    const pid = (await docker().getContainer(this.id).inspect()).State.Pid;
    if (!pid) throw new Error(`${this.name} is not running: it has no network namespace to enter`);
    const r = await runOnHost('nsenter', ['-t', String(pid), '-n', '--', ...command]).catch((e: Error) => {
      // Not the program's own failure: nsenter missing, or not allowed (it needs root).
      throw new Error(`${this.name}: could not enter its network namespace (${e.message}); network faults need root and util-linux's nsenter on the Docker host`);
    });
    return { exitCode: r.exitCode, output: `${r.stdout}${r.stderr}` };
  }

  async kill(signal = 'SIGKILL'): Promise<void> {
    await docker().getContainer(this.id).kill({ signal });
  }

  /**
   * docker pause, retried: runc gives up ("unable to freeze") when the cgroup does not reach
   * FROZEN in time, which a busy machine causes. Refused three times, every process is stopped
   * with SIGSTOP instead: the same freeze as clients see it, and the caller is told which.
   */
  async pause(): Promise<PauseMethod> {
    const c = docker().getContainer(this.id);
    for (let attempt = 1; attempt <= PAUSE_ATTEMPTS; attempt++) {
      try {
        await c.pause();
        this.pausedBy = 'freezer';
        return 'freezer';
      } catch (e) {
        if (!/unable to freeze/i.test((e as Error).message)) throw e;
        if (attempt < PAUSE_ATTEMPTS) await sleep(300);
      }
    }
    // kill -1 from inside reaches every process but itself and PID 1 (tini), which gets its own.
    const r = await this.exec(['sh', '-c', 'kill -STOP -1']);
    if (r.exitCode !== 0) throw new Error(`${this.name}: docker pause refused ${PAUSE_ATTEMPTS} times and SIGSTOP failed: ${r.output.trim()}`);
    await c.kill({ signal: 'SIGSTOP' });
    this.pausedBy = 'sigstop';
    return 'sigstop';
  }

  async unpause(): Promise<void> {
    const c = docker().getContainer(this.id);
    if (this.pausedBy === 'sigstop') {
      await c.kill({ signal: 'SIGCONT' });
      const r = await this.exec(['sh', '-c', 'kill -CONT -1']);
      if (r.exitCode !== 0) throw new Error(`${this.name}: SIGCONT failed: ${r.output.trim()}`);
    } else {
      await c.unpause();
    }
    this.pausedBy = undefined;
  }

  async start(): Promise<void> {
    const c = docker().getContainer(this.id);
    await c.start();
    const bindings = (await c.inspect()).NetworkSettings.Ports ?? {};
    for (const p of this.ports.keys()) {
      const host = bindings[`${p}/tcp`]?.find((b) => b.HostIp === '127.0.0.1') ?? bindings[`${p}/tcp`]?.[0];
      if (host) this.ports.set(p, Number(host.HostPort));
    }
  }

  async limitMemory(bytes: number | undefined): Promise<void> {
    // Swap equal to memory: no swap to hide in, so past the limit the kernel kills.
    const limit = bytes ?? UNLIMITED_MEMORY;
    await docker().getContainer(this.id).update({ Memory: limit, MemorySwap: limit });
  }

  async limitCpu(cores: number | undefined): Promise<void> {
    // Lifted = every core of the host. NanoCpus 0 means "unchanged" to Docker's update: the
    // cgroup kept its 0.2-core quota (measured: cpu.cfs_quota_us stayed 20000), so a "lifted"
    // cap never was. Read back, so a cap that did not take is an error, never a silent no-op.
    const container = docker().getContainer(this.id);
    const nano = Math.round((cores ?? (await docker().info()).NCPU) * 1e9);
    await container.update({ NanoCpus: nano });
    const now = (await container.inspect()).HostConfig.NanoCpus;
    if (now !== nano) throw new Error(`${this.name}: CPU limit ${nano / 1e9} cores asked, Docker reports ${(now ?? 0) / 1e9}`);
  }

  async markForReprovision(): Promise<void> {
    // Docker copies into a stopped container too; tablet.sh acts on the file at the next start.
    await this.container.copyContentToContainer([{ content: 'requested by vitess-chaos\n', target: '/vt/vtdataroot/reprovision' }]);
  }

  async running(): Promise<boolean> {
    try {
      const info = await docker().getContainer(this.id).inspect();
      return info.State.Running;
    } catch {
      return false;
    }
  }

  /** Why the container is not running, or undefined while it runs. */
  async exitReason(): Promise<string | undefined> {
    try {
      const s = (await docker().getContainer(this.id).inspect()).State;
      if (s.Running) return undefined;
      return `container ${this.name} exited (code ${s.ExitCode}${s.OOMKilled ? ', killed for memory' : ''})`;
    } catch {
      return `container ${this.name} is gone`;
    }
  }

  async resources(): Promise<{ cpuNanos: number; systemNanos: number; onlineCpus: number; memoryBytes: number }> {
    // one-shot: no second sample inside the engine; the probe takes deltas between its own calls.
    const s = (await docker().getContainer(this.id).stats({ stream: false, 'one-shot': true } as never)) as unknown as {
      cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
      memory_stats: { usage?: number; stats?: Record<string, number> };
    };
    const m = s.memory_stats;
    return {
      cpuNanos: s.cpu_stats.cpu_usage.total_usage,
      systemNanos: s.cpu_stats.system_cpu_usage ?? 0,
      onlineCpus: s.cpu_stats.online_cpus ?? 1,
      memoryBytes: (m.usage ?? 0) - (m.stats?.cache ?? m.stats?.inactive_file ?? 0),
    };
  }

  async logs(): Promise<string> {
    const buf = (await docker().getContainer(this.id).logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer;
    return demuxLogs(buf);
  }
}

/**
 * Docker frames stdout and stderr when there is no TTY; dockerode's modem splits the frames.
 * Both go to one sink, so the two keep their order (timestamps interleave them as written).
 */
export async function demuxLogs(buf: Buffer): Promise<string> {
  const parts: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => parts.push(Buffer.from(chunk)) } as unknown as NodeJS.WritableStream;
  const stream = Readable.from([buf]);
  docker().modem.demuxStream(stream, sink, sink);
  await finished(stream);
  return Buffer.concat(parts).toString('utf8');
}
