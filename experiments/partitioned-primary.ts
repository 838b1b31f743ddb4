// Vitess issue 15664: a primary that is unreachable takes longer to replace than one that
// died, and clients that still reach it may go on writing to it. Here the primary of
// customer/-80 is cut off from every other node of the cluster (its replicas, vtgate, VTOrc,
// etcd) by a network partition, while the host, where the apps run, still reaches it: the
// incident's app (2023-11-07), wired straight to the primary's MySQL, writes on. What a user
// must be able to rely on is asserted (a failover, nothing acknowledged through vtgate lost,
// the old primary back as a replica); what became of the writes the deposed primary took
// straight from a client is reported.
import type { RowDataPacket } from 'mysql2/promise';
import type { TabletHandle } from '../harness/cluster/cluster';
import { gtidExecuted, waitForGtids } from '../harness/cluster/replication';
import { atMost, Check, equals } from '../harness/experiment/assertions';
import type { Experiment, ExperimentResult } from '../harness/experiment/experiment';
import { Figure, figure, isMeasured, notMeasured } from '../harness/experiment/figure';
import { act, awaitRecovery, injectFault, type RecoverySignal, type StepContext } from '../harness/experiment/steps';
import { firstAlarm, recoveredAt, secondsBetween, secondsSince } from '../harness/experiment/timings';
import { NetworkFault } from '../harness/faults/network';
import { rejoinAsReplica } from '../harness/faults/rejoin';
import { errorRateHigh, heartbeatAnomaly, p99LatencyHigh } from '../harness/observe/detectors';
import { shardWriteProbes, VtorcProbe } from '../harness/observe/failover-probes';
import type { TimelineEvent } from '../harness/observe/timeline';
import { countDirectWrites, type DirectWriteCount, DirectWriter } from '../harness/workload/direct-writer';
import { type FailoverMeasures, INCIDENT_TIMELINE, KEYSPACE, measureFailover, PRIMARY_AFTER, SHARD, topology } from './failover';

export { topology };

/** VTOrc's --remote-operation-timeout (docker/control/vtorc.sh): how long it waits on a tablet that does not answer. */
const VTORC_REMOTE_OPERATION_SECONDS = 5;
/** The bar the failover experiment sets for a dead primary (noticed, and a new one serving). */
const DEAD_PRIMARY_BAR_SECONDS = 10;

export const THRESHOLDS = {
  /** VTOrc polls every 1 s and calls a tablet unreachable once its remote operation times out: that, plus a dead primary's bar. */
  vtorcNoticesSeconds: VTORC_REMOTE_OPERATION_SECONDS + DEAD_PRIMARY_BAR_SECONDS,
  /**
   * Added to replica_net_timeout (read from a replica during the run): the replicas call a
   * silent primary gone only after it, VTOrc's failover then waits on the unanswering old
   * primary up to its remote operation timeout, and from there a dead primary's bar applies.
   * On VTOrc's own count of a successful recovery, not on the first client write served: a
   * write vtgate had sent to the silent old primary waits out its client's timeout (the shard
   * write probe's 15 s, one write at a time), which on a busy host put the probe's first
   * success 10 s after VTOrc's recovery (reported beside it).
   */
  failoverMarginSeconds: VTORC_REMOTE_OPERATION_SECONDS + DEAD_PRIMARY_BAR_SECONDS,
  /** Any alarm within 10 s, as for a dead primary: clients see the shard stop at once. */
  detectSeconds: 10,
  /** After the partition heals, the old primary replicates again within 60 s (re-provisioning included) and catches up within 60 s more. */
  rejoinSeconds: 60,
  /**
   * How long VTOrc gets to make the old primary a replica before it is re-provisioned: its fix
   * is retried about every 6 s (a 5 s remote operation timeout, a 1 s poll), so five tries, and
   * re-provisioning (a new mysqld, caught up from the primary) fits in the rejoin's 60 s after.
   */
  vtorcPatienceSeconds: 30,
  catchUpSeconds: 60,
};

