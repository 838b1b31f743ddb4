// One run of one experiment, phase by phase: each method is one phase of the lifecycle in
// experiment.ts, and `end()` is the cleanup that always runs. State shared between phases
// (the app, load, probes, detectors, baseline) lives on the run, not in one long function.
import { type Cluster, FaultRefusedError } from '../cluster/cluster';
import { startCluster } from '../cluster/start';
import { waitFor } from '../cluster/readiness';
import { Detector, DetectorRunner, heartbeatAnomaly, p99LatencyHigh } from '../observe/detectors';
import { HeartbeatProbe, Probe, ProbeRunner, standardProbes, VSchemaProbe } from '../observe/probes';
import { Timeline } from '../observe/timeline';
import { VSchemaStore } from '../observe/vschema-store';
import { stallReadings } from '../observe/stall-meter';
import { effectEvent } from '../faults/fault';
import { join } from 'node:path';
import { runDir } from '../paths';
import { writeJsonReport } from '../report/json';
import { AppProcess } from '../workload/app-process';
import { Ledger } from '../workload/ledger';
import { Load, writeShare } from '../workload/load';
import { INBOX_TABLES, withInboxSchema } from '../workload/schema';
import { verifyLedger } from '../workload/verify';
import { SideApp } from '../workload/side-app';
import { describeCheck } from './assertions';
import { detections, outcomeOf, verdictOf } from './verdict';
import type { Experiment, ExperimentContext, ExperimentResult, Phase, RunOptions } from './experiment';
import { runStepList, type StepContext, type StepKind } from './steps';
import { baseline, errorWindow, longestGap, seconds, settledHeartbeat, stallInGap } from './timings';

/** The cluster keeps up when it serves at least this share of the writes the load offers. */
const KEEP_UP = 0.8;

export class ExperimentRun<M extends object> {
  readonly result: ExperimentResult<M>;
  private readonly rate: number;
  private rules: Detector[] = [];
  private app?: AppProcess;
  private readonly sideApps: SideApp[] = [];
  private probes?: ProbeRunner;
  private detectors?: DetectorRunner;
  private load?: Load;
  private live?: NodeJS.Timeout;
  private ctx?: ExperimentContext;
  private baselineValue?: number;
  private steadyWindow?: [number, number];
  private verified = false;
  private injectAt?: number;
  private remediationAt?: number;

  private constructor(
    private readonly exp: Experiment<M>,
    private readonly cluster: Cluster,
    private readonly ownCluster: boolean,
    private readonly say: (line: string) => void,
    private readonly phases: Partial<Record<Phase, number>>,
    private readonly timeline: Timeline,
  ) {
    this.rate = exp.load?.rate ?? 200;
    this.result = {
      runId: cluster.runId,
      experiment: exp.name,
      title: exp.title,
      vitess: cluster.vitess.release,
      database: cluster.database.id,
      verdict: 'unknown',
      problems: [],
      timings: { detectionSeconds: {} },
      events: [],
      load: { ok: 0, failed: 0, timeouts: 0, writesAcked: 0, staleReads: 0, rate: this.rate },
      bringUpSeconds: cluster.bringUpSeconds,
    };
  }

  /** Setup's first half: the cluster (given, or started for this run). */
  static async begin<M extends object>(exp: Experiment<M>, options: RunOptions): Promise<ExperimentRun<M>> {
    const say = options.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
    keepLogsAlways(); // a bad value fails here, before a cluster starts
    const timeline = new Timeline();
    const phases: Partial<Record<Phase, number>> = {};
    markPhase(exp, timeline, phases, say, 'setup');
    const cluster =
      options.cluster ??
      (await startCluster({ topology: (exp.topology ?? (() => withInboxSchema()))(), vitess: options.vitess, database: options.database, progress: say }));
    if (cluster.attached && !cluster.attached.allowFaults) {
      if (!options.cluster) await cluster.stop();
      throw new FaultRefusedError(
        `${exp.name} injects a fault (${exp.fault.name}) into the Vitess in namespace ${cluster.attached.namespace}, which the harness did not start: ` +
          `pass --allow-faults (VITESS_CHAOS_ALLOW_FAULTS=1) to let it; nothing was run`,
      );
    }
    return new ExperimentRun(exp, cluster, !options.cluster, say, phases, timeline);
  }

