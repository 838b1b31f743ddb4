// A deposed primary brought back under the shard's new primary, as an operator would: it may
// start replicating on its own (VTOrc re-points it), or it holds transactions nobody else has
// (an errant GTID: vttablet exits, or stays up not replicating, and VTOrc names it). Then its
// data is discarded and it starts over as a new replica.
import type { TabletHandle } from '../cluster/cluster';
import { waitFor } from '../cluster/readiness';
import { replicaThreads } from '../cluster/replication';
import { vtorcProblems } from '../observe/failover-probes';
import type { FaultContext } from './fault';

export type RejoinOutcome = { how: 'replicating' } | { how: 're-provisioned'; why: string; errant?: string };

/** Until the tablet replicates, exits, or (when `errant` is asked for) VTOrc diagnoses an errant GTID on it. */
function firstSign(ctx: FaultContext, t: TabletHandle, keyspace: string, shard: string, timeoutMs: number, errant: boolean): Promise<string> {
  return waitFor({
    what: `${t.alias} replicating`,
    timeoutMs,
    intervalMs: 250,
    check: async () => {
      if (!(await t.node.running())) return { ready: true, status: 'exited', value: 'it exited' };
      if (errant && (await vtorcProblems(ctx.cluster, keyspace, shard)).some((p) => p.analysis === 'ErrantGTIDDetected' && p.tablet === t.alias)) {
        return { ready: true, status: 'errant GTID (VTOrc)', value: 'errant GTID, as VTOrc diagnosed' };
      }
      const r = await replicaThreads(t).catch((e: Error) => ({ running: false, status: e.message }));
      return { ready: r.running, status: r.status, value: 'replicating' };
    },
  }).catch((e: Error) => e.message);
}

/**
 * The tablet replicating in its shard: VTOrc gets `patienceMs` to bring it there, then it is
 * re-provisioned, and must replicate within `timeoutMs` of its new start (default 60 s).
 * Rejects when even the re-provisioned tablet does not replicate.
 */
export async function rejoinAsReplica(ctx: FaultContext, victim: TabletHandle, o: { keyspace: string; shard: string; patienceMs: number; timeoutMs?: number }): Promise<RejoinOutcome> {
  const sign = await firstSign(ctx, victim, o.keyspace, o.shard, o.patienceMs, true);
  if (sign === 'replicating') return { how: 'replicating' };
  const errant = /Errant GTID detected - ([^;\n]+)/.exec(await victim.node.logs())?.[1];
  if (await victim.node.running()) await victim.node.kill('SIGKILL');
  await waitFor({ what: `${victim.alias}'s container to stop`, timeoutMs: 30_000, intervalMs: 100, check: async () => ({ ready: !(await victim.node.running()), status: 'still running' }) });
  await victim.node.markForReprovision();
  await victim.node.start();
  const why = errant ? `errant GTID ${errant}` : sign;
  ctx.timeline.event('remediation', `re-provision ${victim.alias}`, { tablet: victim.alias, why });
  // VTOrc's diagnosis of the old data outlives it by a poll or two (seen beside the hog): after
  // re-provisioning only the tablet itself is asked.
  const again = await firstSign(ctx, victim, o.keyspace, o.shard, o.timeoutMs ?? 60_000, false);
  if (again !== 'replicating') throw new Error(`${victim.alias} re-provisioned, and still not replicating: ${again}`);
  return { how: 're-provisioned', why, ...(errant ? { errant } : {}) };
}
