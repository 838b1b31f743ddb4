// Vitess's own examples/local, for comparison with the harness's bring-up: the module's
// 101_initial_cluster.sh run unchanged in one container of the examples-local image
// (docker/recipes/examples-local.Dockerfile), timed from the container's creation to the
// script's success. The script ends once vtgate answers HTTP, after it has waited for the
// commerce shard's three tablets in the topology, a primary elected by VTOrc, that primary
// writable and its VReplication engine open, and applied the schema and VSchema.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { docker } from '../harness/cluster/docker/engine';
import { newRunId, runLabels } from '../harness/cluster/labels';
import { removeRun } from '../harness/cluster/docker/reaper';
import { runDir } from '../harness/paths';

export interface ExamplesLocalOptions {
  /** The examples-local image (ensureExamplesLocalImage). */
  image: string;
  /** Longest wait for the script; past it the run fails, its log kept. */
  timeoutMs?: number;
}

export interface ExamplesLocalRun {
  runId: string;
  /** From the container's creation request to the script's success (host clock). */
  seconds: number;
  /** The script alone: from its start inside the container to its success. */
  scriptSeconds: number;
  /** What vtgate served right after the script ended (untimed): "<type>/<state>" per tablet alias. */
  tabletsAtEnd: Record<string, string>;
  /** When the example said each part was up ("etcd is running!", ...), in s from the container's creation. */
  milestones: Record<string, number>;
}

export class ExamplesLocalError extends Error {
  override name = 'ExamplesLocalError';
}

const STARTED = /examples-local: started at (\d+\.\d+)/;
const SUCCEEDED = /examples-local: succeeded at (\d+\.\d+)/;
/** The example's own lines that say a part is up. */
const MILESTONE = /^(.*(?:is running|are running|is up)!)\s*$/;

/** Lines of `docker logs --timestamps`: "<RFC 3339 time> <text>". */
export function timedLines(log: string): { at: number; text: string }[] {
  return log
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const space = l.indexOf(' ');
      const at = Date.parse(l.slice(0, space));
      return Number.isNaN(at) ? { at: NaN, text: l } : { at, text: l.slice(space + 1) };
    });
}

/** Each milestone line's first time, in s from t0 (ms). */
export function milestones(lines: { at: number; text: string }[], t0: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { at, text } of lines) {
    const m = MILESTONE.exec(text.trim());
    if (m && !Number.isNaN(at) && !(m[1] in out)) out[m[1]] = Math.round((at - t0) / 100) / 10;
  }
  return out;
}

/** Rows of SHOW VITESS_TABLETS as mysql --table prints them: Cell | Keyspace | Shard | TabletType | State | Alias | ... */
export function parseTablets(output: string): Record<string, string> {
  const tablets: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 8 || cells[1] === 'Cell' || !cells[6]) continue;
    tablets[cells[6]] = `${cells[4]}/${cells[5]}`;
  }
  return tablets;
}

/** Runs the 101 script once; the container is removed whatever happens. */
export async function runExamplesLocal(options: ExamplesLocalOptions): Promise<ExamplesLocalRun> {
  const runId = newRunId();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const onSignal = (signal: NodeJS.Signals) => {
    void removeRun(runId).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const t0 = Date.now();
    const container = await docker().createContainer({
      name: `vc-${runId}-examples-local`,
      Image: options.image,
      Hostname: 'examples-local',
      // A TTY: the log comes back as one plain stream (no stdout/stderr framing).
      Tty: true,
      Labels: { ...runLabels(runId), 'vitess-chaos.component': 'examples-local' },
    });
    await container.start();
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      // Caught: after a timeout the container is removed under this wait, which may then reject.
      (container.wait() as Promise<{ StatusCode: number }>).catch(() => undefined),
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const log = ((await container.logs({ stdout: true, stderr: true, timestamps: true })) as unknown as Buffer).toString('utf8').replace(/\r/g, '');
    const started = STARTED.exec(log);
    const succeeded = SUCCEEDED.exec(log);
    if (!ended || ended.StatusCode !== 0 || !started || !succeeded) {
      const kept = await keepLog(runId, log);
      const why = !ended ? `did not finish within ${timeoutMs / 1000} s` : `failed (container exit ${ended.StatusCode})`;
      const tail = log.trimEnd().split('\n').slice(-12).map((l) => `  ${l}`).join('\n');
      throw new ExamplesLocalError(`examples/local 101_initial_cluster.sh ${why} in ${options.image}; its log: ${kept}\n${tail}`);
    }
    return {
      runId,
      seconds: (Number(succeeded[1]) * 1000 - t0) / 1000,
      scriptSeconds: Number(succeeded[1]) - Number(started[1]),
      tabletsAtEnd: parseTablets(timedLines(log.slice(succeeded.index)).map((l) => l.text).join('\n')),
      milestones: milestones(timedLines(log), t0),
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await removeRun(runId);
  }
}

async function keepLog(runId: string, log: string): Promise<string> {
  const dir = join(runDir(runId), 'logs');
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, 'examples-local.log');
  await fs.writeFile(file, log);
  return file;
}

