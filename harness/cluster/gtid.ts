// What a tablet's mysqld has applied, by GTID: to tell whether a replica has caught up with
// its primary without trusting a lag figure. Read over a direct connection (verification only).
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster, TabletHandle } from './cluster';
import { waitFor } from './readiness';

export async function gtidExecuted(t: TabletHandle): Promise<string> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@global.gtid_executed AS g');
    return String(rows[0].g);
  } finally {
    conn.destroy();
  }
}

/** Whether the tablet has applied every transaction in `gtids`. */
export async function hasAll(t: TabletHandle, gtids: string): Promise<boolean> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GTID_SUBSET(?, @@global.gtid_executed) AS ok', [gtids]);
    return Number(rows[0].ok) === 1;
  } finally {
    conn.destroy();
  }
}

/** Until every replica of the shard has applied what its primary had committed when this was called. */
export async function replicasCaughtUp(cluster: Cluster, keyspace: string, shard: string, timeoutMs: number): Promise<void> {
  const primary = await cluster.primaryOf(keyspace, shard);
  const target = await gtidExecuted(primary);
  const replicas = cluster.tablets.filter((t) => t.keyspace === keyspace && t.shard === shard && t.alias !== primary.alias);
  await waitFor({
    what: `the replicas of ${keyspace}/${shard} caught up with ${primary.alias}`,
    timeoutMs,
    intervalMs: 250,
    check: async () => {
      const behind = [];
      for (const r of replicas) if (!(await hasAll(r, target).catch(() => false))) behind.push(r.alias);
      return { ready: behind.length === 0, status: `behind: ${behind.join(', ')}` };
    },
  });
}