/** Event names this experiment writes (kind 'note'), read back by measuring. */
export const NOTES = {
  replicaNetTimeout: 'replica_net_timeout',
  healed: 'partition healed',
  noFailover: 'no failover: nothing to rejoin',
  replicating: 'old primary replicating',
  caughtUp: 'old primary caught up',
  direct: 'direct writes looked up',
} as const;

/** What the direct client's writes came to, split at the instant the primary was cut off. */
export interface DirectWrites {
  /** The tablet the acknowledged writes were looked for on (the shard's primary at the end). */
  lookedUpOn: string;
  beforeCut: DirectWriteCount;
  afterCut: DirectWriteCount;
}

export type PartitionMeasures = Pick<
  FailoverMeasures,
  'victim' | 'newPrimary' | 'reparented' | 'vtorcAnalyses' | 'vtorcRecovery' | 'vtorcFailedRecoveries' | 'vtorcNoticedSeconds' | 'vtorcRecoveredSeconds' | 'newPrimaryServesSeconds' | 'errorRateBackSeconds' | 'failedRequests' | 'otherShard' | 'faultShard'
> & {
  /** The replicas' replica_net_timeout: after it they call a silent primary gone. */
  replicaNetTimeoutSeconds: Figure;
  rejoin: { healedSeconds: number | null; vtorcFailedFixes: number; how?: string; why?: string; replicatingSeconds: number | null; caughtUpSeconds: number | null; role?: string; error?: string };
  /** The client wired straight to the primary: reported, not judged (nothing promises it more than MySQL does). */
  direct: DirectWrites | { notMeasured: string };
  /** The container kill's figures on the same cluster, when it ran first. */
  containerKill?: Pick<FailoverMeasures, 'vtorcNoticedSeconds' | 'vtorcRecoveredSeconds' | 'newPrimaryServesSeconds'>;
};

export interface PartitionOptions {
  /** Cuts a port nobody uses: nothing happens, and the experiment must fail. */
  broken?: boolean;
  /** The container kill's measures from the same cluster, reported beside the partition's. */
  beside?: () => FailoverMeasures | undefined;
}

/**
 * Recovery is the cut-off shard's own: its probe writes succeeding for 2 s on end. The total
 * heartbeat climbed back to its bar with the shard still down (beside the hog, 4 Dec: the load
 * lowered to what the busy machine sustained, the shard's writes failing at once left the other
 * shard room), and the partition was then healed before any failover.
 */
const SHARD_WRITES_BACK: RecoverySignal = {
  what: `writes to ${KEYSPACE}/${SHARD} succeeding for 2 s on end`,
  at: (tl, from) => recoveredAt(tl.series('shard_write', 'ok', { shard: SHARD }), from, 1, 2000),
};

const HEAL_STEP = 'the partition heals; the deposed primary rejoins as a replica';

