// An experiment as a typed object with slots (most have defaults), and the one lifecycle
// every experiment runs: steady state -> inject -> detect -> remediate -> recover -> verify.
// Every phase is stamped on the timeline clock; cleanup always runs.
import type { Cluster } from '../cluster/cluster';
import { DockerCluster } from '../cluster/docker-cluster';
import { waitFor } from '../cluster/readiness';
import type { Topology } from '../cluster/topology';
import type { Fault, FaultContext } from '../faults/fault';
import { Detector, DetectorRunner, heartbeatAnomaly, p99LatencyHigh } from '../observe/detectors';
import { HeartbeatProbe, Probe, ProbeRunner, standardProbes, VSchemaProbe } from '../observe/probes';
import { Timeline, TimelineEvent } from '../observe/timeline';
import { VSchemaStore } from '../observe/vschema-store';
import { join } from 'node:path';
import { runDir } from '../paths';
import { writeJsonReport } from '../report/json';
import type { AppOptions } from '../workload/app';
import { AppProcess } from '../workload/app-process';
import { Ledger, LedgerVerdict } from '../workload/ledger';
import { Load, LoadOptions } from '../workload/load';
import { INBOX_TABLES, LedgerTable, withInboxSchema } from '../workload/schema';
import { verifyLedger } from '../workload/verify';
import { SideApp, SideAppSpec } from '../workload/side-app';
import { Check, describeCheck } from './assertions';
import { baseline, errorWindow, longestGap, recoveredAt, seconds } from './timings';

export interface IncidentStep {
  /** Minutes from the incident's start (the fault), as the write-up tells it. */
  minute: number;
  what: string;
}

export interface ExperimentContext extends FaultContext {
  app: AppProcess;
  sideApps: SideApp[];
  ledger: Ledger;
  load: Load;
  vschema: VSchemaProbe;
  /** Every keyspace's VSchema with a timestamp, at steady state and on every change seen. */
  vschemaStore: VSchemaStore;
  /** Steady-state heartbeat (successful writes per second), known once steady state is reached. */
  baseline(): number | undefined;
  /** Steady-state mean of any series, known once steady state is reached. */
  baselineOf(probe: string, series: string): number | undefined;
}

export type Remediation =
  /** On the first alarm of any of these detectors. */
  | { onAlarm: string | string[]; action?: (ctx: ExperimentContext) => Promise<void> }
  | { afterMs: number; action?: (ctx: ExperimentContext) => Promise<void> }
  /** The system heals itself (e.g. VTOrc reparents): nothing waits for an alarm, recovery counts from injection. */
  | { automatic: string; action?: undefined };

/** One figure of the incident beside the same figure measured in the run. */
export interface IncidentComparison {
  what: string;
  incident: string;
  measured: string;
}

