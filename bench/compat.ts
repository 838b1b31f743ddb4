// One row of the compatibility matrix (docker/README.md): the selected Vitess version and
// database, checked for bring-up, replication, PlannedReparentShard, VTOrc failover,
// MoveTables and Online DDL on a real cluster. Writes reports/compat/<vitess>-<db>.json.
//   make compat VITESS_CHAOS_VITESS=23.0.3
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Cluster, TabletHandle } from '../harness/cluster/cluster';
import { DockerCluster } from '../harness/cluster/docker/docker-cluster';
import { defaultTopology, withShardedTable } from '../harness/cluster/default-topology';
import { contains, hashVindex, parseShardName } from '../harness/cluster/keyrange';
import { runOnlineDdl } from '../harness/cluster/online-ddl';
import { waitFor } from '../harness/cluster/readiness';
import { applyVSchema, getVSchema } from '../harness/cluster/vschema';
import { REPORTS_DIR } from '../harness/paths';
import { resolveSettings } from '../harness/settings';

type Outcome = { ok: boolean; seconds: number; detail: string };
const results: Record<string, Outcome> = {};
const say = (s: string) => process.stderr.write(`[compat] ${s}\n`);

async function check(name: string, body: () => Promise<string>): Promise<boolean> {
  const t0 = Date.now();
  try {
    const detail = await body();
    results[name] = { ok: true, seconds: (Date.now() - t0) / 1000, detail };
  } catch (e) {
    results[name] = { ok: false, seconds: (Date.now() - t0) / 1000, detail: (e as Error).message.split('\n').slice(0, 3).join(' ') };
  }
  say(`${name}: ${results[name].ok ? 'ok' : 'FAILED'} in ${results[name].seconds.toFixed(1)} s — ${results[name].detail}`);
  return results[name].ok;
}

/** The first ids >= from whose keyspace id falls in the shard. */
function idsIn(shard: string, count: number, from: number): number[] {
  const range = parseShardName(shard);
  const ids: number[] = [];
  for (let id = from; ids.length < count; id++) if (contains(range, hashVindex(BigInt(id)))) ids.push(id);
  return ids;
}

async function count(t: TabletHandle, table: string): Promise<number> {
  const conn = await t.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${t.dbName}.${table}`);
    return Number(rows[0].n);
  } finally {
    await conn.end();
  }
}

async function main(): Promise<void> {
  const settings = resolveSettings();
  const topology = withShardedTable(defaultTopology(), {
    name: 'customer',
    idColumn: 'customer_id',
    ddl: 'CREATE TABLE customer (customer_id BIGINT NOT NULL, email VARCHAR(128), PRIMARY KEY (customer_id))',
  });
  // A table to move from the unsharded keyspace into the sharded one.
  topology.keyspaces[0].schema.push('CREATE TABLE corder (order_id BIGINT NOT NULL, sku VARCHAR(32), PRIMARY KEY (order_id))');
  topology.keyspaces[0].vschema.tables = { ...topology.keyspaces[0].vschema.tables, corder: {} };

  let cluster: Cluster | undefined;
  const ok = await check('bring-up', async () => {
    cluster = await DockerCluster.start({ topology, ...settings, vitess: settings.vitess.release, database: settings.database.id });
    return `default topology ready in ${cluster.bringUpSeconds.toFixed(1)} s`;
  });
  try {
    if (ok && cluster) await runChecks(cluster);
  } finally {
    await cluster?.stop();
  }
  const dir = join(REPORTS_DIR, 'compat');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${settings.vitess.release}-${settings.database.id}.json`);
  writeFileSync(file, `${JSON.stringify({ vitess: settings.vitess.release, database: settings.database.id, measuredAt: new Date().toISOString(), results }, null, 2)}\n`);
  const cell = (n: string) => (results[n] ? (results[n].ok ? '✓' : `✗ ${results[n].detail}`) : 'untested');
  const cols = ['bring-up', 'replication', 'PlannedReparentShard', 'VTOrc failover', 'MoveTables', 'Online DDL'];
  process.stdout.write(`| ${settings.vitess.release} | ${settings.database.id} | ${cols.map(cell).join(' | ')} |\n`);
}