export function partitionedPrimary(o: PartitionOptions = {}): Experiment<PartitionMeasures> {
  let victim: TabletHandle | undefined;
  let writer: DirectWriter | undefined;
  const fault = new NetworkFault({
    label: `primary${o.broken ? '-broken' : ''}`,
    pick: async (ctx) => {
      victim = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
      return victim;
    },
    from: 'cluster',
    // Port 9 (discard) is served by nobody here: the broken fault cuts nothing.
    ...(o.broken ? { ports: [9] } : {}),
    effect: { kind: 'partition' },
  });

  /** The incident's app wired straight to the primary, writing from before the cut to after the heal. */
  const startWriter = async (ctx: StepContext) => {
    const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
    const replica = ctx.cluster.tablets.find((t) => t.keyspace === KEYSPACE && t.shard === SHARD && t.alias !== primary.alias);
    if (replica) {
      const conn = await replica.mysql();
      try {
        const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@global.replica_net_timeout AS s');
        ctx.timeline.event('note', NOTES.replicaNetTimeout, { tablet: replica.alias, seconds: Number(row.s) });
      } finally {
        conn.destroy();
      }
    }
    writer = await DirectWriter.start(primary, { connections: 2, intervalMs: 100, now: () => ctx.timeline.now() });
  };

  /** The partition healed; the deposed primary must come back as a replica of the new one. */
  const healAndRejoin = async (ctx: StepContext) => {
    const tl = ctx.timeline;
    await ctx.healFault();
    tl.event('note', NOTES.healed, {});
    if (!victim) return;
    const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
    if (primary.alias === victim.alias) {
      tl.event('note', NOTES.noFailover, { tablet: victim.alias });
      return;
    }
    const outcome = await rejoinAsReplica(ctx, victim, { keyspace: KEYSPACE, shard: SHARD, patienceMs: THRESHOLDS.vtorcPatienceSeconds * 1000 });
    tl.event('note', NOTES.replicating, { tablet: victim.alias, ...outcome });
    const target = await gtidExecuted(primary);
    if (!(await waitForGtids(victim, target, THRESHOLDS.catchUpSeconds * 1000))) throw new Error(`${victim.alias} had not caught up with ${primary.alias} after ${THRESHOLDS.catchUpSeconds} s`);
    tl.event('note', NOTES.caughtUp, { tablet: victim.alias, role: await victim.role() });
  };

  /** The direct client stopped; its acknowledged writes looked for on the shard's primary now. */
  const lookUpDirectWrites = async (ctx: StepContext) => {
    if (!writer) return;
    const writes = await writer.stop(5000);
    writer = undefined;
    const primary = await ctx.cluster.primaryOf(KEYSPACE, SHARD);
    ctx.timeline.event('note', PRIMARY_AFTER, { tablet: primary.alias });
    const found = await DirectWriter.found(primary, writes.filter((w) => w.outcome === 'acknowledged').map((w) => w.token));
    const cut = ctx.harmAt() ?? ctx.injectAt() ?? 0;
    const direct: DirectWrites = { lookedUpOn: primary.alias, beforeCut: countDirectWrites(writes, found, -Infinity, cut), afterCut: countDirectWrites(writes, found, cut) };
    ctx.timeline.event('note', NOTES.direct, { ...direct });
    await DirectWriter.drop(primary);
  };

  return {
    name: `partitioned-primary${o.broken ? '-broken-fault' : ''}`,
    ...(o.broken ? { negativeControl: { why: 'the partition cuts a port nobody uses', failsWith: /VTOrc reparented to another tablet: measured 0,/ } } : {}),
    title: `Primary of ${KEYSPACE}/${SHARD} partitioned from the rest of the cluster, clients wired straight to it writing on`,
    incident: { file: '2023-11-07-memory-query-failover-connection-pools.txt', timeline: INCIDENT_TIMELINE },
    topology,
    fault,
    detectors: ({ baseline }) => [heartbeatAnomaly(baseline), errorRateHigh(), p99LatencyHigh({ thresholdMs: 1000, forMs: 0 })],
    primaryDetector: ['error-rate', 'p99-latency', 'heartbeat-anomaly'],
    probes: (ctx) => [new VtorcProbe(ctx.cluster), ...shardWriteProbes(ctx.cluster, KEYSPACE)],
    steps: [
      act("the incident's app, wired straight to the primary's MySQL, starts writing", startWriter),
      injectFault(),
      // Nobody is paged to act: VTOrc fails over on its own.
      awaitRecovery({ timeoutSeconds: 90, signal: SHARD_WRITES_BACK }),
      act(HEAL_STEP, healAndRejoin, { always: true }),
      act("the direct client's acknowledged writes looked for on the shard's primary", lookUpDirectWrites, { always: true }),
    ],
    tailSeconds: 5,
    measure: (ctx, r) => {
      const m = measureFailover(ctx.timeline, { faultName: fault.name, timings: r.timings, errorRateBaseline: ctx.baselineOf('load', 'error_rate') ?? 0, failures: ctx.load.failureDetails });
      return measurePartition(ctx.timeline.events(), r.timings.injectAt ?? 0, m, o.beside?.());
    },
    checks: (r) => partitionChecks(r),
    compare: (r) => {
      const m = r.measured;
      const s = (v: number | null | undefined) => (v == null ? 'never' : `${v} s`);
      const kill = m?.containerKill;
      const beside = (v: number | null | undefined) => (kill ? `; a container kill on the same cluster: ${s(v)}` : '');
      const d = m && 'lookedUpOn' in m.direct ? m.direct : undefined;
      return [
        { what: 'fault → failover under way', incident: '~1 min (11:49 → 11:50)', measured: `VTOrc noticed after ${s(m?.vtorcNoticedSeconds)}${beside(kill?.vtorcNoticedSeconds)}` },
        {
          what: 'fault → failover complete',
          incident: '~5 min (11:54)',
          measured: `VTOrc's failover done after ${s(m?.vtorcRecoveredSeconds)}, the shard write probe's first success after ${s(m?.newPrimaryServesSeconds)} (${m?.newPrimary ?? '?'})${beside(kill?.newPrimaryServesSeconds)}; the replicas' replica_net_timeout: ${isMeasured(m?.replicaNetTimeoutSeconds) ? `${m?.replicaNetTimeoutSeconds} s` : 'not read'}`,
        },
        { what: 'fault → first alarm', incident: '~5 min (11:54)', measured: s(firstAlarm(r.timings.detectionSeconds)) },
        {
          what: 'fault → clients served again',
          incident: 'only after a redeploy, ~7 min',
          measured: `writes to ${KEYSPACE}/${SHARD} succeeding 2 s on end after ${s(r.timings.timeToRecoverSeconds)}; the longest stretch without any successful request ${s(r.timings.outageSeconds)}`,
        },
        {
          what: 'writes straight to the old primary, after it was cut off',
          incident: "the incident's app wrote straight to the primary's MySQL",
          measured: d ? `${d.afterCut.acknowledged} acknowledged (${d.afterCut.missing} of them not on ${d.lookedUpOn}), ${d.afterCut.failed} failed, ${d.afterCut.unanswered} never answered` : 'not measured',
        },
        {
          what: 'old primary back',
          incident: '~6 min (instances restarted 11:55)',
          measured: m ? `${m.rejoin.vtorcFailedFixes ? `VTOrc's fix of it failed ${m.rejoin.vtorcFailedFixes} time(s) after the heal; ` : ''}${m.rejoin.how === 're-provisioned' ? `re-provisioned (${m.rejoin.why}); ` : ''}replicating ${s(m.rejoin.replicatingSeconds)} after the fault, caught up ${s(m.rejoin.caughtUpSeconds)}, as ${m.rejoin.role ?? '?'}` : 'not measured',
        },
      ];
    },
  };
}

