// Incident 2026-01-27: a bulk deletion worker and an ETL reader hit one shard at once; its
// replicas saturated, lag reached 2.2 hours and customers read stale data while writes never
// failed. Here both run against customer/-80, whose replicas are capped in CPU; the app reads
// from replicas. The variant is the fix that shipped: the deleter asks the tablet throttler.
import type { Cluster } from '../harness/cluster/cluster';
import { withShardedTable } from '../harness/cluster/default-topology';
import { waitFor } from '../harness/cluster/readiness';
import type { Topology } from '../harness/cluster/topology';
import { atMost, equals } from '../harness/experiment/assertions';
import type { Experiment, ExperimentContext, IncidentStep } from '../harness/experiment/experiment';
import { replicationLagHigh, ThresholdDetector } from '../harness/observe/detectors';
import type { Fault, FaultContext } from '../harness/faults/fault';
import { BulkDeleter, EtlReader } from '../harness/workload/background';
import { withInboxSchema } from '../harness/workload/schema';

export const KEYSPACE = 'customer';
export const SHARD = '-80';
export const OTHER_SHARD = '80-';
/** Rows of the table the deleter empties; about half live on each shard. */
export const ARCHIVE_ROWS = 60_000;

export const THRESHOLDS = {
  /** Lag alarm threshold (seconds): the incident's customers saw data minutes to hours old. */
  lagSeconds: 5,
  /** The alarm within 5 s of lag crossing the threshold, and within 60 s of the fault (incident: 22 min). */
  alarmAfterCrossingSeconds: 5,
  detectSeconds: 60,
  /** Lag back under 1 s within 120 s of the remediation (incident: ~5 h to full recovery). */
  lagBackSeconds: 120,
  /** The untouched shard's replicas never lag past 1 s. */
  otherShardLagSeconds: 1,
  /** Throttled variant: the deleter asks the throttler for lag under 1 s; it must keep lag under the alarm threshold. */
  throttlerLagSeconds: 1,
};

export const INCIDENT_TIMELINE: IncidentStep[] = [
  { minute: 0, what: 'replica CPU on one shard climbs: deletion workers and ETL together; lag starts (17:03 UTC)' },
  { minute: 22, what: 'alarm from a worker backlog; incident declared (17:25)' },
  { minute: 82, what: 'ETL disabled (18:25)' },
  { minute: 270, what: 'deletion workers scaled to zero; ETL re-enabled (21:33)' },
  { minute: 306, what: 'replicas healthy, lag cleared (22:09)' },
];

export function topology(): Topology {
  return withShardedTable(withInboxSchema(), {
    name: 'archive',
    idColumn: 'id',
    ddl: 'CREATE TABLE archive (id BIGINT NOT NULL, payload VARCHAR(1500) NOT NULL, PRIMARY KEY (id))',
  });
}

/** (Re)fills archive rows 1..ARCHIVE_ROWS through vtgate (rows a previous case deleted come back). */
export async function seedArchive(cluster: Cluster): Promise<void> {
  const pool = cluster.vtgatePool({ connectionLimit: 2, database: KEYSPACE });
  const batch = 200;
  for (let from = 1; from <= ARCHIVE_ROWS; from += batch) {
    const rows = Array.from({ length: Math.min(batch, ARCHIVE_ROWS - from + 1) }, (_, i) => [from + i, `archived ${from + i} `.padEnd(1500, 'x')]);
    await pool.query('INSERT IGNORE INTO archive (id, payload) VALUES ?', [rows]);
  }
}

/** The overload: replicas of one shard capped in CPU, a deletion worker and an ETL reader on that shard. */
export class ReplicaOverloadFault implements Fault {
  readonly name: string;
  readonly description: string;
  deleter?: BulkDeleter;
  etl?: EtlReader;
  private capped: string[] = [];

  constructor(private readonly o: { throttled: boolean; broken?: boolean; replicaCpus?: number }) {
    this.name = `replica-overload${o.throttled ? '-throttled' : ''}${o.broken ? '-broken' : ''}`;
    this.description =
      (o.broken ? '(broken on purpose: starts nothing) ' : '') +
      `${KEYSPACE}/${SHARD} replicas capped at ${o.replicaCpus ?? 0.2} CPU; 8 deletion workers${o.throttled ? ' asking the tablet throttler before each batch' : ' with no rate limit'}; 2 ETL full scans at a time on the replicas`;
  }