async function runChecks(c: Cluster): Promise<void> {
  const pool = c.vtgatePool({ connectionLimit: 4 });

  await check('replication', async () => {
    for (let i = 0; i < 200; i++) await pool.execute('INSERT INTO customer (email) VALUES (?)', [`r${i}@x`]);
    for (const t of c.tablets.filter((x) => x.keyspace === 'customer')) {
      const primary = await c.primaryOf('customer', t.shard);
      const want = await count(primary, 'customer');
      await waitFor({ what: `${t.alias} replicating`, timeoutMs: 30_000, check: async () => ({ ready: (await count(t, 'customer')) === want, status: 'behind' }) });
    }
    return '200 rows on every replica';
  });

  await check('PlannedReparentShard', async () => {
    const target = c.tablets.find((t) => t.shard === '-80' && !t.initialPrimary)!;
    await c.vtctld.run(['PlannedReparentShard', '--new-primary', target.alias, 'customer/-80']);
    const now = await c.primaryOf('customer', '-80');
    if (now.alias !== target.alias) throw new Error(`primary is ${now.alias}, expected ${target.alias}`);
    for (const id of idsIn('-80', 5, 1_000_000)) await pool.execute('INSERT INTO customer (customer_id, email) VALUES (?, ?)', [id, 'prs']);
    return `customer/-80 now on ${target.alias}, writes accepted`;
  });

  await check('MoveTables', async () => {
    for (let i = 1; i <= 100; i++) await pool.execute('INSERT INTO commerce.corder (order_id, sku) VALUES (?, ?)', [i, `sku${i}`]);
    const vschema = await getVSchema<{ tables?: Record<string, unknown> }>(c, 'customer');
    vschema.tables = { ...vschema.tables, corder: { column_vindexes: [{ column: 'order_id', name: 'hash' }] } };
    await applyVSchema(c, 'customer', vschema);
    const mt = ['MoveTables', '--workflow', 'commerce2customer', '--target-keyspace', 'customer'];
    await c.vtctld.run([...mt, 'create', '--source-keyspace', 'commerce', '--tables', 'corder']);
    await waitFor({
      what: 'MoveTables copy finished',
      timeoutMs: 120_000,
      intervalMs: 1000,
      check: async () => {
        const status = await c.vtctld.run([...mt, 'status']);
        // Text output: one "Status: <state>" per stream; Copying until the copy phase ends.
        const states = [...status.matchAll(/Status: (\w+)/g)].map((m) => m[1]);
        if (states.some((st) => /Error|Stopped/.test(st))) throw new Error(`workflow stream failed: ${status.replace(/\s+/g, ' ')}`);
        return { ready: states.length > 0 && states.every((st) => st === 'Running'), status: states.join(', ') || 'no streams yet' };
      },
    });
    await c.vtctld.run([...mt, 'switchtraffic']);
    await c.vtctld.run([...mt, 'complete']);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM corder');
    if (Number(rows[0].n) !== 100) throw new Error(`${rows[0].n} rows through vtgate after the move, expected 100`);
    const onShards = await Promise.all(['-80', '80-'].map(async (s) => count(await c.primaryOf('customer', s), 'corder')));
    if (onShards[0] + onShards[1] !== 100) throw new Error(`shards hold ${onShards.join(' + ')} rows, expected 100`);
    return `100 rows moved: ${onShards.join(' + ')} on -80 / 80-`;
  });

  await check('Online DDL', async () => {
    const { uuid } = await runOnlineDdl(c, 'customer', 'ALTER TABLE customer ADD COLUMN note VARCHAR(16)');
    // vtgate learns the new column from its schema tracker, a moment after the migration.
    const t0 = Date.now();
    const res = await waitFor({
      what: 'vtgate seeing the new column',
      timeoutMs: 60_000,
      intervalMs: 500,
      check: async () => {
        const [r] = await pool.execute<ResultSetHeader>("UPDATE customer SET note = 'ddl' WHERE customer_id = 1");
        return { ready: true, status: 'updated', value: r };
      },
    });
    return `migration ${uuid} complete on both shards; vtgate wrote the new column ${((Date.now() - t0) / 1000).toFixed(1)} s later (${res.affectedRows} row)`;
  });

  // Destructive, so last: the killed primary stays down.
  await check('VTOrc failover', async () => {
    const old = await c.primaryOf('customer', '80-');
    const t0 = Date.now();
    await old.node.kill('SIGKILL');
    const promoted = await waitFor({
      what: 'VTOrc electing a new primary for customer/80-',
      timeoutMs: 120_000,
      intervalMs: 500,
      check: async () => {
        const p = await c.primaryOf('customer', '80-');
        return { ready: p.alias !== old.alias, status: `primary ${p.alias}`, value: p };
      },
    });
    const elected = (Date.now() - t0) / 1000;
    const [id] = idsIn('80-', 1, 2_000_000);
    await waitFor({
      what: 'a write to customer/80- through vtgate',
      timeoutMs: 60_000,
      intervalMs: 500,
      check: async () => {
        await pool.execute('INSERT INTO customer (customer_id, email) VALUES (?, ?) ON DUPLICATE KEY UPDATE email = VALUES(email)', [id, 'after-failover']);
        return { ready: true, status: 'written' };
      },
    });
    return `primary SIGKILLed; ${promoted.alias} promoted after ${elected.toFixed(1)} s; writes served after ${((Date.now() - t0) / 1000).toFixed(1)} s`;
  });
}

main().catch((e) => {
  say(`failed: ${(e as Error).message}`);
  process.exit(1);
});