export interface Experiment {
  name: string;
  title: string;
  incident?: { file: string; timeline: IncidentStep[] };
  /** The incident's figures (dormancy, alarm delay, outage...) beside the measured ones. */
  compare?: (result: ExperimentResult) => IncidentComparison[];
  topology?: () => Topology;
  app?: Partial<Omit<AppOptions, 'vtgate'>>;
  load?: Partial<Omit<LoadOptions, 'url' | 'timeline' | 'ledger'>>;
  steadyState?: { seconds?: number; timeoutSeconds?: number; minWritesPerSec?: number };
  fault: Fault;
  /** What heals the fault, and when (default action: the fault's heal). */
  remediate: Remediation;
  /** `baseline`: the steady-state heartbeat; `baselineOf`: the steady-state mean of any series. */
  detectors?: (ctx: { baseline: () => number | undefined; baselineOf: (probe: string, series: string) => number | undefined }) => Detector[];
  /** The detector(s) whose alarm counts as "detected" (default: heartbeat-anomaly; a list: any of them); null: none required. */
  primaryDetector?: string | string[] | null;
  detectTimeoutSeconds?: number;
  /** Recovered when the heartbeat is back at `fraction` (default 0.8) of baseline for `sustainMs` (2000). */
  recovery?: { fraction?: number; sustainMs?: number; timeoutSeconds?: number };
  /** Load kept running after recovery, before the ledger is verified. */
  tailSeconds?: number;
  /** Awaited after recovery, under load (e.g. until a scheduled propagation ran). */
  afterRecovery?: (ctx: ExperimentContext) => Promise<void>;
  /** Probes beside the defaults. */
  probes?: (ctx: ExperimentContext) => Probe[];
  /** Set-up on the running cluster before the workload starts (seed data, plan checks). */
  prepare?: (cluster: Cluster) => Promise<void>;
  /** Other apps beside the main workload (other pool configurations), started with it. */
  sideApps?: (cluster: Cluster) => SideAppSpec[] | Promise<SideAppSpec[]>;
  /** Thresholds on the result, each recorded in result.checks; a failed one fails the run. */
  checks?: (result: ExperimentResult) => Check[];
  /** Tables the ledger checks (default: the inbox's). */
  ledgerTables?: LedgerTable[];
  /** The experiment's own figures, computed after the run (before cleanup) into result.measured. */
  measure?: (ctx: ExperimentContext, result: ExperimentResult) => Promise<Record<string, unknown>> | Record<string, unknown>;
}

export interface RunOptions {
  vitess?: string;
  database?: string;
  progress?: (line: string) => void;
  /** An already running cluster (then the experiment's topology is not used). */
  cluster?: Cluster;
  /** Leave out the probes that do not feed the detectors (for measuring probe cost). */
  minimalProbes?: boolean;
}

export type Phase = 'setup' | 'steady-state' | 'inject' | 'detect' | 'remediate' | 'recover' | 'verify';

export interface ExperimentResult {
  runId: string;
  experiment: string;
  title: string;
  vitess: string;
  database: string;
  verdict: 'pass' | 'fail' | 'unknown';
  problems: string[];
  baselineWritesPerSec?: number;
  timings: {
    injectAt?: number;
    /** Seconds from injection to each detector's first alarm (null: never fired). */
    detectionSeconds: Record<string, number | null>;
    remediationAt?: number;
    /** Seconds from injection to remediation. */
    remediationSeconds?: number;
    recoveredAt?: number;
    /** Seconds from remediation until the heartbeat was back at baseline. */
    recoverySeconds?: number;
    /** Seconds from injection to recovery. */
    timeToRecoverSeconds?: number;
    /** Longest stretch without any successful request around the fault, as clients saw it. */
    outageSeconds?: number;
    /** From the first to the last failed request after injection. */
    errorWindowSeconds?: number;
  };
  load: Load['totals'] & { rate: number };
  /** What clients were told when a request failed: app error codes, counts, a sample message. */
  clientErrors?: { byCode: Record<string, number>; samples: Record<string, string> };
  /** vtgate's API error counts by code at the end of the run. */
  vtgateErrors?: Record<string, number>;
  ledger?: LedgerVerdict;
  /** Every event of the run (phases, faults, alarms, remediation), on the timeline clock. */
  events: TimelineEvent[];
  incidentComparison?: IncidentComparison[];
  /** What the experiment's own `measure` slot computed. */
  measured?: Record<string, unknown>;
  /** Every threshold the experiment set, with the measured value. */
  checks?: Check[];
  reportFile?: string;
  bringUpSeconds?: number;
}