  async inject(ctx: FaultContext): Promise<void> {
    if (!this.o.broken) {
      const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
      for (const t of ctx.cluster.tablets.filter((x) => x.keyspace === KEYSPACE && x.shard === SHARD && x.alias !== primary.alias)) {
        await t.node.limitCpu(this.o.replicaCpus ?? 0.2);
        this.capped.push(t.alias);
      }
      this.deleter = new BulkDeleter(ctx.cluster, { keyspace: KEYSPACE, shard: SHARD, table: 'archive', maxId: ARCHIVE_ROWS, batch: 200, concurrency: 8, throttled: this.o.throttled });
      this.etl = new EtlReader(ctx.cluster, { keyspace: KEYSPACE, shard: SHARD, table: 'archive', concurrency: 2 });
      this.deleter.start(ctx.timeline, primary);
      this.etl.start();
    }
    ctx.timeline.event('fault', this.name, { capped: this.capped, throttled: this.o.throttled, injected: !this.o.broken });
  }

  /** The incident's remediation: ETL off, the deletion slowed down. */
  async remediate(ctx: FaultContext): Promise<void> {
    await this.etl?.stop();
    this.deleter?.slowDown(1, 500);
    ctx.timeline.event('remediation', 'ETL stopped, deletion slowed', { deleted: this.deleter?.rowsDeleted ?? 0 });
  }

  async heal(ctx: FaultContext): Promise<void> {
    await this.etl?.stop();
    await this.deleter?.stop();
    for (const alias of this.capped) await ctx.cluster.tablet(alias).node.limitCpu(undefined);
    this.capped = [];
  }
}

function staleReads(): ThresholdDetector {
  return new ThresholdDetector({ name: 'stale-reads', probe: 'load', series: 'stale_reads_per_s', op: 'above', threshold: 0, forMs: 1000, describe: (v) => `${v.toFixed(1)} stale reads/s` });
}

/** Highest lag of any replica of a shard, per sample time. */
function shardLag(ctx: ExperimentContext, shard: string): [number, number][] {
  const sets = ctx.timeline.labelSets('replication', 'lag_seconds').filter((l) => l.shard === `${KEYSPACE}/${shard}`);
  const byT = new Map<number, number>();
  for (const l of sets) for (const [t, v] of ctx.timeline.series('replication', 'lag_seconds', l)) byT.set(Math.round(t / 500), Math.max(byT.get(Math.round(t / 500)) ?? 0, v));
  return [...byT].map(([k, v]) => [k * 500, v] as [number, number]).sort((a, b) => a[0] - b[0]);
}

export type LagMeasures = {
  maxLagSeconds: number;
  otherShardMaxLagSeconds: number;
  lagCrossedAtSeconds: number | null;
  alarmAfterCrossingSeconds: number | null;
  lagBackSeconds: number | null;
  staleReads: number;
  failedWrites: number;
  rowsDeleted: number;
  deletedPerSecond: number;
  throttlerRefusals: number;
};

