// Vitess issue 21092 (fix PR 21251, in 24.0.4 and 23.0.7): broken replication, then the primary
// dies. The replicas of customer/-80 stop applying on a row that drifted; semi-sync still
// acknowledges the app's writes, since the replicas' IO threads receive them; replication is
// cut and the primary is SIGKILLed. On a release with the bug VTOrc's repair of the stopped
// replicas deletes the relay logs holding those writes, then promotes a replica without them:
// acknowledged writes lost, which the ledger counts. On a fixed release nothing is purged and
// no replica can be promoted (its applier is stuck): an outage until the run heals the fault.
import { waitFor } from '../harness/cluster/readiness';
import { atLeast, Check, equals, holds } from '../harness/experiment/assertions';
import type { Experiment, ExperimentContext, ExperimentResult } from '../harness/experiment/experiment';
import { Figure, figure } from '../harness/experiment/figure';
import { act, injectFault } from '../harness/experiment/steps';
import { firstAlarm, seconds } from '../harness/experiment/timings';
import { BrokenReplicationThenPrimaryDeath, EVENTS } from '../harness/faults/broken-replication';
import { effectEvent } from '../harness/faults/fault';
import { errorRateHigh, heartbeatAnomaly } from '../harness/observe/detectors';
import { shardWriteProbes, VtorcProbe } from '../harness/observe/failover-probes';
import type { TimelineEvent } from '../harness/observe/timeline';
import { type LedgerEntry, rowKey } from '../harness/workload/ledger';
import { withInboxSchema } from '../harness/workload/schema';

export const KEYSPACE = 'customer';
export const SHARD = '-80';
export const topology = () => withInboxSchema();

/** The first patch of each line with the fix (PR 21251); a line not listed has no fix known here. */
const FIXED_IN: Readonly<Record<number, number>> = { 23: 7, 24: 4 };

/** Whether this release loses the writes (Vitess issue 21092): 25 on has the fix from its start. */
export function losesWritesOn(release: string): boolean {
  const [major, , patch] = release.split('.').map(Number);
  if (major >= 25) return false;
  const fixed = FIXED_IN[major];
  return fixed === undefined || patch < fixed;
}

export const THRESHOLDS = {
  /** Writes the app must have had acknowledged while the appliers were stopped, on both shards: about half land on the broken one (the issue's reproduction used 50 there). */
  writesAtRisk: 100,
  /** VTOrc polls every 1 s; its repair purged the relay logs within 1-2 s by hand. 20 s allows stalls of this host. */
  relayLogSeconds: 20,
  /** Promotion came 3.5-18 s after the kill by hand; on a fixed release none came within 90 s. */
  failoverSeconds: 60,
};

export const CHECK = {
  stopped: "both replicas' appliers stopped on the drifted row (error 1032)",
  atRisk: 'writes acknowledged while the appliers were stopped',
  lost: 'acknowledged writes lost (ledger)',
} as const;

export type DoubleFaultMeasures = {
  victim?: string;
  /** Seconds from the drifting update until the last replica's applier stopped (null: it never did). */
  appliersStoppedSeconds: number | null;
  /** Writes the app had acknowledged between the first applier's stop and the cut (both shards). */
  acknowledgedWhileStopped: number;
  /** Per replica, transactions it had received and not applied when replication was cut. */
  heldInRelayLog: Record<string, number>;
  /** Per replica, seconds after the cut until its relay log no longer held them (null: kept). */
  relayLogPurgedSeconds: Record<string, number | null>;
  newPrimary?: string;
  /** Seconds from the kill to another primary in the topology (null: none within the wait). */
  failoverSeconds: number | null;
  /** The shard's primary once the heal settled it (with no failover before, a pending one may complete once the replicas can apply). */
  primaryAfterHeal?: string;
  /** Seconds from the kill until the shard took a write again (through the heal, when no failover came). */
  shardDownSeconds: Figure;
  lost: Figure;
  /** Of the lost writes, those acknowledged while the appliers were stopped. */
  lostAcknowledgedWhileStopped: Figure;
};

/** Until the app has had `n` more writes acknowledged than when this started: the exposure counted in writes, not seconds. */
async function acknowledgedWrites(ctx: ExperimentContext, n: number, timeoutMs: number): Promise<void> {
  const from = ctx.ledger.acknowledged().length;
  await waitFor({
    what: `${n} writes acknowledged after the appliers stopped`,
    timeoutMs,
    intervalMs: 100,
    check: async () => {
      const more = ctx.ledger.acknowledged().length - from;
      return { ready: more >= n, status: `${more} acknowledged` };
    },
  });
}

