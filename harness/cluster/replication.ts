// Where a tablet's replication stands, read from its mysqld over a direct connection
// (verification only): its replica threads, and what it has applied by GTID, so "caught up"
// is told without trusting a lag figure.
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster, TabletHandle } from './cluster';

/** Whether both replica threads run, and a line saying how they stand. */
export async function replicaThreads(t: TabletHandle): Promise<{ running: boolean; status: string }> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SHOW REPLICA STATUS');
    const r = rows[0];
    if (!r) return { running: false, status: 'no replication configured' };
    return {
      running: r.Replica_IO_Running === 'Yes' && r.Replica_SQL_Running === 'Yes',
      status: `IO ${r.Replica_IO_Running}, SQL ${r.Replica_SQL_Running}, source ${r.Source_Host}${r.Last_Error ? `, error ${r.Last_Error}` : ''}`,
    };
  } finally {
    conn.destroy();
  }
}

export async function gtidExecuted(t: TabletHandle): Promise<string> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@global.gtid_executed AS g');
    return String(rows[0].g);
  } finally {
    conn.destroy();
  }
}

/**
 * Until the tablet has applied every transaction in `gtids` (true), or `timeoutMs` passed
 * (false): MySQL's own WAIT_FOR_EXECUTED_GTID_SET on one connection, no polling.
 */
export async function waitForGtids(t: TabletHandle, gtids: string, timeoutMs: number): Promise<boolean> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS timedOut', [gtids, timeoutMs / 1000]);
    return Number(rows[0].timedOut) === 0;
  } finally {
    conn.destroy();
  }
}

/** Until every replica of the shard has applied what its primary had committed when this was called. */
export async function replicasCaughtUp(cluster: Cluster, keyspace: string, shard: string, timeoutMs: number): Promise<void> {
  const primary = await cluster.primaryOf(keyspace, shard);
  const target = await gtidExecuted(primary);
  const replicas = cluster.tablets.filter((t) => t.keyspace === keyspace && t.shard === shard && t.alias !== primary.alias);
  const late = (await Promise.all(replicas.map(async (r) => ((await waitForGtids(r, target, timeoutMs)) ? [] : [r.alias])))).flat();
  if (late.length) throw new Error(`the replicas of ${keyspace}/${shard} had not caught up with ${primary.alias} after ${timeoutMs / 1000} s: ${late.join(', ')}`);
}