  private phase(p: Phase): void {
    markPhase(this.exp, this.timeline, this.phases, this.say, p);
  }

  /** Setup's second half: seed data, the app and side apps, load, probes, detectors, progress lines. */
  async setUp(options: RunOptions): Promise<void> {
    const { exp, cluster, timeline } = this;
    if (exp.prepare) {
      this.say(`[${exp.name}] preparing`);
      await exp.prepare(cluster);
    }
    const app = (this.app = await AppProcess.start({ vtgate: { host: cluster.vtgate.host, port: cluster.vtgate.port }, ...exp.app }));
    for (const spec of (await exp.sideApps?.(cluster)) ?? []) this.sideApps.push(await SideApp.start(spec, timeline));
    const ledger = new Ledger();
    const load = (this.load = new Load({ url: app.url, timeline, ledger, rate: this.rate, durationSeconds: 600, timeoutSeconds: 15, ...exp.load }));
    const vschemaStore = new VSchemaStore(join(runDir(cluster.runId), 'vschema', exp.name));
    const vschema = new VSchemaProbe(cluster, 1000, vschemaStore);
    const baselineOf = (probe: string, series: string) => (this.steadyWindow ? baseline(timeline.series(probe, series), ...this.steadyWindow) : undefined);
    const ctx: ExperimentContext = (this.ctx = { cluster, timeline, app, sideApps: this.sideApps, ledger, load, vschema, vschemaStore, baseline: () => this.baselineValue, baselineOf });
    const counters = () => app.counters();
    const standard: Probe[] = options.minimalProbes ? [new HeartbeatProbe(counters)] : standardProbes(cluster, counters, vschema);
    this.probes = new ProbeRunner(timeline, [...standard, ...(exp.probes?.(ctx) ?? [])]);
    this.rules = exp.detectors?.({ baseline: () => this.baselineValue, baselineOf }) ?? [heartbeatAnomaly(() => this.baselineValue), p99LatencyHigh()];
    this.detectors = new DetectorRunner(timeline, this.rules);

    this.probes.start();
    load.start();
    this.detectors.start();
    this.live = setInterval(() => {
      const last = (name: string) => timeline.series('load', name).at(-1)?.[1] ?? 0;
      const stale = load.totals.staleReads ? `  stale reads ${last('stale_reads_per_s').toFixed(0)}/s` : '';
      this.say(`[${exp.name}]   +${(timeline.now() / 1000).toFixed(1)} s  ok ${last('ok_per_s').toFixed(0)}/s  errors ${last('errors_per_s').toFixed(0)}/s${stale}  p99 ${last('p99_ms').toFixed(0)} ms  acked writes ${load.totals.writesAcked}`);
    }, 2000);
    this.live.unref();
  }

