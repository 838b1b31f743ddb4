// The workload app's connections: mysql2's self-healing pool, or the incident's fixed set of
// connections that are never replaced. Both answer the same three verbs.
import mysql from 'mysql2/promise';
import type { Connection, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface DbOptions {
  host: string;
  port: number;
  user: string;
  database: string;
  /** 'pool' heals (drops a broken connection, opens a new one); 'static' never replaces one. */
  poolMode: 'pool' | 'static';
  poolSize: number;
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** Every connection the app's pool would hand out, tried once. */
export interface PoolCheck {
  total: number;
  usable: number;
  /** Error code (or message) per unusable connection. */
  failures: string[];
}

export interface Db {
  query<T extends RowDataPacket[] | ResultSetHeader>(sql: string, values: unknown[]): Promise<T>;
  /** Runs a trivial query on each of the pool's connections. */
  check(): Promise<PoolCheck>;
  close(): Promise<void>;
}

const CHECK_SQL = 'SELECT 1 AS ok';

async function tally(attempts: Promise<unknown>[]): Promise<PoolCheck> {
  const settled = await Promise.allSettled(attempts);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as { code?: string }).code ?? (s.reason as Error).message)] : []));
  return { total: settled.length, usable: settled.length - failures.length, failures };
}

function poolDb(o: DbOptions): Db {
  const pool: Pool = mysql.createPool({
    host: o.host,
    port: o.port,
    user: o.user,
    database: o.database,
    connectionLimit: o.poolSize,
    connectTimeout: o.connectTimeoutMs,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  return {
    async query(sql, values) {
      const [r] = await pool.query({ sql, values, timeout: o.queryTimeoutMs });
      return r as never;
    },
    // Holds poolSize connections at once, so every slot the pool has (or would make) is tried.
    async check() {
      const held: PoolConnection[] = [];
      try {
        return await tally(
          Array.from({ length: o.poolSize }, async () => {
            const c = await pool.getConnection();
            held.push(c);
            await c.query({ sql: CHECK_SQL, timeout: o.queryTimeoutMs });
          }),
        );
      } finally {
        for (const c of held) c.release();
      }
    },
    close: () => pool.end(),
  };
}

function staticDb(o: DbOptions): Db {
  const conns: Promise<Connection>[] = Array.from({ length: o.poolSize }, () =>
    mysql.createConnection({
      host: o.host,
      port: o.port,
      user: o.user,
      database: o.database,
      connectTimeout: o.connectTimeoutMs,
      supportBigNumbers: true,
      bigNumberStrings: true,
    }),
  );
  // A broken connection emits 'error'; without a listener that would crash the app.
  for (const c of conns) void c.then((conn) => conn.on('error', () => undefined), () => undefined);
  let next = 0;
  return {
    async query(sql, values) {
      const conn = await conns[next++ % conns.length];
      const [r] = await conn.query({ sql, values, timeout: o.queryTimeoutMs });
      return r as never;
    },
    check: () => tally(conns.map(async (c) => (await c).query({ sql: CHECK_SQL, timeout: o.queryTimeoutMs }))),
    async close() {
      await Promise.all(conns.map((c) => c.then((conn) => conn.destroy(), () => undefined)));
    },
  };
}

export function connectDb(o: DbOptions): Db {
  return o.poolMode === 'static' ? staticDb(o) : poolDb(o);
}
