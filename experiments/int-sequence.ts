// Incident 2026-04-14 (../shared/incidents/2026-04-14-int-sequence-exhaustion.txt): a table
// with a signed INT primary key took its ids from a Vitess sequence shared by all shards;
// when the sequence passed 2,147,483,647 every shard rejected inserts at the same instant.
// The integer-growth monitor covered auto-increment columns, not Vitess sequences, so nothing
// warned. A killswitch stopped writes to the table while it was migrated to BIGINT; ~2 h.
import { SEQUENCE_KEYSPACE, SHARDED_KEYSPACE, withShardedTable } from '../harness/cluster/default-topology';
import { runOnlineDdl } from '../harness/cluster/online-ddl';
import type { Topology } from '../harness/cluster/topology';
import type { Experiment, ExperimentContext, ExperimentResult, IncidentComparison } from '../harness/experiment/experiment';
import type { Fault, FaultContext } from '../harness/faults/fault';
import { headroomLow, heartbeatAnomaly } from '../harness/observe/detectors';
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

/** Moves the events sequence to DISTANCE ids below 2^31-1 (or, broken, leaves it where it is). */
export class SequenceAdvanceFault implements Fault {
  readonly name = 'sequence-near-int-max';
  readonly description = `events_seq advanced to ${DISTANCE} ids below 2^31-1`;
  constructor(private readonly broken = false) {}

  async inject(ctx: FaultContext): Promise<void> {
    const primary = await ctx.cluster.primaryOf(SEQUENCE_KEYSPACE, '0');
    const conn = await primary.mysql();
    try {
      if (!this.broken) await conn.query(`UPDATE ${primary.dbName}.events_seq SET next_id = ? WHERE id = 0`, [String(INT_MAX - DISTANCE)]);
    } finally {
      await conn.end();
    }
    ctx.timeline.event('fault', this.name, { nextId: String(INT_MAX - DISTANCE), broken: this.broken });
  }

  /** Nothing to undo: ids, once handed out, stay; the remediation widens the column instead. */
  async heal(): Promise<void> {}
}

/** Remediation, as the incident's: killswitch, migrate to BIGINT with Online DDL, lift the killswitch. */
async function remediate(ctx: ExperimentContext): Promise<void> {
  const { timeline, app, cluster } = ctx;
  await setKillswitch(app, 'events', true);
  timeline.event('remediation', 'killswitch on', { table: 'events' });
  const ddl = await runOnlineDdl(cluster, SHARDED_KEYSPACE, 'ALTER TABLE events MODIFY id BIGINT NOT NULL');
  timeline.event('remediation', 'events.id migrated to BIGINT', { uuid: ddl.uuid, seconds: ddl.seconds });
  await setKillswitch(app, 'events', false);
  timeline.event('remediation', 'killswitch off', { table: 'events' });
}

function eventAt(r: ExperimentResult, kind: string, name: string): number | undefined {
  return r.events.find((e) => e.kind === kind && e.name === name)?.t;
}

/** Figures the assertions and the report need, from the load's own records. */
async function measure(ctx: ExperimentContext, r: ExperimentResult): Promise<Record<string, unknown>> {
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
  const s = (ms: number | undefined) => (ms === undefined ? undefined : Math.round(ms) / 1000);
  const baselineEvents = ctx.baselineOf('heartbeat', 'event_writes_per_s');
  const warnDays = (usedFraction: number) => (baselineEvents ? Number((INT_MAX * BigInt(Math.round((1 - usedFraction) * 1000))) / 1000n) / baselineEvents / 86400 : undefined);
  return {
    eventsPerSecondAtSteadyState: baselineEvents,
    firstFailureByShardSeconds: Object.fromEntries(Object.entries(firstFailureByShard).map(([k, t]) => [k, s(t - inject)])),
    allShardsFailedWithinSeconds: firsts.length ? s(Math.max(...firsts) - Math.min(...firsts)) : undefined,
    clientError: rangeErrors[0]?.message,
    failedEventInserts: rangeErrors.length,
    headroomAlarmLeadSeconds: {
      '80%': firstFailure !== undefined && alarm('integer-headroom-80') !== undefined ? s(firstFailure - alarm('integer-headroom-80')!) : undefined,
      '95%': firstFailure !== undefined && alarm('integer-headroom-95') !== undefined ? s(firstFailure - alarm('integer-headroom-95')!) : undefined,
    },
    warningLeadDaysAtThisRate: { '80%': warnDays(0.8), '95%': warnDays(0.95) },
    detectionAfterFirstFailureSeconds: firstFailure !== undefined && alarm('event-heartbeat') !== undefined ? s(alarm('event-heartbeat')! - firstFailure) : undefined,
    steps: {
      killswitchAfterDetectionSeconds: killOn !== undefined && alarm('event-heartbeat') !== undefined ? s(killOn - alarm('event-heartbeat')!) : undefined,
      onlineDdlSeconds: killOn !== undefined && ddlDone !== undefined ? s(ddlDone - killOn) : undefined,
      killswitchOffAfterDdlSeconds: ddlDone !== undefined && killOff !== undefined ? s(killOff - ddlDone) : undefined,
    },
    otherEndpointsDuringKillswitch: { succeeded: otherOk, failed: otherFailed },
    eventIdsPastIntMax: pastMax,
  };
}