export interface DoubleFaultFacts {
  faultName: string;
  injectAt?: number;
  acknowledged: readonly Pick<LedgerEntry, 'table' | 'token' | 'ackAt'>[];
  /** The ledger's lost writes, as it names them (rowKey). */
  lost?: readonly string[];
}

/** The double fault's figures from the run's events, samples and ledger (pure: unit-tested on recorded runs). */
export function measureDoubleFault(events: readonly TimelineEvent[], shardOk: readonly [number, number][], facts: DoubleFaultFacts): DoubleFaultMeasures {
  const injectAt = facts.injectAt ?? 0;
  const issue = events.find((e) => e.kind === 'fault' && e.name === facts.faultName && e.data?.stamp === 'issued');
  const stopped = effectEvent(events, facts.faultName, injectAt);
  const cut = events.find((e) => e.kind === 'fault' && e.name === EVENTS.cut);
  const killed = events.find((e) => e.kind === 'fault' && e.name === EVENTS.killed);
  const notes = (name: string) => events.filter((e) => e.kind === 'note' && e.name === name);
  const alias = (e: TimelineEvent) => String(e.data?.tablet);
  // From the first applier's stop (the event is stamped at the last one's; it lists each one's
  // seconds after the issue): a write acknowledged after it is missing on that replica already.
  const perReplica = Object.values((stopped?.data?.replicas ?? {}) as Record<string, number>);
  const windowStart = issue && perReplica.length ? issue.t + Math.min(...perReplica) * 1000 : stopped?.t;
  const windowEnd = cut?.t ?? Infinity;
  const atRisk = windowStart !== undefined ? facts.acknowledged.filter((e) => e.ackAt !== undefined && e.ackAt >= windowStart && e.ackAt <= windowEnd) : [];
  const atRiskTokens = new Set(atRisk.map(rowKey));
  const relay: Record<string, number | null> = {};
  for (const e of notes(EVENTS.purged)) relay[alias(e)] = Number(e.data?.seconds);
  for (const e of notes(EVENTS.kept)) relay[alias(e)] = null;
  const promoted = notes(EVENTS.newPrimary)[0];
  const afterHeal = notes(EVENTS.primaryAfterHeal)[0];
  const back = killed ? shardOk.find(([t, v]) => t > killed.t && v === 1)?.[0] : undefined;
  const noLedger = 'the ledger was not verified';
  return {
    ...(typeof issue?.data?.tablet === 'string' ? { victim: issue.data.tablet } : {}),
    appliersStoppedSeconds: stopped ? seconds(stopped.t - injectAt) : null,
    acknowledgedWhileStopped: atRisk.length,
    heldInRelayLog: Object.fromEntries(notes(EVENTS.held).map((e) => [alias(e), Number(e.data?.transactions)])),
    relayLogPurgedSeconds: relay,
    ...(promoted ? { newPrimary: alias(promoted) } : {}),
    failoverSeconds: promoted ? Number(promoted.data?.seconds) : null,
    ...(afterHeal ? { primaryAfterHeal: alias(afterHeal) } : {}),
    shardDownSeconds: figure(killed && back !== undefined ? seconds(back - killed.t) : undefined, killed ? `no write on ${KEYSPACE}/${SHARD} succeeded after the kill` : 'the primary was not killed'),
    lost: figure(facts.lost?.length, noLedger),
    lostAcknowledgedWhileStopped: figure(facts.lost?.filter((t) => atRiskTokens.has(t)).length, noLedger),
  };
}

export function doubleFaultChecks(r: Pick<ExperimentResult<DoubleFaultMeasures>, 'measured' | 'ledger'>): Check[] {
  const m = r.measured;
  return [
    holds(CHECK.stopped, m ? m.appliersStoppedSeconds !== null : undefined, 'not measured'),
    atLeast(CHECK.atRisk, m?.acknowledgedWhileStopped ?? null, 1, 'writes'),
    equals(CHECK.lost, r.ledger ? r.ledger.lost.length : null, 0, 'writes'),
  ];
}