export async function runExperiment(exp: Experiment, options: RunOptions = {}): Promise<ExperimentResult> {
  const say = options.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const timeline = new Timeline();
  const phases: Partial<Record<Phase, number>> = {};
  const phase = (p: Phase) => {
    phases[p] = timeline.now();
    timeline.event('phase', p);
    say(`[${exp.name}] ${p} (+${(timeline.now() / 1000).toFixed(1)} s)`);
  };
  phase('setup');
  const ownCluster = !options.cluster;
  const cluster =
    options.cluster ??
    (await DockerCluster.start({ topology: (exp.topology ?? (() => withInboxSchema()))(), vitess: options.vitess, database: options.database, progress: say }));
  const rate = exp.load?.rate ?? 200;
  const result: ExperimentResult = {
    runId: cluster.runId,
    experiment: exp.name,
    title: exp.title,
    vitess: cluster.vitess.release,
    database: cluster.database.id,
    verdict: 'unknown',
    problems: [],
    timings: { detectionSeconds: {} },
    events: [],
    load: { ok: 0, failed: 0, timeouts: 0, writesAcked: 0, staleReads: 0, rate },
    bringUpSeconds: cluster.bringUpSeconds,
  };
  let app: AppProcess | undefined;
  const sideApps: SideApp[] = [];
  let probes: ProbeRunner | undefined;
  let detectors: DetectorRunner | undefined;
  let load: Load | undefined;
  let live: NodeJS.Timeout | undefined;
  let ctx: ExperimentContext | undefined;
  try {
    if (exp.prepare) {
      say(`[${exp.name}] preparing`);
      await exp.prepare(cluster);
    }
    app = await AppProcess.start({ vtgate: { host: cluster.vtgate.host, port: cluster.vtgate.port }, ...exp.app });
    for (const spec of (await exp.sideApps?.(cluster)) ?? []) sideApps.push(await SideApp.start(spec, timeline));
    const ledger = new Ledger();
    load = new Load({ url: app.url, timeline, ledger, rate, durationSeconds: 600, timeoutSeconds: 15, ...exp.load });
    let baselineValue: number | undefined;
    const vschemaStore = new VSchemaStore(join(runDir(cluster.runId), 'vschema', exp.name));
    const vschema = new VSchemaProbe(cluster, 1000, vschemaStore);
    let steadyWindow: [number, number] | undefined;
    const baselineOf = (probe: string, series: string) => (steadyWindow ? baseline(timeline.series(probe, series), ...steadyWindow) : undefined);
    ctx = { cluster, timeline, app, sideApps, ledger, load, vschema, vschemaStore, baseline: () => baselineValue, baselineOf };
    const appRef = app;
    const counters = () => appRef.counters();
    const standard: Probe[] = options.minimalProbes ? [new HeartbeatProbe(counters)] : standardProbes(cluster, counters, vschema);
    probes = new ProbeRunner(timeline, [...standard, ...(exp.probes?.(ctx) ?? [])]);
    const rules = exp.detectors?.({ baseline: () => baselineValue, baselineOf }) ?? [heartbeatAnomaly(() => baselineValue), p99LatencyHigh()];
    detectors = new DetectorRunner(timeline, rules);

    probes.start();
    load.start();
    detectors.start();
    const loadRef = load;
    live = setInterval(() => {
      const last = (name: string) => timeline.series('load', name).at(-1)?.[1] ?? 0;
      const stale = loadRef.totals.staleReads ? `  stale reads ${last('stale_reads_per_s').toFixed(0)}/s` : '';
      say(`[${exp.name}]   +${(timeline.now() / 1000).toFixed(1)} s  ok ${last('ok_per_s').toFixed(0)}/s  errors ${last('errors_per_s').toFixed(0)}/s${stale}  p99 ${last('p99_ms').toFixed(0)} ms  acked writes ${loadRef.totals.writesAcked}`);
    }, 2000);
    live.unref();

    phase('steady-state');
    const ss = { seconds: 5, timeoutSeconds: 60, ...exp.steadyState };
    const writeShare = 0.6; // writes in the default mix
    const minWrites = ss.minWritesPerSec ?? rate * writeShare * 0.5;
    const from = timeline.now() + 1000; // skip the first second: connections warming up
    baselineValue = await waitFor({
      what: `steady state (heartbeat >= ${minWrites.toFixed(0)} writes/s over ${ss.seconds} s)`,
      timeoutMs: ss.timeoutSeconds * 1000,
      intervalMs: 250,
      check: async () => {
        const now = timeline.now();
        const b = baseline(timeline.series('heartbeat', 'writes_per_s'), Math.max(from, now - ss.seconds * 1000), now);
        const long = now - from >= ss.seconds * 1000;
        return { ready: long && b !== undefined && b >= minWrites, status: `heartbeat ${b?.toFixed(1) ?? 'none'} writes/s after ${((now - from) / 1000).toFixed(1)} s`, value: b };
      },
    });
    result.baselineWritesPerSec = baselineValue;
    steadyWindow = [Math.max(from, timeline.now() - ss.seconds * 1000), timeline.now()];
    await vschema.takeSnapshot();

    phase('inject');
    detectors.arm();
    await exp.fault.inject(ctx);
    const injectAt = timeline.firstEvent('fault', exp.fault.name)?.t ?? timeline.now();
    result.timings.injectAt = injectAt;

    phase('detect');
    const primary = exp.primaryDetector === undefined ? 'heartbeat-anomaly' : exp.primaryDetector;
    const remediation = exp.remediate;
    const heal = remediation.action ?? ((c: ExperimentContext) => exp.fault.heal(c));
    let alarmed = true;
    if ('automatic' in remediation) {
      // Nothing to wait for: the system remediates on its own.
    } else if ('afterMs' in remediation) {
      const wait = injectAt + remediation.afterMs - timeline.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    } else {
      const names = ([] as string[]).concat(remediation.onAlarm);
      alarmed = await waitFor({
        what: `an alarm from ${names.join(' or ')}`,
        timeoutMs: (exp.detectTimeoutSeconds ?? 120) * 1000,
        intervalMs: 50,
        check: async () => ({ ready: names.some((n) => detectors!.first(n) !== undefined), status: 'no alarm yet' }),
      }).then(
        () => true,
        (e: Error) => {
          // Nobody was paged, so nobody remediates: the run fails, and the fault is still healed in finally.
          result.problems.push(e.message);
          return false;
        },
      );
    }

    if (alarmed) {
      let remediationAt = injectAt;
      if (!('automatic' in remediation)) {
        phase('remediate');
        await heal(ctx);
        remediationAt = (timeline.firstEvent('remediation', undefined, injectAt) ?? timeline.event('remediation', exp.remediate.action ? 'remediation action' : `heal ${exp.fault.name}`)).t;
        result.timings.remediationAt = remediationAt;
        result.timings.remediationSeconds = seconds(remediationAt - injectAt);
      }

      phase('recover');
      // 80 %: the heartbeat is a count over 1 s of ~100 writes, whose noise alone is ~10 %; at
      // 90 % a healthy stream dips under the bar often enough to delay "recovered" at random.
      const rec = { fraction: 0.8, sustainMs: 2000, timeoutSeconds: 120, ...exp.recovery };
      const base = baselineValue;
      const recovered = await waitFor({
        what: `recovery (heartbeat back at ${rec.fraction * 100} % of ${base.toFixed(1)} writes/s for ${rec.sustainMs} ms)`,
        timeoutMs: rec.timeoutSeconds * 1000,
        intervalMs: 100,
        check: async () => {
          const at = recoveredAt(timeline.series('heartbeat', 'writes_per_s'), remediationAt, base * rec.fraction, rec.sustainMs);
          return { ready: at !== undefined, status: 'heartbeat still low', value: at };
        },
      }).catch((e: Error) => {
        result.problems.push(e.message);
        return undefined;
      });
      if (recovered !== undefined) {
        timeline.event('recovered', 'heartbeat at baseline', { fraction: rec.fraction }, recovered);
        result.timings.recoveredAt = recovered;
        result.timings.recoverySeconds = seconds(recovered - remediationAt);
        result.timings.timeToRecoverSeconds = seconds(recovered - injectAt);
      }
    }
    if (exp.afterRecovery) await exp.afterRecovery(ctx);
    const tailEnd = timeline.now() + (exp.tailSeconds ?? 2) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, tailEnd - timeline.now())));
    detectors.stop();
    await load.stop();
    for (const d of rules) {
      const a = detectors.first(d.name);
      result.timings.detectionSeconds[d.name] = a ? seconds(a.t - injectAt) : null;
    }
    if (primary !== null && ([] as string[]).concat(primary).every((d) => result.timings.detectionSeconds[d] == null)) {
      result.problems.push(`detector ${([] as string[]).concat(primary).join(' or ')} never fired`);
    }
    // Over everything after injection: a later propagation's outage counts too.
    const gap = longestGap(load.latencies.map(([t]) => t), injectAt, timeline.now());
    if (gap) result.timings.outageSeconds = seconds(gap.ms);
    const errs = errorWindow(load.failures, injectAt, timeline.now());
    if (errs) result.timings.errorWindowSeconds = seconds(errs.ms);
    result.load = { ...load.totals, rate };
    const appCounters = await app.counters();
    result.clientErrors = { byCode: appCounters.errorsByCode, samples: appCounters.errorSamples };
    const vtgateSeries = timeline.labelSets('vtgate', 'errors_by_code');
    result.vtgateErrors = Object.fromEntries(vtgateSeries.map((l) => [l.code, timeline.series('vtgate', 'errors_by_code', l).at(-1)?.[1] ?? 0]));

    phase('verify');
    // Nothing may write while rows are compared (the staleness probe inserts heartbeats).
    await probes.stop();
    result.ledger = await verifyLedger(cluster, ledger, exp.ledgerTables ?? INBOX_TABLES);
    if (result.ledger.verdict === 'fail') {
      result.problems.push(
        `ledger: ${result.ledger.lost.length} acknowledged writes lost, ${result.ledger.duplicated.length} duplicated, ${result.ledger.altered.length} altered, ` +
          `${result.ledger.misplaced.length} on the wrong shard, ${result.ledger.vtgateMismatch.length} rows differing between vtgate and the shards`,
      );
    }
    result.events = [...timeline.events()];
    if (exp.measure) result.measured = await exp.measure(ctx, result);
    if (exp.checks) {
      result.checks = exp.checks(result);
      for (const c of result.checks.filter((x) => !x.pass)) result.problems.push(describeCheck(c));
    }
    result.verdict = result.ledger.verdict === 'unknown' ? 'unknown' : result.problems.length ? 'fail' : 'pass';
  } catch (e) {
    result.problems.push((e as Error).message);
    result.verdict = 'fail';
  } finally {
    result.events = [...timeline.events()];
    try {
      result.incidentComparison = exp.compare?.(result);
    } catch (e) {
      result.problems.push(`incident comparison: ${(e as Error).message}`);
    }
    if (live) clearInterval(live);
    if (ctx) await exp.fault.heal(ctx).catch((e: Error) => result.problems.push(`heal: ${e.message}`));
    exp.fault.dispose?.();
    await load?.stop().catch(() => undefined);
    detectors?.stop();
    await probes?.stop();
    await Promise.all(sideApps.map((a) => a.stop().catch(() => undefined)));
    await app?.stop();
    result.reportFile = await writeJsonReport(cluster.runId, exp.name, {
      result,
      experiment: { name: exp.name, title: exp.title, fault: { name: exp.fault.name, description: exp.fault.description }, incident: exp.incident },
      versions: { vitess: cluster.vitess, database: cluster.database },
      topology: cluster.topology,
      options: { load: { rate, ...exp.load }, app: exp.app, steadyState: exp.steadyState, recovery: exp.recovery, remediate: 'automatic' in exp.remediate ? { automatic: exp.remediate.automatic } : 'afterMs' in exp.remediate ? { afterMs: exp.remediate.afterMs } : { onAlarm: exp.remediate.onAlarm } },
      clientErrors: result.clientErrors,
      phases,
      timeline: timeline.toJSON(),
    }).catch(() => undefined);
    if (result.verdict !== 'pass') await cluster.saveLogs().catch(() => undefined);
    if (ownCluster) await cluster.stop();
    say(`[${exp.name}] ${result.verdict}; report ${result.reportFile ?? '(not written)'}`);
  }
  return result;
}
