// Smoke: a real cluster routes, stores and replicates rows. 1,000 rows go in through vtgate
// with ids from a Vitess sequence; each must come back through vtgate, sit on exactly the
// shard its keyspace id maps to, and be replicated to every replica of that shard.
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster } from '../harness/cluster/cluster';
import { startCluster } from '../harness/cluster/start';
import { defaultTopology, withShardedTable } from '../harness/cluster/default-topology';
import { contains, hashVindex, parseShardName } from '../harness/cluster/keyrange';
import { waitFor } from '../harness/cluster/readiness';

const ROWS = 1000;
const CONCURRENCY = 10;
/** How long replicas may take to show every row; they normally do within a second. */
const REPLICATION_TIMEOUT_MS = 30_000;

const topology = withShardedTable(defaultTopology(), {
  name: 'customer',
  idColumn: 'customer_id',
  ddl: 'CREATE TABLE customer (customer_id BIGINT NOT NULL, email VARCHAR(128) NOT NULL, PRIMARY KEY (customer_id))',
});

describe('smoke: rows through vtgate land on the right shard and replicate', () => {
  let cluster: Cluster;
  const written = new Map<string, string>();

  beforeAll(async () => {
    cluster = await startCluster({ topology });
  }, 600_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  test(`insert ${ROWS} rows through vtgate with sequence ids`, async () => {
    const pool = cluster.vtgatePool({ connectionLimit: CONCURRENCY });
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ROWS) {
          const email = `user${next++}@example.test`;
          const [res] = await pool.execute<import('mysql2').ResultSetHeader>('INSERT INTO customer (email) VALUES (?)', [email]);
          written.set(String(res.insertId), email);
        }
      }),
    );
    expect(written.size).toBe(ROWS);
    expect([...written.keys()].every((id) => BigInt(id) > 0n)).toBe(true);
  });

  test('every row reads back through vtgate unchanged', async () => {
    const [rows] = await cluster.vtgatePool({ connectionLimit: 1 }).query<RowDataPacket[]>('SELECT customer_id, email FROM customer');
    const read = new Map(rows.map((r) => [String(r.customer_id), r.email as string]));
    expect(read.size).toBe(ROWS);
    expect([...written].filter(([id, email]) => read.get(id) !== email)).toEqual([]);
  });

  test('each shard primary holds exactly the rows whose keyspace id it owns, and both shards got rows', async () => {
    const shards = cluster.topology.keyspaces.find((k) => k.name === 'customer')!.shards;
    const seen = new Map<string, string>();
    for (const shard of shards) {
      const primary = await cluster.primaryOf('customer', shard.name);
      const conn = await primary.mysql();
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT customer_id FROM ${primary.dbName}.customer`);
      await conn.end();
      const range = parseShardName(shard.name);
      const misplaced = rows.filter((r) => !contains(range, hashVindex(BigInt(r.customer_id))));
      expect({ shard: shard.name, misplaced: misplaced.length }).toEqual({ shard: shard.name, misplaced: 0 });
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(seen.has(String(r.customer_id))).toBe(false);
        seen.set(String(r.customer_id), shard.name);
      }
    }
    expect(seen.size).toBe(ROWS);
  });

  test('every replica of each shard has the same rows as its primary', async () => {
    for (const tablet of cluster.tablets.filter((t) => t.keyspace === 'customer')) {
      const primary = await cluster.primaryOf('customer', tablet.shard);
      if (primary.alias === tablet.alias) continue;
      const expected = await idsOn(primary);
      await waitFor({
        what: `replica ${tablet.alias} catching up with ${primary.alias}`,
        subject: tablet.alias,
        timeoutMs: REPLICATION_TIMEOUT_MS,
        check: async () => {
          const ids = await idsOn(tablet);
          return { ready: ids === expected, status: `${ids.split(',').length} of ${expected.split(',').length} rows` };
        },
      });
    }
  });
});

async function idsOn(tablet: Cluster['tablets'][number]): Promise<string> {
  const conn = await tablet.mysql();
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT customer_id FROM ${tablet.dbName}.customer ORDER BY customer_id`);
    return rows.map((r) => String(r.customer_id)).join(',');
  } finally {
    await conn.end();
  }
}