/** One bring-up of the default topology and one run of the example, taken back to back. */
export interface ComparisonPair {
  ours: number;
  examplesLocal: number;
  examplesLocalScript: number;
}

/** The comparison under one condition of the machine (idle, or with the CPU hog). */
export interface ComparisonCondition {
  measuredAt: string;
  /** How idle the machine was: its 1-minute load average when the runs began (it decays slowly)... */
  loadAverageAtStart: number;
  /** ...and the share of its CPU time busy in the seconds just before, with nothing of the bench running. */
  cpuBusyBeforeStart?: number;
  /** With the hog: whether it ran for the whole measurement. */
  hogHeld?: boolean;
  runs: ComparisonPair[];
  median: ComparisonPair;
  /** Median of ours over median of the example's (container creation to ready, both). */
  ratio: number;
  /** What vtgate served when the example's last run ended. */
  examplesLocalTabletsAtEnd: Record<string, string>;
  /** When the example's last run said each part was up, in s from its container's creation. */
  examplesLocalMilestones: Record<string, number>;
}

export type Verdict = 'pass' | 'fail' | 'not measured';

export interface Target {
  what: string;
  threshold: string;
  measured: number | null;
  verdict: Verdict;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarizeComparison(
  pairs: ComparisonPair[],
  meta: {
    measuredAt: string;
    loadAverageAtStart: number;
    cpuBusyBeforeStart?: number;
    hogHeld?: boolean;
    last?: Pick<ExamplesLocalRun, 'tabletsAtEnd' | 'milestones'>;
  },
): ComparisonCondition {
  if (pairs.length === 0) throw new Error('no runs to compare');
  const runs = pairs.map((p) => ({ ours: round1(p.ours), examplesLocal: round1(p.examplesLocal), examplesLocalScript: round1(p.examplesLocalScript) }));
  const med = {
    ours: round1(median(pairs.map((p) => p.ours))),
    examplesLocal: round1(median(pairs.map((p) => p.examplesLocal))),
    examplesLocalScript: round1(median(pairs.map((p) => p.examplesLocalScript))),
  };
  return {
    measuredAt: meta.measuredAt,
    loadAverageAtStart: Math.round(meta.loadAverageAtStart * 100) / 100,
    ...(meta.cpuBusyBeforeStart === undefined ? {} : { cpuBusyBeforeStart: Math.round(meta.cpuBusyBeforeStart * 100) / 100 }),
    ...(meta.hogHeld === undefined ? {} : { hogHeld: meta.hogHeld }),
    runs,
    median: med,
    ratio: Math.round((median(pairs.map((p) => p.ours)) / median(pairs.map((p) => p.examplesLocal))) * 100) / 100,
    examplesLocalTabletsAtEnd: meta.last?.tabletsAtEnd ?? {},
    examplesLocalMilestones: meta.last?.milestones ?? {},
  };
}

function check(what: string, threshold: string, measured: number | undefined, ok: (x: number) => boolean): Target {
  if (measured === undefined) return { what, threshold, measured: null, verdict: 'not measured' };
  return { what, threshold, measured, verdict: ok(measured) ? 'pass' : 'fail' };
}

/**
 * The bring-up targets: the default topology ready in under 15 s on an idle machine and under
 * 25 s with the hog, in at most half the example's time (idle). A hog run that lost its hog
 * part-way does not count.
 */
export function bringUpTargets(idle?: ComparisonCondition, withHog?: ComparisonCondition): Target[] {
  const hog = withHog?.hogHeld === false ? undefined : withHog;
  return [
    check('default topology ready, idle machine (median s)', '< 15', idle?.median.ours, (x) => x < 15),
    check('default topology ready, CPU hog on one core (median s)', '< 25', hog?.median.ours, (x) => x < 25),
    check('ours / examples/local 101, idle machine (ratio of medians)', '<= 0.5', idle?.ratio, (x) => x <= 0.5),
  ];
}
