// Incident 2026-04-14 (../shared/incidents/2026-04-14-int-sequence-exhaustion.txt): a table
// with a signed INT primary key took its ids from a Vitess sequence shared by all shards;
// when the sequence passed 2,147,483,647 every shard rejected inserts at the same instant.
// The integer-growth monitor covered auto-increment columns, not Vitess sequences, so nothing
// warned. A killswitch stopped writes to the table while it was migrated to BIGINT; ~2 h.
import { SEQUENCE_KEYSPACE, SHARDED_KEYSPACE, withShardedTable } from '../harness/cluster/default-topology';
import { runOnlineDdl } from '../harness/cluster/online-ddl';
import type { Topology } from '../harness/cluster/topology';
import { atLeast, atMost, Check, equals, holds } from '../harness/experiment/assertions';
import type { Experiment, ExperimentContext, ExperimentResult, IncidentComparison } from '../harness/experiment/experiment';
import { Figure, figure, isMeasured, notMeasured } from '../harness/experiment/figure';
import { act, awaitAlarm, awaitRecovery, injectFault, remediate, Step } from '../harness/experiment/steps';
import { seconds } from '../harness/experiment/timings';
import { type Fault, type FaultContext, issued, observedEffect } from '../harness/faults/fault';
import { waitFor } from '../harness/cluster/readiness';
import { headroomLow, writeShareAnomaly } from '../harness/observe/detectors';
import { HeartbeatProbe } from '../harness/observe/probes';
import { INBOX_TABLES, withInboxSchema } from '../harness/workload/schema';
import { killswitchRoutes, setKillswitch } from './routes/killswitch';

export const INT_MAX = 2147483647n;
/** Sequence ids each trip to the sequence table reserves: small, so the advance takes effect at once. */
const SEQUENCE_CACHE = 5;
/**
 * Ids left below INT_MAX after the advance: at the run's ~40 event inserts/s the load
 * crosses 2^31-1 some 10 s after injection: time for the headroom alarms to warn first.
 */
export const DISTANCE = 400n;

/**
 * Thresholds. The headroom alarms (80 % and 95 % of the type used) must fire before the
 * first failed insert. Inserts must fail on every shard within one sequence-probe period
 * (1 s) of each other: the sequence is global. The event heartbeat must alarm within 5 s
 * of the first failure (1 s under half its baseline, sampled every 250 ms; the incident's
 * monitor took about a minute). Recovery (killswitch, Online DDL to BIGINT, killswitch off)
 * within 120 s: an Online DDL of a small table takes ~10 s here (docker/README.md).
 */
export const ALL_SHARDS_WITHIN_SECONDS = 1;
/** customer's shards (-80, 80-): every one must reject inserts. */
export const SHARD_COUNT = 2;
export const DETECT_WITHIN_SECONDS = 5;
export const RECOVER_WITHIN_SECONDS = 120;

export const INCIDENT = {
  file: '../shared/incidents/2026-04-14-int-sequence-exhaustion.txt',
  // Minutes from the first failed insert (11:18 UTC).
  timeline: [
    { minute: 0, what: 'the sequence passes 2,147,483,647: every shard rejects inserts' },
    { minute: 2, what: 'Fin conversation part creation rate drops ~70 %' },
    { minute: 3, what: 'Fin Heartbeat Anomaly Monitor fires; automated rollback; incident declared' },
    { minute: 10, what: 'root cause: the column reached its maximum integer value' },
    { minute: 32, what: 'migration PR opened (INT to BIGINT)' },
    { minute: 46, what: 'killswitch: writes to the table stopped; Fin answers again' },
    { minute: 102, what: 'migration deployed; Fin works for new conversations' },
    { minute: 132, what: 'full recovery confirmed' },
  ],
};

export function topology(): Topology {
  return withShardedTable(withInboxSchema(), {
    name: 'events',
    idColumn: 'id',
    cache: SEQUENCE_CACHE,
    ddl: `CREATE TABLE events (
      id INT NOT NULL, token VARCHAR(40) NOT NULL, conversation_id BIGINT NULL, kind VARCHAR(32) NOT NULL,
      created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (id), KEY token (token))`,
  });
}

