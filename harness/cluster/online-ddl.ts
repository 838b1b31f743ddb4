// Online DDL through vtctld: submit a migration with the `vitess` strategy and wait until it
// completed on every shard, failing fast if any shard reports failure or cancellation.
import type { Cluster } from './cluster';
import { waitFor } from './readiness';

export interface OnlineDdlResult {
  uuid: string;
  seconds: number;
}

export async function runOnlineDdl(cluster: Cluster, keyspace: string, sql: string, timeoutMs = 180_000): Promise<OnlineDdlResult> {
  const t0 = Date.now();
  const out = await cluster.vtctld.run(['ApplySchema', '--ddl-strategy', 'vitess', '--sql', sql, keyspace]);
  const uuid = out.trim().split('\n').pop()!.trim();
  const shards = cluster.topology.keyspaces.find((k) => k.name === keyspace)?.shards.length ?? 1;
  await waitFor({
    what: `online DDL ${uuid} complete on all ${shards} shard(s) of ${keyspace}`,
    timeoutMs,
    intervalMs: 500,
    check: async () => {
      const r = await cluster.vtctld.json<{ migrations?: { shard: string; status: string | number; message?: string }[] }>(['OnlineDDL', 'show', '--json', keyspace, uuid]);
      const ms = r.migrations ?? [];
      const failed = ms.find((m) => /fail|cancel/i.test(String(m.status)));
      if (failed) throw new Error(`migration ${uuid} ${failed.status} on ${failed.shard}: ${failed.message ?? ''}`);
      return { ready: ms.length === shards && ms.every((m) => /complete/i.test(String(m.status))), status: ms.map((m) => `${m.shard}:${m.status}`).join(', ') || 'no migrations yet' };
    },
  });
  return { uuid, seconds: (Date.now() - t0) / 1000 };
}