function compare(r: ExperimentResult): IncidentComparison[] {
  const m = (r.measured ?? {}) as Record<string, any>;
  const sec = (x: unknown) => (typeof x === 'number' ? `${x.toFixed(2)} s` : 'not measured');
  return [
    {
      what: 'warning before exhaustion',
      incident: 'none: the integer-growth monitor did not cover Vitess sequences',
      measured: `headroom alarms ${sec(m.headroomAlarmLeadSeconds?.['95%'])} (95 %) before the first failed insert; at this run's ${Number(m.eventsPerSecondAtSteadyState ?? 0).toFixed(0)} inserts/s an 80 % alarm warns ${Number(m.warningLeadDaysAtThisRate?.['80%'] ?? 0).toFixed(0)} days ahead`,
    },
    { what: 'all shards fail together', incident: 'every shard rejected inserts at the same instant', measured: `all shards within ${sec(m.allShardsFailedWithinSeconds)}` },
    { what: 'detection', incident: '~3 min from the first failure to the heartbeat alarm', measured: `${sec(m.detectionAfterFirstFailureSeconds)} after the first failure` },
    { what: 'killswitch', incident: '46 min after the first failure', measured: `${sec(m.steps?.killswitchAfterDetectionSeconds)} after the alarm` },
    { what: 'migration to BIGINT', incident: '~70 min (PR opened 11:50, deployed 13:00)', measured: `Online DDL ${sec(m.steps?.onlineDdlSeconds)}` },
    { what: 'recovery', incident: '~2 h 12 min to full recovery', measured: `${sec(r.timings.timeToRecoverSeconds)} from injection` },
  ];
}

export function intSequence(broken = false): Experiment {
  return {
    name: broken ? 'int-sequence-exhaustion-broken-fault' : 'int-sequence-exhaustion',
    title: 'A 32-bit key fed by a global sequence runs out on every shard at once',
    incident: INCIDENT,
    topology,
    // The remediation's killswitch is a route of its own.
    app: { routes: [killswitchRoutes()] },
    load: { rate: 150, mix: { create_event: 40 } },
    ledgerTables: [...INBOX_TABLES, { name: 'events', shardKey: 'id', payload: ['kind'] }],
    // The incident's heartbeat counted only the table's own writes (Fin's event records).
    probes: (ctx) => [new HeartbeatProbe(() => ctx.app.counters(), { series: 'event_writes_per_s', select: (c) => c.writesOkByTable?.events ?? 0 })],
    detectors: ({ baselineOf }) => [
      headroomLow({ thresholdPercent: 20, name: 'integer-headroom-80' }),
      headroomLow({ thresholdPercent: 5, name: 'integer-headroom-95' }),
      heartbeatAnomaly(() => baselineOf('heartbeat', 'event_writes_per_s'), { name: 'event-heartbeat', series: 'event_writes_per_s' }),
    ],
    primaryDetector: 'event-heartbeat',
    fault: new SequenceAdvanceFault(broken),
    remediate: { onAlarm: 'event-heartbeat', action: remediate },
    detectTimeoutSeconds: broken ? 30 : 60,
    recovery: { timeoutSeconds: RECOVER_WITHIN_SECONDS },
    measure,
    compare,
  };
}