/** The partition's figures from what the run recorded (a pure function: unit-tested on a recorded run). */
export function measurePartition(events: readonly TimelineEvent[], injectAt: number, m: FailoverMeasures, kill?: FailoverMeasures): PartitionMeasures {
  const note = (name: string) => events.find((e) => e.kind === 'note' && e.name === name);
  const rnt = note(NOTES.replicaNetTimeout)?.data?.seconds;
  const replicating = note(NOTES.replicating);
  const caughtUp = note(NOTES.caughtUp);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const direct = note(NOTES.direct)?.data as unknown as DirectWrites | undefined;
  const failedStep = events.find((e) => e.kind === 'step' && e.name === HEAL_STEP && e.data?.at === 'failed');
  return {
    ...(m.victim ? { victim: m.victim } : {}),
    ...(m.newPrimary ? { newPrimary: m.newPrimary } : {}),
    reparented: m.reparented,
    vtorcAnalyses: m.vtorcAnalyses,
    ...(m.vtorcRecovery ? { vtorcRecovery: m.vtorcRecovery } : {}),
    vtorcFailedRecoveries: m.vtorcFailedRecoveries,
    vtorcNoticedSeconds: m.vtorcNoticedSeconds,
    vtorcRecoveredSeconds: m.vtorcRecoveredSeconds,
    newPrimaryServesSeconds: m.newPrimaryServesSeconds,
    errorRateBackSeconds: m.errorRateBackSeconds,
    failedRequests: m.failedRequests,
    otherShard: m.otherShard,
    faultShard: m.faultShard,
    replicaNetTimeoutSeconds: figure(typeof rnt === 'number' ? rnt : undefined, 'replica_net_timeout was not read from a replica'),
    rejoin: {
      healedSeconds: secondsSince(note(NOTES.healed)?.t, injectAt),
      // VTOrc's repairs of the old primary that failed once it was reachable again.
      vtorcFailedFixes: m.vtorcFailedRecoveries.filter((f) => f.type === 'FixReplica' && f.seconds >= (secondsSince(note(NOTES.healed)?.t, injectAt) ?? Infinity)).length,
      ...(str(replicating?.data?.how) ? { how: str(replicating?.data?.how) } : {}),
      ...(str(replicating?.data?.why) ? { why: str(replicating?.data?.why) } : {}),
      replicatingSeconds: secondsSince(replicating?.t, injectAt),
      caughtUpSeconds: secondsSince(caughtUp?.t, injectAt),
      ...(str(caughtUp?.data?.role) ? { role: str(caughtUp?.data?.role) } : {}),
      ...(failedStep ? { error: String(failedStep.data?.message) } : {}),
    },
    direct: direct?.lookedUpOn ? direct : notMeasured('the direct client did not run to its end'),
    ...(kill ? { containerKill: { vtorcNoticedSeconds: kill.vtorcNoticedSeconds, vtorcRecoveredSeconds: kill.vtorcRecoveredSeconds, newPrimaryServesSeconds: kill.newPrimaryServesSeconds } } : {}),
  };
}