/** The first step's headroom: past the 80 % alarm, short of the 95 % one. */
export const FIRST_STEP_USED = 0.9;
/** The weak fault's one step: 70 % of the type used, short of both headroom alarms. */
export const WEAK_STEP_USED = 0.7;

/** full: the incident; broken: nothing advanced; weak: advanced, but under both alarms (a negative control). */
export type SequenceFaultMode = 'full' | 'broken' | 'weak';

/**
 * Moves the events sequence towards 2^31-1 in two steps, as a growing table does over weeks:
 * first to 90 % of the type used (the 80 % alarm's ground), then, once the headroom probe has
 * read that, to DISTANCE ids below the maximum. Each headroom alarm then has its own moment
 * (one jump past both fired them at the same instant and showed nothing). Broken: no step.
 * Weak: one step to WEAK_STEP_USED, which no alarm may take for the real thing.
 */
export class SequenceAdvanceFault implements Fault {
  readonly name = 'sequence-near-int-max';
  readonly description: string;
  constructor(private readonly mode: SequenceFaultMode = 'full') {
    this.description =
      mode === 'weak' ? `events_seq advanced to ${WEAK_STEP_USED * 100} % of 2^31-1 only (a weak fault)` : `events_seq advanced to ${FIRST_STEP_USED * 100} % of 2^31-1, then to ${DISTANCE} ids below it`;
  }

  async inject(ctx: FaultContext): Promise<void> {
    const primary = await ctx.cluster.primaryOf(SEQUENCE_KEYSPACE, '0');
    const used = this.mode === 'weak' ? WEAK_STEP_USED : FIRST_STEP_USED;
    const first = (INT_MAX * BigInt(used * 1000)) / 1000n;
    // Never backwards: ids already handed out (a weak run before on the same cluster) stay unique.
    // The id is cast: GREATEST of a number and a string compares them as strings.
    const setNext = async (next: bigint) => {
      const conn = await primary.mysql();
      try {
        await conn.query(`UPDATE ${primary.dbName}.events_seq SET next_id = GREATEST(next_id, CAST(? AS SIGNED)) WHERE id = 0`, [String(next)]);
      } finally {
        await conn.end();
      }
    };
    const at = issued(ctx, this.name, { firstStep: String(first), ...(this.mode === 'weak' ? {} : { nextId: String(INT_MAX - DISTANCE) }), mode: this.mode });
    if (this.mode === 'broken') return;
    await setNext(first);
    // The probe must have seen the first step before the second: a readiness signal, not a sleep.
    const seenAt = await waitFor({
      what: `the sequence headroom probe to read the first step (headroom under ${Math.round((1 - used) * 100) + 1} %)`,
      timeoutMs: 30_000,
      intervalMs: 100,
      check: async () => {
        const t = ctx.timeline.series('sequence', 'headroom_percent').find(([tt, v]) => tt >= at && v < (1 - used) * 100 + 1)?.[0];
        return { ready: t !== undefined, status: 'not read yet', value: t };
      },
    });
    observedEffect(ctx, this.name, 'first step read by the headroom probe', { at: seenAt });
    if (this.mode === 'weak') return;
    await setNext(INT_MAX - DISTANCE);
    observedEffect(ctx, this.name, `second step: ${DISTANCE} ids left`);
  }

  /** Nothing to undo: ids, once handed out, stay; the remediation widens the column instead. */
  async heal(): Promise<void> {}
}

/** Remediation, as the incident's: killswitch, migrate to BIGINT with Online DDL, lift the killswitch. */
/** The incident's remediation, step by step: killswitch, the column widened by Online DDL, killswitch lifted. */
const REMEDIATION: Step[] = [
  remediate('killswitch on: writes to events stopped', async ({ timeline, app }) => {
    await setKillswitch(app, 'events', true);
    timeline.event('remediation', 'killswitch on', { table: 'events' });
  }),
  act('events.id migrated to BIGINT with Online DDL', async ({ timeline, cluster }) => {
    const ddl = await runOnlineDdl(cluster, SHARDED_KEYSPACE, 'ALTER TABLE events MODIFY id BIGINT NOT NULL');
    timeline.event('remediation', 'events.id migrated to BIGINT', { uuid: ddl.uuid, seconds: ddl.seconds });
  }),
  act('killswitch off', async ({ timeline, app }) => {
    await setKillswitch(app, 'events', false);
    timeline.event('remediation', 'killswitch off', { table: 'events' });
  }),
];