export function doubleFault(o: { vitess: string; broken?: boolean }): Experiment<DoubleFaultMeasures> {
  const fault = new BrokenReplicationThenPrimaryDeath({ keyspace: KEYSPACE, shard: SHARD, broken: o.broken });
  const loses = losesWritesOn(o.vitess);
  const negativeControl = o.broken
    ? { why: 'the row does not drift, so no applier stops (the cut and the kill still run: a failover that loses nothing)', failsWith: /both replicas' appliers stopped on the drifted row \(error 1032\): measured 0/ }
    : loses
      ? { why: `Vitess issue 21092 on ${o.vitess} (fixed in 24.0.4 and 23.0.7): VTOrc's repair deletes the relay logs, the failover promotes a replica without the acknowledged writes`, failsWith: /acknowledged writes lost \(ledger\): measured [1-9]/ }
      : undefined;
  const s = (v: number | null | undefined) => (v == null ? 'never' : `${v} s`);
  return {
    name: `double-fault${o.broken ? '-broken-fault' : ''}`,
    title: `Replicas of ${KEYSPACE}/${SHARD} stop applying, replication is cut, the primary dies (Vitess issue 21092)`,
    ...(negativeControl ? { negativeControl } : {}),
    topology,
    fault,
    detectors: ({ baseline }) => [heartbeatAnomaly(baseline), errorRateHigh()],
    // Nobody is paged to act: the finding is what VTOrc does and what the ledger finds.
    primaryDetector: null,
    probes: (ctx) => [new VtorcProbe(ctx.cluster), ...shardWriteProbes(ctx.cluster, KEYSPACE)],
    steps: [
      injectFault(),
      act(`the primary keeps committing: ${THRESHOLDS.writesAtRisk} writes acknowledged while the appliers are stopped`, (ctx) => acknowledgedWrites(ctx, THRESHOLDS.writesAtRisk, 60_000)),
      act("replication cut: the replication user locked on the primary, its dump threads killed, the replicas' IO threads stopped", (ctx) => fault.cutReplication(ctx)),
      act('VTOrc repairs the stopped replicas (with the bug, their relay logs are deleted)', (ctx) => fault.awaitRelayLogs(ctx, THRESHOLDS.relayLogSeconds * 1000)),
      act("the primary's container is SIGKILLed", (ctx) => fault.killPrimary(ctx)),
      act('VTOrc fails over, or cannot', (ctx) => fault.awaitFailover(ctx, THRESHOLDS.failoverSeconds * 1000)),
      act('the run heals the shard: the row restored, replication back, the old primary rejoined', (ctx) => fault.heal(ctx), { always: true }),
    ],
    tailSeconds: 5,
    measure: (ctx, r) =>
      measureDoubleFault(ctx.timeline.events(), ctx.timeline.series('shard_write', 'ok', { shard: SHARD }), {
        faultName: fault.name,
        injectAt: r.timings.injectAt,
        acknowledged: ctx.ledger.acknowledged(),
        lost: r.ledger?.lost,
      }),
    checks: (r) => doubleFaultChecks(r),
    compare: (r) => {
      const m = r.measured;
      const purged = m ? Object.entries(m.relayLogPurgedSeconds).map(([a, v]) => `${a} ${v === null ? 'kept' : `purged after ${v} s`}`).join(', ') : '?';
      return [
        { what: 'writes acknowledged with the appliers stopped', incident: '50 rows, all acknowledged (by hand)', measured: `${m?.acknowledgedWhileStopped ?? '?'} writes; held only in relay logs at the cut: ${m ? Object.entries(m.heldInRelayLog).map(([a, n]) => `${a} ${n}`).join(', ') : '?'}` },
        { what: "VTOrc's repair of the stopped replicas", incident: '24.0.3: relay logs purged within 1-2 s; 24.0.4: never', measured: purged },
        { what: 'kill → new primary', incident: '24.0.3: 3.5-18 s; 24.0.4: none within 90 s', measured: m?.newPrimary ? `${m.newPrimary} after ${s(m.failoverSeconds)}` : `none within ${THRESHOLDS.failoverSeconds} s: an outage until the run healed the shard${m?.primaryAfterHeal && m.primaryAfterHeal !== m.victim ? `; once the replicas could apply again, VTOrc promoted ${m.primaryAfterHeal}` : ''}` },
        { what: `${KEYSPACE}/${SHARD} down (kill → a write succeeds again)`, incident: '24.0.4: until someone repairs the replicas', measured: typeof m?.shardDownSeconds === 'number' ? `${m.shardDownSeconds} s` : 'not measured' },
        { what: 'acknowledged writes lost', incident: '24.0.3: 50 of 50, 3 runs of 3; 24.0.4: none', measured: `${typeof m?.lost === 'number' ? m.lost : '?'} (of them acknowledged while the appliers were stopped: ${typeof m?.lostAcknowledgedWhileStopped === 'number' ? m.lostAcknowledgedWhileStopped : '?'})` },
        { what: 'first alarm', incident: 'not in the issue', measured: s(firstAlarm(r.timings.detectionSeconds)) },
      ];
    },
  };
}
