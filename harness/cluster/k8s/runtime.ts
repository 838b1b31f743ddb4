// The container runtime of the local node (its containerd, through ctr): the verbs the
// Kubernetes API has no word for (signal a container's process, freeze it, enter its network
// namespace, cap its cgroup), done where kubelet's own runtime does them.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Output, runOnHost as run } from '../host-command';
import { LOCAL_CONTAINERD } from './local';

async function ctr(args: string[]): Promise<string> {
  const r = await run('ctr', ['--address', LOCAL_CONTAINERD, '-n', 'k8s.io', ...args]);
  if (r.exitCode !== 0) throw new Error(`ctr ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** One container of a pod, by its runtime id (the pod status's containerID without "containerd://"). */
export class RuntimeContainer {
  /** A container's process does not change while it lives; one that died is not read again. */
  private pid_?: number;

  constructor(readonly id: string) {}

  async pid(): Promise<number> {
    if (this.pid_ && existsSync(`/proc/${this.pid_}`)) return this.pid_;
    const line = (await ctr(['tasks', 'ls'])).split('\n').find((l) => l.startsWith(`${this.id} `));
    const pid = Number(line?.trim().split(/\s+/)[1]);
    if (!pid || (!line?.includes('RUNNING') && !line?.includes('PAUSED'))) throw new Error(`container ${this.id} has no running process`);
    this.pid_ = pid;
    return pid;
  }

  async kill(signal: string): Promise<void> {
    await ctr(['tasks', 'kill', '--signal', signal, this.id]);
  }

  /**
   * Freezes every process of the container with the cgroup freezer, as runc's pause does, but
   * written here rather than through a ctr process: spawning one took a few hundred ms beside a
   * busy core, and that lag lengthened a timed pause (a 5 s calibration pause read 5.55 s).
   * Returns once the kernel reports the group FROZEN.
   */
  async pause(): Promise<void> {
    const state = `${await this.cgroup('freezer')}/freezer.state`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      await fs.writeFile(state, 'FROZEN');
      if ((await fs.readFile(state, 'utf8')).trim() === 'FROZEN') return;
      if (Date.now() > deadline) {
        await fs.writeFile(state, 'THAWED');
        throw new Error(`container ${this.id}: unable to freeze within 10 s (its cgroup stayed FREEZING)`);
      }
      await sleep(5);
    }
  }

  async resume(): Promise<void> {
    await fs.writeFile(`${await this.cgroup('freezer')}/freezer.state`, 'THAWED');
  }

  /** A host program in the container's network namespace. */
  async inNetwork(command: string[]): Promise<Output> {
    return run('nsenter', ['-t', String(await this.pid()), '-n', '--', ...command]);
  }

  /** The container's directory in one cgroup v1 hierarchy, from its process's own view. */
  private async cgroup(controller: string): Promise<string> {
    const lines = (await fs.readFile(`/proc/${await this.pid()}/cgroup`, 'utf8')).split('\n');
    const line = lines.find((l) => l.split(':')[1]?.split(',').includes(controller));
    if (!line) throw new Error(`container ${this.id}: no ${controller} cgroup (cgroup v1 expected)`);
    return `/sys/fs/cgroup/${controller}${line.split(':')[2]}`;
  }

  async limitCpu(cores: number | undefined): Promise<void> {
    const dir = await this.cgroup('cpu');
    const period = Number(await fs.readFile(`${dir}/cpu.cfs_period_us`, 'utf8'));
    const quota = cores === undefined ? -1 : Math.max(1000, Math.round(cores * period));
    await fs.writeFile(`${dir}/cpu.cfs_quota_us`, String(quota));
    const now = Number(await fs.readFile(`${dir}/cpu.cfs_quota_us`, 'utf8'));
    if (now !== quota) throw new Error(`container ${this.id}: CPU quota ${quota} µs asked, the cgroup reads ${now}`);
  }

  async limitMemory(bytes: number | undefined): Promise<void> {
    const dir = await this.cgroup('memory');
    const limit = bytes === undefined ? '-1' : String(bytes);
    // Memory+swap first when raising, last when lowering: the kernel refuses memsw below memory.
    const files = bytes === undefined ? ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes'] : ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'];
    for (const f of files) await fs.writeFile(`${dir}/${f}`, limit).catch((e: NodeJS.ErrnoException) => {
      if (!(f.includes('memsw') && e.code === 'ENOENT')) throw e; // no swap accounting: memory alone
    });
  }

  async resources(): Promise<{ cpuNanos: number; systemNanos: number; onlineCpus: number; memoryBytes: number }> {
    const [cpuDir, memDir] = await Promise.all([this.cgroup('cpuacct'), this.cgroup('memory')]);
    const [usage, memory, stat, procStat] = await Promise.all([
      fs.readFile(`${cpuDir}/cpuacct.usage`, 'utf8'),
      fs.readFile(`${memDir}/memory.usage_in_bytes`, 'utf8'),
      fs.readFile(`${memDir}/memory.stat`, 'utf8'),
      fs.readFile('/proc/stat', 'utf8'),
    ]);
    const cache = Number(/^total_inactive_file (\d+)/m.exec(stat)?.[1] ?? 0);
    // The host's CPU time, as Docker's system_cpu_usage counts it: every state but guest, in ns (USER_HZ = 100).
    const host = procStat.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number).reduce((a, b) => a + b, 0) * 1e7;
    return { cpuNanos: Number(usage), systemNanos: host, onlineCpus: cpus().length, memoryBytes: Number(memory) - cache };
  }
}

/** The label an image moved in carries: the Docker image id it came from, so a rebuilt image is moved in again. */
const DOCKER_ID_LABEL = 'vitess-chaos.docker-id';

/** The images containerd's k8s.io namespace holds, each with the Docker image id it was moved in from (undefined: not known). */
export async function runtimeImages(): Promise<Map<string, string | undefined>> {
  const held = new Map<string, string | undefined>();
  for (const line of (await ctr(['images', 'ls'])).split('\n').slice(1)) {
    const ref = line.trim().split(/\s+/)[0];
    // Docker's short names are stored fully qualified.
    if (ref) held.set(ref.replace(/^docker\.io\//, ''), new RegExp(`${DOCKER_ID_LABEL}=(sha256:[0-9a-f]+)`).exec(line)?.[1]);
  }
  return held;
}

/** Moves a Docker image into the node's runtime (no registry: docker save | ctr import), labelled with its Docker id. */
export function importImage(image: string, dockerId: string): Promise<void> {
  const ctrCmd = `ctr --address ${LOCAL_CONTAINERD} -n k8s.io`;
  return new Promise((resolve, reject) => {
    const child = execFile(
      'bash',
      ['-o', 'pipefail', '-c', `docker save "$0" | ${ctrCmd} images import - >/dev/null && ${ctrCmd} images label "docker.io/$0" "${DOCKER_ID_LABEL}=$1" >/dev/null`, image, dockerId],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, _out, stderr) => (err ? reject(new Error(`importing ${image} into the node's containerd failed: ${stderr.trim() || err.message}`)) : resolve()),
    );
    child.stdin?.end();
  });
}