export function replicaLag(o: { throttled: boolean; broken?: boolean }): Experiment {
  const fault = new ReplicaOverloadFault(o);
  let lagBackAt: number | undefined;
  const workSeconds = 25;
  return {
    name: `replica-lag${o.throttled ? '-throttled' : ''}${o.broken ? '-broken-fault' : ''}`,
    title: o.throttled ? 'Deletion worker respecting the tablet throttler beside an ETL reader: lag stays low' : 'Deletion worker and ETL reader saturate one shard\'s replicas: lag, stale reads, remediation',
    incident: { file: '2026-01-27-replica-overload-replication-lag.txt', timeline: INCIDENT_TIMELINE },
    topology,
    app: { readsFrom: 'replica' },
    fault,
    prepare: async (cluster) => {
      await seedArchive(cluster);
      await cluster.vtctld.run(['UpdateThrottlerConfig', o.throttled ? '--enable' : '--disable', '--threshold', String(THRESHOLDS.throttlerLagSeconds), KEYSPACE]);
    },
    detectors: () => [replicationLagHigh({ thresholdSeconds: THRESHOLDS.lagSeconds }), staleReads()],
    detectTimeoutSeconds: THRESHOLDS.detectSeconds,
    // Stale reads show first (seconds of lag suffice); the page that acts is the lag alarm.
    primaryDetector: o.throttled ? null : 'replication-lag',
    // Unthrottled: the on-call's fix on the alarm. Throttled: no alarm expected; the same work for a fixed time.
    remediate: o.throttled ? { afterMs: workSeconds * 1000, action: (ctx) => fault.remediate(ctx) } : { onAlarm: 'replication-lag', action: (ctx) => fault.remediate(ctx) },
    afterRecovery: async (ctx) => {
      const from = ctx.timeline.firstEvent('remediation')?.t ?? 0;
      await waitFor({
        what: `lag of ${KEYSPACE}/${SHARD} back under 1 s`,
        timeoutMs: THRESHOLDS.lagBackSeconds * 1000,
        intervalMs: 500,
        check: async () => {
          const s = shardLag(ctx, SHARD).filter(([t]) => t >= from);
          const last = s.at(-1);
          return { ready: last !== undefined && last[1] < 1, status: `lag ${last?.[1].toFixed(1) ?? '?'} s` };
        },
      })
        .then(() => (lagBackAt = ctx.timeline.now()))
        .catch(() => undefined);
    },
    measure: (ctx, r) => {
      const injectAt = r.timings.injectAt ?? 0;
      const lag = shardLag(ctx, SHARD).filter(([t]) => t >= injectAt);
      const other = shardLag(ctx, OTHER_SHARD).filter(([t]) => t >= injectAt);
      // From the raw per-replica samples (the per-shard series above is bucketed to 500 ms).
      const crossed = ctx.timeline
        .labelSets('replication', 'lag_seconds')
        .filter((l) => l.shard === `${KEYSPACE}/${SHARD}`)
        .flatMap((l) => ctx.timeline.series('replication', 'lag_seconds', l).filter(([t, v]) => t >= injectAt && v > THRESHOLDS.lagSeconds).map(([t]) => t))
        .sort((a, b) => a - b)[0];
      const alarm = ctx.timeline.firstEvent('alarm', 'replication-lag', injectAt)?.t;
      const remediationAt = ctx.timeline.firstEvent('remediation', undefined, injectAt)?.t;
      const d = fault.deleter;
      const elapsed = ((d?.finishedAt ?? remediationAt ?? ctx.timeline.now()) - injectAt) / 1000;
      return {
        maxLagSeconds: Math.round(Math.max(0, ...lag.map(([, v]) => v)) * 10) / 10,
        otherShardMaxLagSeconds: Math.round(Math.max(0, ...other.map(([, v]) => v)) * 10) / 10,
        lagCrossedAtSeconds: crossed === undefined ? null : Math.round(crossed - injectAt) / 1000,
        alarmAfterCrossingSeconds: crossed === undefined || alarm === undefined ? null : Math.round(alarm - crossed) / 1000,
        lagBackSeconds: lagBackAt === undefined || remediationAt === undefined ? null : Math.round(lagBackAt - remediationAt) / 1000,
        staleReads: ctx.load.totals.staleReads,
        failedWrites: ctx.load.failureDetails.filter((f) => f.op !== 'read_conversation' && f.op !== 'list_inbox').length,
        rowsDeleted: d?.rowsDeleted ?? 0,
        deletedPerSecond: elapsed > 0 ? Math.round((d?.rowsDeleted ?? 0) / elapsed) : 0,
        throttlerRefusals: d?.refusals ?? 0,
      } satisfies LagMeasures;
    },
    checks: (r) => {
      const m = r.measured as LagMeasures | undefined;
      if (!m) return [atMost('replica lag measures', null, 0)];
      const common = [
        equals('failed writes', m.failedWrites, 0, 'writes'),
        atMost("untouched shard's replica lag", m.otherShardMaxLagSeconds, THRESHOLDS.otherShardLagSeconds),
      ];
      if (o.throttled) return [...common, atMost('replica lag with the throttled deleter', m.maxLagSeconds, THRESHOLDS.lagSeconds), equals('rows deleted > 0', m.rowsDeleted > 0 ? 1 : 0, 1)];
      const fired = Object.values(r.timings.detectionSeconds).filter((v): v is number => v !== null);
      return [
        ...common,
        atMost('first alarm after the fault', fired.length ? Math.min(...fired) : null, THRESHOLDS.detectSeconds),
        atMost('lag alarm after lag crossed the threshold', m.alarmAfterCrossingSeconds, THRESHOLDS.alarmAfterCrossingSeconds),
        atMost('lag back under 1 s after the remediation', m.lagBackSeconds, THRESHOLDS.lagBackSeconds),
      ];
    },
    compare: (r) => {
      const m = r.measured as LagMeasures | undefined;
      const s = (v: number | null | undefined) => (v == null ? 'never' : `${v} s`);
      return [
        { what: 'lag reached', incident: '2.2 hours', measured: `${m?.maxLagSeconds ?? '?'} s (untouched shard ${m?.otherShardMaxLagSeconds ?? '?'} s)` },
        { what: 'fault → alarm', incident: '22 min (a worker backlog alarm)', measured: s(r.timings.detectionSeconds['replication-lag']) },
        { what: 'remediation → lag cleared', incident: '~3 h 44 min (ETL off 18:25, workers off 21:33, clear 22:09)', measured: s(m?.lagBackSeconds) },
        { what: 'stale reads', incident: 'conversations missing, messages seemingly unsent', measured: `${m?.staleReads ?? '?'} reads of acknowledged conversations not found` },
        { what: 'writes', incident: 'never failed', measured: `${m?.failedWrites ?? '?'} failed` },
      ];
    },
  };
}
