// Attach mode: experiments against a Vitess the harness did not start, as on a user's own
// Kubernetes. The harness's own run stands for the user's cluster: another view of it is
// attached by namespace and the operator's labels alone, reached through port-forwards, and
// must (1) find what runs there and touch nothing while faults are not allowed, (2) with
// --allow-faults, run the failover experiment's container kill with the same checks, and (3)
// leave the cluster as found: a pod it deleted and did not bring back is started at its end.
// Only where the target can be attached to (Kubernetes); skipped, by name, elsewhere.
import type { RowDataPacket } from 'mysql2/promise';
import { type Cluster, FaultRefusedError } from '../harness/cluster/cluster';
import { waitFor } from '../harness/cluster/readiness';
import { replicaThreads } from '../harness/cluster/replication';
import { attachTo, canAttach } from '../harness/cluster/start';
import { assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { resolveSettings } from '../harness/settings';
import { failover, KEYSPACE, OTHER_SHARD, SHARD, topology } from './failover';
import { sharedCluster } from './support/shared-cluster';

const settings = resolveSettings();
const suite = canAttach(settings) && !settings.attach ? describe : describe.skip;

async function serverUuid(c: Cluster, alias: string): Promise<string> {
  const conn = await c.tablet(alias).mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@server_uuid AS u');
    return String(rows[0].u);
  } finally {
    await conn.end();
  }
}

suite('attach mode: a running Vitess the harness did not start, found by namespace and labels', () => {
  const owner = sharedCluster(topology);
  const views: Cluster[] = [];
  afterAll(async () => {
    await Promise.all(views.map((v) => v.stop()));
  }, 60_000);

  test('read-only: it finds every tablet, primary and endpoint through port-forwards; a fault is refused without --allow-faults and nothing is touched', async () => {
    const o = owner();
    const a = await attachTo(o, { allowFaults: false, topology: topology() });
    views.push(a);
    expect(a.attached).toEqual({ namespace: expect.any(String), allowFaults: false });
    expect(a.vitess.release).toBe(o.vitess.release);
    expect(a.tablets.map((t) => t.alias).sort()).toEqual(o.tablets.map((t) => t.alias).sort());
    for (const [ks, shard] of [[KEYSPACE, SHARD], [KEYSPACE, OTHER_SHARD]]) {
      expect((await a.primaryOf(ks, shard)).alias).toBe((await o.primaryOf(ks, shard)).alias);
    }
    // Each tablet's port-forward reaches that tablet's mysqld, not another's.
    for (const t of o.tablets) expect(await serverUuid(a, t.alias)).toBe(await serverUuid(o, t.alias));
    const [tablets] = await a.vtgatePool().query<RowDataPacket[]>('SHOW VITESS_TABLETS');
    expect(tablets.filter((r) => r.State === 'SERVING')).toHaveLength(o.tablets.length);
    expect((await fetch(`${a.vtorc.debugUrl}/debug/health`)).ok).toBe(true);

    const primary = await a.primaryOf(KEYSPACE, SHARD);
    await expect(runExperiment(failover({ how: 'container', buffering: false }), { cluster: a })).rejects.toThrow(/pass --allow-faults/);
    await expect(primary.node.kill()).rejects.toThrow(FaultRefusedError);
    await expect(primary.node.start()).rejects.toThrow(FaultRefusedError);
    await expect(primary.node.limitCpu(0.5)).rejects.toThrow(FaultRefusedError);
    // Nothing was touched: the same primary, every node of the owner's run running.
    expect((await o.primaryOf(KEYSPACE, SHARD)).alias).toBe(primary.alias);
    for (const t of o.tablets) expect(await t.node.running()).toBe(true);
  }, 300_000);

  test('--allow-faults: the failover container kill runs on the attached cluster with the same checks; nothing lost; the cluster is whole after', async () => {
    const o = owner();
    const a = await attachTo(o, { allowFaults: true, topology: topology() });
    views.push(a);
    const r = await runExperiment(failover({ how: 'container', buffering: false }), { cluster: a });
    assertPassed(r);
    assertNoWriteLost(r);
    // The killed primary's pod was created again by the run and every tablet runs and serves.
    for (const t of o.tablets) expect(await t.node.running()).toBe(true);
    const [tablets] = await a.vtgatePool().query<RowDataPacket[]>('SHOW VITESS_TABLETS');
    expect(tablets.filter((r) => r.State === 'SERVING')).toHaveLength(o.tablets.length);
  }, 600_000);

  test('a pod the run deleted and never brought back (a failed heal, an interrupted run) is started again when the run ends', async () => {
    const o = owner();
    const a = await attachTo(o, { allowFaults: true, topology: topology() });
    const primary = await o.primaryOf(KEYSPACE, OTHER_SHARD);
    const replica = a.tablet(o.tablets.find((t) => t.keyspace === KEYSPACE && t.shard === OTHER_SHARD && t.alias !== primary.alias)!.alias);
    const killedAt = Date.now();
    await replica.node.kill();
    expect(await replica.node.running()).toBe(false);
    await a.stop();
    const t = o.tablet(replica.alias);
    expect(await t.node.running()).toBe(true);
    // Back as a new process, not the old one still inside its grace: a mysqld started after the
    // kill, replicating (the new vttablet set that up), and serving through vtgate.
    const pool = o.vtgatePool({ connectionLimit: 1 });
    await waitFor({
      what: `${replica.alias} started again and serving`,
      timeoutMs: 120_000,
      check: async () => {
        const conn = await t.mysql().catch(() => undefined);
        if (!conn) return { ready: false, status: 'mysqld not answering' };
        const [up] = await conn.query<RowDataPacket[]>("SELECT VARIABLE_VALUE AS s FROM performance_schema.global_status WHERE VARIABLE_NAME = 'Uptime'").finally(() => conn.destroy());
        if (Number(up[0].s) * 1000 > Date.now() - killedAt) return { ready: false, status: `mysqld up ${up[0].s} s: the old one` };
        const r = await replicaThreads(t);
        if (!r.running) return { ready: false, status: r.status };
        const [rows] = await pool.query<RowDataPacket[]>('SHOW VITESS_TABLETS');
        const state = rows.find((x) => x.Alias === replica.alias)?.State;
        return { ready: state === 'SERVING', status: `state ${state ?? 'unseen'}` };
      },
    });
  }, 300_000);
});
