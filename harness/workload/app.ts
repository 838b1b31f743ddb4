// The workload app: a small support inbox over HTTP, backed by vtgate through mysql2, shaped
// like the incidents' apps. It answers 2xx only after the database acknowledged the write.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import mysql from 'mysql2/promise';
import type { Connection, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface AppOptions {
  /** Where the app's connections go: vtgate, or (the incident's set-up) one MySQL server directly. */
  vtgate: { host: string; port: number };
  /** MySQL user and schema (vtgate: app / customer; a tablet's mysqld: its own user and database). */
  user?: string;
  database?: string;
  /**
   * 'pool': mysql2's pool, which drops a broken connection and opens a new one (heals).
   * 'static': a fixed set of connections opened at start and never replaced, like the
   * incident's app whose pools stayed broken after a failover until it was redeployed.
   */
  poolMode?: 'pool' | 'static';
  /** Where reads go: the primary (default) or a replica (`<database>@replica`), which may be stale. */
  readsFrom?: 'primary' | 'replica';
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Per-query limit; a query past it answers 503 (indeterminate to the ledger). */
  queryTimeoutMs?: number;
}

export interface AppCounters {
  writesOk: number;
  /** Successful writes per table: a table's own heartbeat (e.g. Fin's event records). */
  writesOkByTable: Record<string, number>;
  /** Writes answered 2xx without touching the database because a killswitch was on. */
  writesSkipped: number;
  /** Tables whose writes are switched off. */
  killswitches: string[];
  writesFailed: number;
  readsOk: number;
  readsFailed: number;
  errorsByCode: Record<string, number>;
  /** The first message seen for each code: what a client was told. */
  errorSamples: Record<string, string>;
  /** Feature flags as set now (the "deploy" of a query switches one). */
  flags: Record<string, string>;
  /** Requests per query variant being answered right now (the work a rollback must drain). */
  inFlight: Record<string, number>;
}

/**
 * The inbox list, and what a deploy switches it to: the same list with each conversation's
 * URL-reputation verdict, joined from a table in another keyspace on a column with no index.
 */
export const INBOX_QUERIES = {
  plain: 'SELECT id, subject FROM conversations WHERE inbox_id = ? ORDER BY id DESC LIMIT 20',
  joined:
    'SELECT c.id, c.subject, v.verdict FROM conversations c LEFT JOIN commerce.url_verdicts v ON v.conversation_token = c.token ' +
    'WHERE c.inbox_id = ? ORDER BY c.id DESC LIMIT 20',
} as const;

/** Every connection the app's pool would hand out, tried once. */
export interface PoolCheck {
  total: number;
  usable: number;
  /** Error code (or message) per unusable connection. */
  failures: string[];
}

interface Db {
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

function poolDb(o: Required<AppOptions>): Db {
  const pool: Pool = mysql.createPool({
    host: o.vtgate.host,
    port: o.vtgate.port,
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

function staticDb(o: Required<AppOptions>): Db {
  const conns: Promise<Connection>[] = Array.from({ length: o.poolSize }, () =>
    mysql.createConnection({
      host: o.vtgate.host,
      port: o.vtgate.port,
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

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface App {
  server: Server;
  counters: AppCounters;
  close(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const o: Required<AppOptions> = { user: 'app', database: 'customer', readsFrom: 'primary', poolMode: 'pool', poolSize: 16, connectTimeoutMs: 2000, queryTimeoutMs: 5000, ...options };
  const connect = o.poolMode === 'static' ? staticDb : poolDb;
  const db = connect(o);
  // Replica reads get their own connections of the same kind (a static pool stays static).
  const readDb = o.readsFrom === 'replica' ? connect({ ...o, database: `${o.database}@replica` }) : db;
  const counters: AppCounters = {
    writesOk: 0,
    writesOkByTable: {},
    writesSkipped: 0,
    killswitches: [],
    writesFailed: 0,
    readsOk: 0,
    readsFailed: 0,
    errorsByCode: {},
    errorSamples: {},
    flags: { 'inbox-query': 'plain' },
    inFlight: {},
  };
  const killed = new Set<string>();

  const write = async (res: ServerResponse, table: string, sql: string, values: unknown[]) => {
    if (killed.has(table)) {
      // The killswitch: the caller goes on as if the record were optional (as the incident's did).
      counters.writesSkipped += 1;
      return send(res, 200, { skipped: true });
    }
    const r = await db.query<ResultSetHeader>(sql, values);
    counters.writesOk += 1;
    counters.writesOkByTable[table] = (counters.writesOkByTable[table] ?? 0) + 1;
    send(res, 201, { id: String(r.insertId) });
  };
  /** `one`: a single object that may not exist (404); otherwise a list, possibly empty. */
  const read = async (res: ServerResponse, sql: string, values: unknown[], one: boolean) => {
    const rows = await readDb.query<RowDataPacket[]>(sql, values);
    counters.readsOk += 1;
    send(res, one && rows.length === 0 ? 404 : 200, rows);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    const parts = url.pathname.split('/').filter(Boolean);
    const isWrite = req.method === 'POST';
    const handle = async () => {
      const b = isWrite ? await body(req) : {};
      if (req.method === 'POST' && parts[0] === 'conversations' && parts.length === 1) {
        return write(res, 'conversations', 'INSERT INTO conversations (token, inbox_id, subject) VALUES (?, ?, ?)', [b.token, Number(b.inbox_id), b.subject]);
      }
      if (req.method === 'POST' && parts[0] === 'conversations' && parts[2] === 'messages') {
        return write(res, 'messages', 'INSERT INTO messages (conversation_id, token, body) VALUES (?, ?, ?)', [parts[1], b.token, b.body]);
      }
      if (req.method === 'POST' && parts[0] === 'heartbeat') {
        return write(res, 'heartbeats', 'INSERT INTO heartbeats (token) VALUES (?)', [b.token]);
      }
      if (req.method === 'POST' && parts[0] === 'events') {
        return write(res, 'events', 'INSERT INTO events (token, conversation_id, kind) VALUES (?, ?, ?)', [b.token, b.conversation_id, b.kind]);
      }
      if (req.method === 'POST' && parts[0] === 'admin' && parts[1] === 'killswitch') {
        if (b.on === 'true') killed.add(b.table);
        else killed.delete(b.table);
        counters.killswitches = [...killed];
        return send(res, 200, { killswitches: counters.killswitches });
      }
      if (req.method === 'GET' && parts[0] === 'conversations' && parts.length === 2) {
        return read(res, 'SELECT c.id, c.subject, m.id AS message_id, m.body FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id WHERE c.id = ?', [parts[1]], true);
      }
      if (req.method === 'GET' && parts[0] === 'inbox' && parts.length === 2) {
        const variant = counters.flags['inbox-query'] === 'joined' ? 'joined' : 'plain';
        counters.inFlight[variant] = (counters.inFlight[variant] ?? 0) + 1;
        try {
          return await read(res, INBOX_QUERIES[variant], [Number(parts[1])], false);
        } finally {
          counters.inFlight[variant] -= 1;
        }
      }
      if (req.method === 'POST' && parts[0] === 'admin' && parts[1] === 'flag') {
        if (!b.name || b.value === undefined) return send(res, 400, { error: 'flag needs a name and a value' });
        counters.flags[b.name] = b.value;
        return send(res, 200, { flags: counters.flags });
      }
      if (req.method === 'GET' && parts[0] === 'metrics') return send(res, 200, counters);
      if (req.method === 'GET' && parts[0] === 'admin' && parts[1] === 'pool-check') return send(res, 200, await db.check());
      send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    };
    handle().catch((e: Error & { code?: string }) => {
      if (isWrite) counters.writesFailed += 1;
      else counters.readsFailed += 1;
      const code = e.code ?? 'UNKNOWN';
      counters.errorsByCode[code] = (counters.errorsByCode[code] ?? 0) + 1;
      counters.errorSamples[code] ??= e.message.slice(0, 300);
      if (!res.headersSent) send(res, 503, { error: e.message, code });
    });
  });
  server.keepAliveTimeout = 30_000;
  return {
    server,
    counters,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await db.close();
      if (readDb !== db) await readDb.close();
    },
  };
}