export const CHECK = {
  reparented: 'VTOrc reparented to another tablet',
  recovered: "VTOrc's failover done (limit: replica_net_timeout + 15 s)",
} as const;

export function partitionChecks(r: Pick<ExperimentResult<PartitionMeasures>, 'measured' | 'timings'>): Check[] {
  const m = r.measured;
  if (!m) return [atMost('partition measures', null, 0)];
  const rnt = m.replicaNetTimeoutSeconds;
  return [
    atMost('VTOrc noticed the cut-off primary', m.vtorcNoticedSeconds, THRESHOLDS.vtorcNoticesSeconds),
    equals(CHECK.reparented, m.reparented ? 1 : 0, 1),
    atMost(CHECK.recovered, isMeasured(rnt) ? m.vtorcRecoveredSeconds : rnt, (isMeasured(rnt) ? rnt : 0) + THRESHOLDS.failoverMarginSeconds),
    atMost('first alarm', firstAlarm(r.timings.detectionSeconds), THRESHOLDS.detectSeconds),
    equals('failed writes on the other shard', m.otherShard.failedWrites, 0, 'writes'),
    equals('client errors naming the other shard', m.otherShard.clientErrorsNamingIt, 0, 'errors'),
    atMost(`old primary replicating again, after the partition healed (re-provisioned when VTOrc had not made it a replica within ${THRESHOLDS.vtorcPatienceSeconds} s)`, secondsBetween(m.rejoin.replicatingSeconds, m.rejoin.healedSeconds), THRESHOLDS.rejoinSeconds),
    atMost('old primary caught up, after replicating', secondsBetween(m.rejoin.caughtUpSeconds, m.rejoin.replicatingSeconds), THRESHOLDS.catchUpSeconds),
    equals('old primary rejoined as a replica', m.rejoin.role === 'replica' ? 1 : 0, 1),
  ];
}