  /**
   * The heartbeat settles (steady for `seconds`, no errors); its mean there is the baseline.
   * When the cluster kept up with less than KEEP_UP of the writes offered, this machine cannot
   * carry the experiment's rate: the load is lowered to what it sustained and the steady state
   * awaited again, so a slower machine runs the experiment at its own pace instead of failing.
   */
  async reachSteadyState(): Promise<void> {
    const { exp, timeline, result } = this;
    const load = this.load!;
    this.phase('steady-state');
    const ss = { seconds: 5, timeoutSeconds: 90, retargets: 2, ...exp.steadyState };
    const share = writeShare(exp.load?.mix);
    for (let attempt = 0; ; attempt++) {
      const from = timeline.now() + 1000; // skip the first second: connections warming up
      const mean = await waitFor({
        what: `steady state (heartbeat settled for ${ss.seconds} s at ${load.rate.toFixed(0)} req/s offered)`,
        timeoutMs: ss.timeoutSeconds * 1000,
        intervalMs: 250,
        check: async () => {
          const now = timeline.now();
          const s = settledHeartbeat(timeline.series('heartbeat', 'writes_per_s'), timeline.series('load', 'error_rate'), now, {
            windowMs: ss.seconds * 1000,
            // Offered: what was sent over the window when that was more than the nominal rate.
            answered: { series: timeline.series('load', 'ok_per_s'), offeredPerSec: Math.max(load.rate, baseline(timeline.series('load', 'sent_per_s'), now - ss.seconds * 1000, now) ?? 0) },
          });
          const floor = ss.minWritesPerSec ?? 0;
          const long = now - from >= ss.seconds * 1000;
          return { ready: long && s.settled && (s.mean ?? 0) >= floor, status: `${s.status} after ${((now - from) / 1000).toFixed(1)} s`, value: s.mean };
        },
      });
      const offered = load.rate * share;
      const kept = offered > 0 ? mean / offered : 1;
      if (kept >= KEEP_UP || attempt >= ss.retargets) {
        this.baselineValue = mean;
        if (kept < KEEP_UP) timeline.event('note', 'the cluster does not keep up with the load', { offeredWritesPerSec: offered, sustainedWritesPerSec: mean });
        break;
      }
      const next = Math.max(10, Math.floor(load.rate * kept * 0.9));
      this.say(`[${exp.name}] this machine sustained ${mean.toFixed(0)} of ${offered.toFixed(0)} writes/s offered: load lowered from ${load.rate.toFixed(0)} to ${next} req/s`);
      timeline.event('note', 'load lowered to what the cluster sustained', { fromRate: load.rate, toRate: next, offeredWritesPerSec: offered, sustainedWritesPerSec: mean });
      load.retarget(next);
    }
    result.baselineWritesPerSec = this.baselineValue;
    result.load.rate = load.rate;
    this.steadyWindow = [timeline.now() - ss.seconds * 1000, timeline.now()];
    await this.context().vschema.takeSnapshot();
  }

  /**
   * The experiment's steps, in order, each stamped on the timeline (kind 'step', start and end).
   * A step that throws is a problem of the run; the steps after it are skipped (nobody acts on
   * a page that never came) unless they are marked `always`. Returns when the fault was issued.
   */
  async runSteps(): Promise<number> {
    const { exp, timeline, result } = this;
    const problems = await runStepList(exp.steps, this.stepContext(), timeline, {
      onStart: (step) => {
        const phase = PHASE_OF[step.kind];
        if (phase) this.phase(phase);
      },
      onRemediated: (at) => (this.remediationAt = at),
    });
    result.problems.push(...problems);
    this.stampTimings();
    return this.injectAt ?? timeline.now();
  }

  /** The result's timings, read back from the timeline the steps wrote. */
  private stampTimings(): void {
    const { timeline, result } = this;
    const injectAt = this.injectAt;
    if (injectAt === undefined) return;
    const t = result.timings;
    t.injectAt = injectAt;
    if (this.remediationAt !== undefined) {
      t.remediationAt = this.remediationAt;
      t.remediationSeconds = seconds(this.remediationAt - injectAt);
    }
    const recovered = timeline.firstEvent('recovered', undefined, injectAt)?.t;
    if (recovered !== undefined) {
      t.recoveredAt = recovered;
      const harm = effectOf(timeline, this.exp.fault.name, injectAt) ?? injectAt;
      t.recoverySeconds = seconds(recovered - (this.remediationAt ?? harm));
      t.timeToRecoverSeconds = seconds(recovered - injectAt);
    }
  }