function eventAt(r: ExperimentResult<object>, kind: string, name: string): number | undefined {
  return r.events.find((e) => e.kind === kind && e.name === name)?.t;
}

export type IntSequenceMeasures = {
  eventsPerSecondAtSteadyState: Figure;
  firstFailureByShardSeconds: Record<string, number>;
  allShardsFailedWithinSeconds: Figure;
  clientError?: string;
  failedEventInserts: number;
  /** How long before the first failed insert each headroom alarm fired. */
  headroomAlarmLeadSeconds: { '80%': Figure; '95%': Figure };
  /** From the 80 % alarm to the 95 % one (the fault's two steps). */
  alarmsApartSeconds: Figure;
  warningLeadDaysAtThisRate: { '80%': Figure; '95%': Figure };
  detectionAfterFirstFailureSeconds: Figure;
  steps: { killswitchAfterDetectionSeconds: Figure; onlineDdlSeconds: Figure; killswitchOffAfterDdlSeconds: Figure };
  otherEndpointsDuringKillswitch: { succeeded: number; failed: number };
  eventIdsPastIntMax: number;
};

/** Check names the Jest file asserts one by one. */
export const CHECK = {
  shards: 'shards rejecting event inserts',
  together: 'spread of the first failed insert across shards',
  outOfRange: 'clients told the id is out of range',
  warned80: '80 % headroom alarm before the first failed insert',
  warned95: '95 % headroom alarm before the first failed insert',
  apart: '80 % alarm before the 95 % alarm',
  detection: 'event heartbeat alarm after the first failed insert',
  killswitchSpares: 'other endpoints failing during the killswitch',
  killswitchServes: 'other endpoints served during the killswitch',
  pastMax: 'event ids past 2^31-1 after the migration',
  recovery: 'time to recover from injection',
};

/** Figures the checks and the report need, from the load's own records. */
async function measure(ctx: ExperimentContext, r: ExperimentResult<IntSequenceMeasures>): Promise<IntSequenceMeasures> {
  const inject = r.timings.injectAt ?? 0;
  const rangeErrors = ctx.load.failureDetails.filter((f) => f.op === 'create_event' && f.t >= inject && /out of range/i.test(f.message ?? ''));
  const firstFailureByShard: Record<string, number> = {};
  for (const f of rangeErrors) {
    const shard = /target: [^.]+\.([^.]+)\.primary/.exec(f.message ?? '')?.[1] ?? 'unknown';
    firstFailureByShard[shard] ??= f.t;
  }
  const firsts = Object.values(firstFailureByShard);
  const firstFailure = firsts.length ? Math.min(...firsts) : undefined;
  const killOn = eventAt(r, 'remediation', 'killswitch on');
  const ddlDone = eventAt(r, 'remediation', 'events.id migrated to BIGINT');
  const killOff = eventAt(r, 'remediation', 'killswitch off');
  const during = (t: number) => killOn !== undefined && killOff !== undefined && t >= killOn && t <= killOff;
  const otherOk = [...ctx.load.successByOp].filter(([op]) => op !== 'create_event').reduce((n, [, ts]) => n + ts.filter(during).length, 0);
  const otherFailed = ctx.load.failureDetails.filter((f) => f.op !== 'create_event' && during(f.t)).length;
  const pastMax = ctx.ledger.acknowledged().filter((e) => e.table === 'events' && e.id !== undefined && BigInt(e.id) > INT_MAX).length;
  const alarm = (name: string) => eventAt(r, 'alarm', name);
  /** b − a in seconds, or not measured naming what is missing. */
  const between = (a: number | undefined, aName: string, b: number | undefined, bName: string): Figure =>
    a === undefined ? notMeasured(`no ${aName}`) : b === undefined ? notMeasured(`no ${bName}`) : seconds(b - a);
  const baselineEvents = ctx.baselineOf('heartbeat', 'event_writes_per_s');
  const warnDays = (usedFraction: number): Figure =>
    baselineEvents ? Number((INT_MAX * BigInt(Math.round((1 - usedFraction) * 1000))) / 1000n) / baselineEvents / 86400 : notMeasured('no steady-state event rate');
  const [a80, a95, hb] = [alarm('integer-headroom-80'), alarm('integer-headroom-95'), alarm('event-heartbeat')];
  return {
    eventsPerSecondAtSteadyState: figure(baselineEvents, 'no steady-state event rate'),
    firstFailureByShardSeconds: Object.fromEntries(Object.entries(firstFailureByShard).map(([k, t]) => [k, seconds(t - inject)])),
    allShardsFailedWithinSeconds: firsts.length ? seconds(Math.max(...firsts) - Math.min(...firsts)) : notMeasured('no insert failed out of range'),
    clientError: rangeErrors[0]?.message,
    failedEventInserts: rangeErrors.length,
    headroomAlarmLeadSeconds: {
      '80%': between(a80, '80 % headroom alarm', firstFailure, 'failed insert'),
      '95%': between(a95, '95 % headroom alarm', firstFailure, 'failed insert'),
    },
    alarmsApartSeconds: between(a80, '80 % headroom alarm', a95, '95 % headroom alarm'),
    warningLeadDaysAtThisRate: { '80%': warnDays(0.8), '95%': warnDays(0.95) },
    detectionAfterFirstFailureSeconds: between(firstFailure, 'failed insert', hb, 'event heartbeat alarm'),
    steps: {
      killswitchAfterDetectionSeconds: between(hb, 'event heartbeat alarm', killOn, 'killswitch'),
      onlineDdlSeconds: between(killOn, 'killswitch', ddlDone, 'finished Online DDL'),
      killswitchOffAfterDdlSeconds: between(ddlDone, 'finished Online DDL', killOff, 'killswitch lifted'),
    },
    otherEndpointsDuringKillswitch: { succeeded: otherOk, failed: otherFailed },
    eventIdsPastIntMax: pastMax,
  };
}

