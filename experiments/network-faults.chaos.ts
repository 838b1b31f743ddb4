// The network fault family on a real cluster: each fault does what it says while injected,
// and healing leaves the node as it was (no rule left, traffic flowing again). One small
// cluster: one unsharded keyspace, a primary and a replica, semi-sync.
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Cluster, ClusterNode, TabletHandle } from '../harness/cluster/cluster';
import { waitFor } from '../harness/cluster/readiness';
import { gtidExecuted, replicaThreads, waitForGtids } from '../harness/cluster/replication';
import type { Topology } from '../harness/cluster/topology';
import type { FaultContext } from '../harness/faults/fault';
import { CHAIN, NetworkFault } from '../harness/faults/network';
import { Timeline } from '../harness/observe/timeline';
import { sharedCluster } from './support/shared-cluster';

const small = (): Topology => ({
  cell: 'zone1',
  keyspaces: [
    {
      name: 'solo',
      sharded: false,
      durability: 'semi_sync',
      shards: [{ name: '0', replicas: 1 }],
      schema: ['CREATE TABLE notes (id BIGINT NOT NULL AUTO_INCREMENT, body VARCHAR(64), PRIMARY KEY (id))'],
      vschema: {},
    },
  ],
});

const ctxOf = (cluster: Cluster): FaultContext => ({ cluster, timeline: new Timeline() });

/** Whether any of this harness's rules is left in the node's namespace. */
async function rulesLeft(node: ClusterNode): Promise<boolean> {
  const r = await node.execInNetwork(['iptables', '-w', '-S']);
  if (r.exitCode !== 0) throw new Error(`iptables -S failed in ${node.name}: ${r.output}`);
  return r.output.includes(CHAIN);
}

/** Milliseconds each of `n` one-row queries took, one after another, on one connection to vtgate. */
async function timedQueries(conn: PoolConnection, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await conn.query<RowDataPacket[]>({ sql: 'SELECT id, body FROM notes ORDER BY id DESC LIMIT 1', timeout: 60_000 });
    out.push(performance.now() - t);
  }
  return out;
}

/** One connection to vtgate for `job`, opened before it (a handshake under packet loss can outlast any connect timeout). */
async function onVtgate<T>(cluster: Cluster, job: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const pool = cluster.vtgatePool({ connectionLimit: 1, database: 'solo' });
  try {
    const conn = await pool.getConnection();
    try {
      return await job(conn);
    } finally {
      conn.release();
    }
  } finally {
    await pool.end();
  }
}

describe('network faults on a real cluster', () => {
  const cluster = sharedCluster(small);
  const roles = async (): Promise<{ primary: TabletHandle; replica: TabletHandle }> => {
    const c = cluster();
    const primary = await c.primaryOf('solo', '0');
    const replica = c.tablets.find((t) => t.alias !== primary.alias)!;
    return { primary, replica };
  };

  test("a replica's MySQL port cut, vttablet's gRPC left open: its IO thread loses the source, the tablet still answers; healed, it replicates again", async () => {
    const c = cluster();
    const { primary, replica } = await roles();
    const fault = new NetworkFault({ label: 'replica-mysql', pick: () => replica, from: 'cluster', ports: [3306], effect: { kind: 'partition' } });
    const ctx = ctxOf(c);
    try {
      await fault.inject(ctx);
      // No write meanwhile: with its only replica cut off, semi-sync would hold it forever.
      // The IO thread gives up on the silent source after replica_net_timeout (8 s here)...
      await waitFor({
        what: `${replica.alias}'s IO thread to lose its source`,
        timeoutMs: 60_000,
        intervalMs: 500,
        check: async () => {
          const r = await replicaThreads(replica);
          return { ready: !r.running, status: r.status };
        },
      });
      // ...while vtctld still reaches the tablet's gRPC port.
      await expect(c.vtctld.run(['GetFullStatus', replica.alias])).resolves.toContain('server_uuid');
    } finally {
      await fault.heal(ctx);
    }
    expect(await rulesLeft(replica.node)).toBe(false);
    await waitFor({
      what: `${replica.alias} replicating again`,
      timeoutMs: 60_000,
      intervalMs: 500,
      check: async () => {
        const r = await replicaThreads(replica);
        return { ready: r.running, status: r.status };
      },
    });
    // And what the primary commits reaches it again.
    const conn = await primary.mysql();
    try {
      await conn.query(`INSERT INTO \`${primary.dbName}\`.notes (body) VALUES ('after the heal')`);
    } finally {
      conn.destroy();
    }
    expect(await waitForGtids(replica, await gtidExecuted(primary), 30_000)).toBe(true);
  }, 180_000);

  test('vtgate partitioned from everything: the host cannot reach it either; healed, it answers again', async () => {
    const c = cluster();
    const fault = new NetworkFault({ label: 'vtgate', pick: () => ({ node: c.vtgate.node }), from: 'everything', effect: { kind: 'partition' } });
    const ctx = ctxOf(c);
    try {
      await fault.inject(ctx);
      const pool = c.vtgatePool({ connectionLimit: 1, connectTimeout: 3000 });
      try {
        await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout|ETIMEDOUT|closed|lost/i);
      } finally {
        await pool.end().catch(() => undefined);
      }
    } finally {
      await fault.heal(ctx);
    }
    expect(await rulesLeft(c.vtgate.node)).toBe(false);
    expect(await onVtgate(c, (conn) => timedQueries(conn, 1))).toHaveLength(1);
  }, 120_000);

  test("20 % of vtgate's packets lost: every query still answers, many of them a TCP retransmission (200 ms) later", async () => {
    const c = cluster();
    const fault = new NetworkFault({ label: 'vtgate', pick: () => ({ node: c.vtgate.node }), from: 'everything', effect: { kind: 'loss', percent: 20 } });
    const ctx = ctxOf(c);
    const { before, during } = await onVtgate(c, async (conn) => {
      const before = await timedQueries(conn, 30);
      try {
        await fault.inject(ctx);
        return { before, during: await timedQueries(conn, 30) };
      } finally {
        await fault.heal(ctx);
      }
    });
    // A query carries four data packets through vtgate (request in, to the tablet, answer back,
    // answer out): with 20 % dropped, 59 % of queries lose one (a quarter or fewer of 30: about
    // 1 in 10,000), and Linux resends a lone lost packet only after its probe timeout (twice the
    // round trip plus a 200 ms delayed-ACK allowance). Heavier loss risks the backoff's doubling
    // into a stall of tens of seconds (seen at 40 %).
    const slow = (xs: number[]) => xs.filter((ms) => ms >= 200).length / xs.length;
    expect(during).toHaveLength(30);
    expect(slow(before)).toBeLessThan(0.25);
    expect(slow(during)).toBeGreaterThanOrEqual(0.25);
    expect(await rulesLeft(c.vtgate.node)).toBe(false);
  }, 180_000);
});