  private stepContext(): StepContext {
    const ctx = this.context();
    const { exp, timeline } = this;
    return {
      ...ctx,
      injectAt: () => this.injectAt,
      harmAt: () => (this.injectAt === undefined ? undefined : (effectOf(timeline, exp.fault.name, this.injectAt) ?? this.injectAt)),
      remediationAt: () => this.remediationAt,
      // Detectors are armed by the inject step (and again by rearm): an alarm is one since then.
      alarm: (name) => this.detectors!.sinceArmed(name)?.t,
      rearm: (names) => this.detectors!.arm(names),
      injectFault: async () => {
        await exp.fault.prepare?.(ctx);
        this.detectors!.arm();
        const before = timeline.now();
        await exp.fault.inject(ctx);
        this.injectAt = timeline.firstEvent('fault', exp.fault.name, before)?.t ?? before;
      },
      healFault: () => exp.fault.heal(ctx),
    };
  }

  /** The tail under load, then the load's figures. */
  async finishLoad(injectAt: number): Promise<void> {
    const { exp, timeline, result } = this;
    const load = this.load!;
    const detectors = this.detectors!;
    const tailEnd = timeline.now() + (exp.tailSeconds ?? 2) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, tailEnd - timeline.now())));
    detectors.stop();
    await load.stop();
    const found = detections(Object.fromEntries(this.rules.map((d) => [d.name, detectors.first(d.name)?.t])), injectAt);
    result.timings.detectionSeconds = found.seconds;
    result.problems.push(...found.problems);
    const primary = exp.primaryDetector === undefined ? 'heartbeat-anomaly' : exp.primaryDetector;
    if (primary !== null && ([] as string[]).concat(primary).every((d) => result.timings.detectionSeconds[d] == null)) {
      result.problems.push(`detector ${([] as string[]).concat(primary).join(' or ')} never fired`);
    }
    // Over everything after injection: a later propagation's outage counts too.
    const gap = longestGap(load.latencies.map(([t]) => t), injectAt, timeline.now());
    if (gap) {
      result.timings.outageSeconds = seconds(gap.ms);
      result.timings.outageAt = gap.start;
      result.timings.outageStallSeconds = seconds(stallInGap(stallReadings(timeline), gap));
    }
    const errs = errorWindow(load.failures, injectAt, timeline.now());
    if (errs) result.timings.errorWindowSeconds = seconds(errs.ms);
    result.load = { ...load.totals, rate: load.rate, offeredRate: this.rate };
    const appCounters = await this.app!.counters();
    result.clientErrors = { byCode: appCounters.errorsByCode, samples: appCounters.errorSamples };
    const vtgateSeries = timeline.labelSets('vtgate', 'errors_by_code');
    result.vtgateErrors = Object.fromEntries(vtgateSeries.map((l) => [l.code, timeline.series('vtgate', 'errors_by_code', l).at(-1)?.[1] ?? 0]));
  }

  /** The ledger against the rows, the experiment's own figures and checks, the verdict. */
  async verify(): Promise<void> {
    const { exp, result } = this;
    this.phase('verify');
    // Nothing may write while rows are compared (the staleness probe inserts heartbeats).
    await this.probes!.stop();
    result.ledger = await verifyLedger(this.cluster, this.context().ledger, exp.ledgerTables ?? INBOX_TABLES);
    if (result.ledger.verdict === 'fail') {
      result.problems.push(
        `ledger: ${result.ledger.lost.length} acknowledged writes lost, ${result.ledger.duplicated.length} duplicated, ${result.ledger.altered.length} altered, ` +
          `${result.ledger.misplaced.length} on the wrong shard, ${result.ledger.vtgateMismatch.length} rows differing between vtgate and the shards`,
      );
    }
    result.events = [...this.timeline.events()];
    // A measure that throws leaves its figures unmeasured: the checks then say so and fail.
    if (exp.measure) {
      try {
        result.measured = await exp.measure(this.context(), result);
      } catch (e) {
        result.problems.push(`measure: ${(e as Error).message}`);
      }
    }
    if (exp.checks) {
      result.checks = exp.checks(result);
      for (const c of result.checks.filter((x) => !x.pass)) result.problems.push(describeCheck(c));
    }
    this.verified = true;
  }

  fail(e: Error): void {
    this.result.problems.push(e.message);
  }

  /**
   * The one verdict, set once everything that can find a problem has run (the checks, and the
   * heal in end()): any problem fails the run; a run that never reached verify fails; a ledger
   * that could not be read leaves it unknown.
   */
  private settleVerdict(): void {
    const { result } = this;
    if (!this.verified && !result.problems.length) result.problems.push('the run ended before its verification');
    result.verdict = verdictOf({ problems: result.problems, verified: this.verified, ledger: result.ledger });
    const control = this.exp.negativeControl;
    if (control) result.expected = { verdict: 'fail', why: control.why, failsWith: control.failsWith.source };
    result.outcome = outcomeOf(result.verdict, result.problems, control);
  }

  /** Always runs: the fault healed, everything stopped, the JSON report written, logs kept on failure. */
  async end(): Promise<void> {
    const { exp, result, cluster, timeline } = this;
    result.events = [...timeline.events()];
    try {
      result.incidentComparison = exp.compare?.(result);
    } catch (e) {
      result.problems.push(`incident comparison: ${(e as Error).message}`);
    }
    if (this.live) clearInterval(this.live);
    if (this.ctx) await exp.fault.heal(this.ctx).catch((e: Error) => result.problems.push(`heal: ${e.message}`));
    exp.fault.dispose?.();
    await this.load?.stop().catch(() => undefined);
    this.detectors?.stop();
    await this.probes?.stop();
    await Promise.all(this.sideApps.map((a) => a.stop().catch(() => undefined)));
    await this.app?.stop();
    this.settleVerdict();
    result.reportFile = await writeJsonReport(cluster.runId, exp.name, {
      result,
      experiment: { name: exp.name, title: exp.title, fault: { name: exp.fault.name, description: exp.fault.description }, incident: exp.incident },
      versions: { vitess: cluster.vitess, database: cluster.database },
      topology: cluster.topology,
      options: { load: { rate: this.rate, ...exp.load }, app: exp.app, steadyState: exp.steadyState, steps: exp.steps.map((st, i) => ({ step: i + 1, kind: st.kind, what: st.what, ...(st.always ? { always: true } : {}) })) },
      clientErrors: result.clientErrors,
      phases: this.phases,
      timeline: timeline.toJSON(),
    }).catch(() => undefined);
    if (result.verdict !== 'pass' || keepLogsAlways()) await cluster.saveLogs().catch(() => undefined);
    if (this.ownCluster) await cluster.stop();
    this.say(`[${exp.name}] ${result.verdict}${exp.negativeControl ? ` (negative control: ${result.outcome})` : ''}; report ${result.reportFile ?? '(not written)'}`);
  }

  private context(): ExperimentContext {
    if (!this.ctx) throw new Error('the run was not set up');
    return this.ctx;
  }
}