/** Every threshold of the experiment, as checks in its result (pure). */
export function intSequenceChecks(r: ExperimentResult<IntSequenceMeasures>): Check[] {
  const m = r.measured;
  if (!m) return [atMost('int-sequence measures', notMeasured('measure did not run'), 0)];
  const positive = (f: Figure): boolean | undefined => (isMeasured(f) ? f > 0 : undefined);
  const why = (f: Figure) => (isMeasured(f) ? '' : f.notMeasured);
  return [
    equals(CHECK.shards, Object.keys(m.firstFailureByShardSeconds).filter((k) => k !== 'unknown').length, SHARD_COUNT, 'shards'),
    atMost(CHECK.together, m.allShardsFailedWithinSeconds, ALL_SHARDS_WITHIN_SECONDS),
    holds(CHECK.outOfRange, m.clientError === undefined ? undefined : /out of range/i.test(m.clientError), 'no client error recorded'),
    holds(CHECK.warned80, positive(m.headroomAlarmLeadSeconds['80%']), why(m.headroomAlarmLeadSeconds['80%'])),
    holds(CHECK.warned95, positive(m.headroomAlarmLeadSeconds['95%']), why(m.headroomAlarmLeadSeconds['95%'])),
    holds(CHECK.apart, positive(m.alarmsApartSeconds), why(m.alarmsApartSeconds)),
    atMost(CHECK.detection, m.detectionAfterFirstFailureSeconds, DETECT_WITHIN_SECONDS),
    equals(CHECK.killswitchSpares, m.otherEndpointsDuringKillswitch.failed, 0, 'requests'),
    atLeast(CHECK.killswitchServes, m.otherEndpointsDuringKillswitch.succeeded, 1, 'requests'),
    atLeast(CHECK.pastMax, m.eventIdsPastIntMax, 1, 'ids'),
    atMost(CHECK.recovery, r.timings.timeToRecoverSeconds, RECOVER_WITHIN_SECONDS),
  ];
}

