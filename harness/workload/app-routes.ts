// What a route module sees of the workload app, and how the app loads one. The app's own
// workload (the inbox) registers through the same surface; an experiment that needs more (an
// admin switch, another variant of a query) ships a module of its own beside the experiment and
// names it in AppOptions.routes, so the harness app holds no experiment's knowledge.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute } from 'node:path';
import type Router from 'find-my-way';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from './app-db';
import type { AppCounters } from './app';

export type AppRouter = Router.Instance<Router.HTTPVersion.V1>;

/** A route module to load in the app's process: JSON, since app options cross a process boundary. */
export interface RouteModuleSpec {
  /** Absolute path of a .ts (or .js) file exporting `registerRoutes`. */
  module: string;
  /** Handed to its registerRoutes as given (keyspace names and the like). */
  options?: Record<string, unknown>;
}

export interface RouteContext {
  router: AppRouter;
  /** Writes, and reads that must see them. */
  db: Db;
  /** Reads: the primary's connections, or a replica's when the app reads from replicas. */
  readDb: Db;
  counters: AppCounters;
  /** Variants of the inbox list query by name; the flag 'inbox-query' picks the one served. */
  inboxQueries: Map<string, string>;
  /** Writes to a table the predicate names are answered 200 `{ skipped: true }` and never sent. */
  skipWrites(predicate: (table: string) => boolean): void;
  /** One write, counted per table; answers 201 `{ id }` once the database acknowledged it. */
  write(res: ServerResponse, table: string, sql: string, values: unknown[]): Promise<void>;
  /** One read through readDb, counted. */
  read(sql: string, values: unknown[]): Promise<RowDataPacket[]>;
  jsonBody(req: IncomingMessage): Promise<Record<string, string>>;
  send(res: ServerResponse, status: number, payload: unknown): void;
}

/** What a route module exports. It may throw: the app then refuses to start, with its message. */
export type RegisterRoutes = (app: RouteContext, options: Record<string, unknown>) => void;

export async function jsonBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return {};
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
}

export function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Checks a spec in the harness's process, before any app is started. */
export function routeModuleProblem(spec: RouteModuleSpec): string | undefined {
  if (typeof spec?.module !== 'string' || !isAbsolute(spec.module)) return `route module ${JSON.stringify(spec?.module)}: give an absolute file path`;
  return undefined;
}

/** Loads one module (in the app's process, where ts-node compiles .ts files) and runs its registration. */
export function loadRouteModule(spec: RouteModuleSpec, app: RouteContext): void {
  const problem = routeModuleProblem(spec);
  if (problem) throw new Error(problem);
  let loaded: { registerRoutes?: unknown };
  try {
    // A plain require: the path is known only at run time, and ts-node (the app's loader) compiles it.
    loaded = require(spec.module) as { registerRoutes?: unknown };
  } catch (e) {
    throw new Error(`route module ${spec.module} did not load: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof loaded.registerRoutes !== 'function') throw new Error(`route module ${spec.module} exports no registerRoutes(app, options) function`);
  try {
    (loaded.registerRoutes as RegisterRoutes)(app, spec.options ?? {});
  } catch (e) {
    throw new Error(`route module ${spec.module}: ${(e as Error).message}`);
  }
}