function markPhase<M extends object>(exp: Experiment<M>, timeline: Timeline, phases: Partial<Record<Phase, number>>, say: (l: string) => void, p: Phase): void {
  phases[p] = timeline.now();
  timeline.event('phase', p);
  say(`[${exp.name}] ${p} (+${(timeline.now() / 1000).toFixed(1)} s)`);
}

/** The lifecycle phase a step opens, as the report's markers show them. */
const PHASE_OF: Partial<Record<StepKind, Phase>> = { inject: 'inject', 'await-alarm': 'detect', remediate: 'remediate', 'await-recovery': 'recover' };

/** When the fault's effect was observed (its 'effect observed' event after the issue), if it was. */
function effectOf(timeline: Timeline, fault: string, injectAt: number): number | undefined {
  return effectEvent(timeline.events(), fault, injectAt)?.t;
}

/**
 * Node logs go into the report directory when a run does not pass; VITESS_CHAOS_KEEP_LOGS=always
 * keeps them after a pass too (to study a slow pass, e.g. a late failover that stayed in bounds).
 */
export function keepLogsAlways(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.VITESS_CHAOS_KEEP_LOGS;
  if (v === undefined || v === '' || v === 'on-failure') return false;
  if (v === 'always') return true;
  throw new Error(`VITESS_CHAOS_KEEP_LOGS=${v}: use "always" or "on-failure" (the default)`);
}