function compare(r: ExperimentResult<IntSequenceMeasures>): IncidentComparison[] {
  const m = r.measured;
  const sec = (x: Figure | undefined) => (isMeasured(x) ? `${x.toFixed(2)} s` : 'not measured');
  const n = (x: Figure | undefined) => (isMeasured(x) ? x.toFixed(0) : '?');
  return [
    {
      what: 'warning before exhaustion',
      incident: 'none: the integer-growth monitor did not cover Vitess sequences',
      measured: `headroom alarms ${sec(m?.headroomAlarmLeadSeconds['80%'])} (80 %) and ${sec(m?.headroomAlarmLeadSeconds['95%'])} (95 %) before the first failed insert; at this run's ${n(m?.eventsPerSecondAtSteadyState)} inserts/s an 80 % alarm warns ${n(m?.warningLeadDaysAtThisRate['80%'])} days ahead`,
    },
    { what: 'all shards fail together', incident: 'every shard rejected inserts at the same instant', measured: `all shards within ${sec(m?.allShardsFailedWithinSeconds)}` },
    { what: 'detection', incident: '~3 min from the first failure to the heartbeat alarm', measured: `${sec(m?.detectionAfterFirstFailureSeconds)} after the first failure` },
    { what: 'killswitch', incident: '46 min after the first failure', measured: `${sec(m?.steps.killswitchAfterDetectionSeconds)} after the alarm` },
    { what: 'migration to BIGINT', incident: '~70 min (PR opened 11:50, deployed 13:00)', measured: `Online DDL ${sec(m?.steps.onlineDdlSeconds)}` },
    { what: 'recovery', incident: '~2 h 12 min to full recovery', measured: `${sec(r.timings.timeToRecoverSeconds)} from injection` },
  ];
}

const CONTROLS = {
  broken: { why: 'the sequence is not advanced', failsWith: /no alarm|never fired/ },
  weak: { why: `the sequence is advanced to ${WEAK_STEP_USED * 100} % only: under both headroom alarms, no insert fails`, failsWith: /no alarm|never fired/ },
};

export function intSequence(mode: SequenceFaultMode = 'full'): Experiment<IntSequenceMeasures> {
  const control = mode === 'full' ? undefined : CONTROLS[mode];
  return {
    name: mode === 'full' ? 'int-sequence-exhaustion' : `int-sequence-exhaustion-${mode === 'broken' ? 'broken-fault' : 'weak-fault'}`,
    ...(control ? { negativeControl: control } : {}),
    title: 'A 32-bit key fed by a global sequence runs out on every shard at once',
    incident: INCIDENT,
    topology,
    // The remediation's killswitch is a route of its own.
    app: { routes: [killswitchRoutes()] },
    load: { rate: 150, mix: { create_event: 40 } },
    ledgerTables: [...INBOX_TABLES, { name: 'events', shardKey: 'id', payload: ['kind'] }],
    // The incident's heartbeat counted only the table's own writes (Fin's event records).
    // The alarm reads the events' share of all writes: a busy host slows every write alike.
    probes: (ctx) => [new HeartbeatProbe(() => ctx.app.counters(), { series: 'event_writes_per_s', shareSeries: 'event_write_share', select: (c) => c.writesOkByTable?.events ?? 0 })],
    detectors: ({ baselineOf }) => [
      headroomLow({ thresholdPercent: 20, name: 'integer-headroom-80' }),
      headroomLow({ thresholdPercent: 5, name: 'integer-headroom-95' }),
      writeShareAnomaly(() => baselineOf('heartbeat', 'event_write_share'), { name: 'event-heartbeat', series: 'event_write_share', what: 'event inserts' }),
    ],
    primaryDetector: 'event-heartbeat',
    fault: new SequenceAdvanceFault(mode),
    // A weak fault has nothing to remediate: were the event heartbeat to fire on noise, the
    // Online DDL must not run (it would widen the column under the exhaustion that follows).
    steps:
      mode === 'weak'
        ? [injectFault(), awaitAlarm('event-heartbeat', { timeoutSeconds: 30 })]
        : [injectFault(), awaitAlarm('event-heartbeat', { timeoutSeconds: control ? 30 : 60 }), ...REMEDIATION, awaitRecovery({ timeoutSeconds: RECOVER_WITHIN_SECONDS })],
    measure,
    checks: intSequenceChecks,
    compare,
  };
}
