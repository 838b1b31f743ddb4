// The workload app: a small support inbox over HTTP, backed by vtgate through mysql2, shaped
// like the incidents' apps. It answers 2xx only after the database acknowledged the write.
// Routes are find-my-way's; the inbox's own are in inbox-routes.ts, an experiment's in the
// route modules it names (app-routes.ts says what they see).
import { createServer, Server } from 'node:http';
import Router from 'find-my-way';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ANSWER_CODES } from './app-answers';
import { connectDb } from './app-db';
import { startStallMeter } from '../observe/stall-meter';
import { INBOX_KEYSPACE } from './schema';
import { jsonBody, loadRouteModule, RouteContext, RouteModuleSpec, send } from './app-routes';
import { INBOX_QUERY_FLAG, PLAIN_INBOX, registerInboxRoutes } from './inbox-routes';

export type { PoolCheck } from './app-db';

export interface AppOptions {
  /** Where the app's connections go: vtgate, or (the incident's set-up) one MySQL server directly. */
  vtgate: { host: string; port: number };
  /** MySQL user and schema (vtgate: app / customer; a tablet's mysqld: its own user and database). */
  user?: string;
  /** The keyspace (through vtgate) or schema the workload's tables live in. */
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
  /** An experiment's own routes, loaded after the workload's (see app-routes.ts). */
  routes?: RouteModuleSpec[];
}

export const DEFAULT_APP_OPTIONS: Required<Omit<AppOptions, 'vtgate'>> = {
  user: 'app',
  database: INBOX_KEYSPACE,
  readsFrom: 'primary',
  poolMode: 'pool',
  poolSize: 16,
  connectTimeoutMs: 2000,
  queryTimeoutMs: 5000,
  routes: [],
};

export interface AppCounters {
  writesOk: number;
  /** Successful writes per table: a table's own heartbeat (e.g. Fin's event records). */
  writesOkByTable: Record<string, number>;
  /** Writes answered 2xx without touching the database because a route module switched them off. */
  writesSkipped: number;
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

export interface App {
  server: Server;
  counters: AppCounters;
  close(): Promise<void>;
}

/** Builds the app (routes, pools; no connection is opened until a request needs one). Throws when a route module cannot be loaded. */
export function createApp(options: AppOptions): App {
  const o = { ...DEFAULT_APP_OPTIONS, ...options };
  const dbOptions = { host: o.vtgate.host, port: o.vtgate.port, user: o.user, database: o.database, poolMode: o.poolMode, poolSize: o.poolSize, connectTimeoutMs: o.connectTimeoutMs, queryTimeoutMs: o.queryTimeoutMs };
  const db = connectDb(dbOptions);
  // Replica reads get their own connections of the same kind (a static pool stays static).
  const readDb = o.readsFrom === 'replica' ? connectDb({ ...dbOptions, database: `${o.database}@replica` }) : db;
  const counters: AppCounters = {
    writesOk: 0,
    writesOkByTable: {},
    writesSkipped: 0,
    writesFailed: 0,
    readsOk: 0,
    readsFailed: 0,
    errorsByCode: {},
    errorSamples: {},
    flags: { [INBOX_QUERY_FLAG]: PLAIN_INBOX },
    inFlight: {},
  };
  const stall = startStallMeter();
  const countError = (isWrite: boolean, code: string, message: string) => {
    if (isWrite) counters.writesFailed += 1;
    else counters.readsFailed += 1;
    counters.errorsByCode[code] = (counters.errorsByCode[code] ?? 0) + 1;
    counters.errorSamples[code] ??= message.slice(0, 300);
  };

  const router: RouteContext['router'] = Router({
    ignoreTrailingSlash: true,
    // Its own code: to the load, a request no route took is a failure, never a "not found" read.
    defaultRoute: (req, res) => {
      const error = `no route ${req.method} ${(req.url ?? '/').split('?')[0]}`;
      countError(req.method === 'POST', ANSWER_CODES.noRoute, error);
      send(res, 404, { error, code: ANSWER_CODES.noRoute });
    },
  });
  const skips: ((table: string) => boolean)[] = [];
  const app: RouteContext = {
    router,
    db,
    readDb,
    counters,
    inboxQueries: new Map(),
    skipWrites: (predicate) => void skips.push(predicate),
    async write(res, table, sql, values) {
      if (skips.some((skip) => skip(table))) {
        // The caller goes on as if the record were optional (as the incident's killswitch did).
        counters.writesSkipped += 1;
        return send(res, 200, { skipped: true });
      }
      const r = await db.query<ResultSetHeader>(sql, values);
      counters.writesOk += 1;
      counters.writesOkByTable[table] = (counters.writesOkByTable[table] ?? 0) + 1;
      send(res, 201, { id: String(r.insertId) });
    },
    async read(sql, values) {
      const rows = await readDb.query<RowDataPacket[]>(sql, values);
      counters.readsOk += 1;
      return rows;
    },
    jsonBody,
    send,
  };

  // With the app's own stall: a heartbeat dip while the app itself did not run is not the database's.
  router.on('GET', '/metrics', (_req, res) => send(res, 200, { ...counters, stallMs: stall.maxLateMs() }));
  router.on('GET', '/admin/pool-check', async (_req, res) => send(res, 200, await db.check()));
  router.on('POST', '/admin/flag', async (req, res) => {
    const b = await jsonBody(req);
    if (!b.name || b.value === undefined) return send(res, 400, { error: 'flag needs a name and a value', code: 'BAD_FLAG' });
    // A deploy to a variant nobody registered would serve nothing new: refuse it where it is made.
    if (b.name === INBOX_QUERY_FLAG && !app.inboxQueries.has(b.value)) {
      return send(res, 400, { error: `no inbox query variant '${b.value}' (registered: ${[...app.inboxQueries.keys()].join(', ')}); is its route module in AppOptions.routes?`, code: 'BAD_FLAG' });
    }
    counters.flags[b.name] = b.value;
    send(res, 200, { flags: counters.flags });
  });
  try {
    registerInboxRoutes(app);
    for (const spec of o.routes) loadRouteModule(spec, app);
  } catch (e) {
    // No app: release the connections a static pool has already opened.
    void db.close().catch(() => undefined);
    if (readDb !== db) void readDb.close().catch(() => undefined);
    throw e;
  }

  const server = createServer((req, res) => {
    const isWrite = req.method === 'POST';
    (async () => router.lookup(req, res))().catch((e: Error & { code?: string }) => {
      const code = e.code ?? 'UNKNOWN';
      countError(isWrite, code, e.message);
      if (!res.headersSent) send(res, 503, { error: e.message, code });
    });
  });
  server.keepAliveTimeout = 30_000;
  return {
    server,
    counters,
    async close() {
      stall.stop();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await db.close();
      if (readDb !== db) await readDb.close();
    },
  };
}
