// The pre-deploy guard: plans a candidate query through vtgate (VEXPLAIN PLAN) and rejects it
// when the plan joins across keyspaces (vtgate then runs the join itself, one query per row)
// or when a query it sends to a shard would scan a large table without an index (MySQL's
// EXPLAIN of that query on a tablet). Nothing is executed; only plans are read.
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster } from '../cluster/cluster';
import { usePool } from '../cluster/pool';

/** A node of vtgate's plan as VEXPLAIN PLAN prints it (only the fields the guard reads). */
export interface PlanNode {
  OperatorType?: string;
  Variant?: string;
  Keyspace?: { Name: string; Sharded?: boolean };
  Query?: string;
  Inputs?: PlanNode[];
}

export interface GuardFinding {
  kind: 'cross-keyspace-join' | 'full-scan';
  detail: string;
}

export interface RouteExplain {
  keyspace: string;
  variant?: string;
  query: string;
  /** MySQL's EXPLAIN rows of the query on one of the keyspace's tablets. */
  explain: { table: string; type: string; key: string | null; rows: number }[];
}

export interface GuardVerdict {
  sql: string;
  allowed: boolean;
  findings: GuardFinding[];
  routes: RouteExplain[];
  plan: PlanNode;
}

export function routesOf(node: PlanNode): PlanNode[] {
  const own = node.OperatorType === 'Route' && node.Keyspace ? [node] : [];
  return [...own, ...(node.Inputs ?? []).flatMap(routesOf)];
}

/** Joins vtgate performs itself whose sides read different keyspaces. */
export function crossKeyspaceJoins(node: PlanNode): string[] {
  const here: string[] = [];
  if (node.OperatorType === 'Join') {
    const keyspaces = [...new Set(routesOf(node).map((r) => r.Keyspace!.Name))].sort();
    if (keyspaces.length > 1) here.push(`${node.Variant ?? ''} join at vtgate across keyspaces ${keyspaces.join(' and ')}`.trim());
  }
  return [...here, ...(node.Inputs ?? []).flatMap(crossKeyspaceJoins)];
}

/** A shard query with its bind variables (:name, ::list) replaced by literals, so MySQL can EXPLAIN it. */
export function withLiterals(query: string): string {
  return query
    .replace(/\/\*.*?\*\//g, '')
    .replace(/\b(limit|offset)\s+:\w+/gi, '$1 1')
    .replace(/::\w+/g, "('0')")
    .replace(/(?<![:\w]):(\w+)/g, "'0'")
    .replace(/\s+$/, '');
}

export interface GuardOptions {
  /** The keyspace the query is planned from (its USE). */
  keyspace: string;
  /** A table scan without an index over at least this many (estimated) rows is rejected. */
  minScanRows?: number;
}

export async function guardQuery(cluster: Cluster, sql: string, params: (string | number)[], options: GuardOptions): Promise<GuardVerdict> {
  const minScanRows = options.minScanRows ?? 10_000;
  const literal = mysql.format(sql, params);
  const [rows] = await usePool(cluster.vtgatePool({ connectionLimit: 1, database: options.keyspace }), (pool) => pool.query<RowDataPacket[]>(`VEXPLAIN PLAN ${literal}`));
  const plan = JSON.parse(String(Object.values(rows[0])[0])) as PlanNode;
  const findings: GuardFinding[] = crossKeyspaceJoins(plan).map((detail) => ({ kind: 'cross-keyspace-join' as const, detail }));
  const routes: RouteExplain[] = [];
  for (const route of routesOf(plan)) {
    if (!route.Query) continue;
    const ks = cluster.topology.keyspaces.find((k) => k.name === route.Keyspace!.Name);
    if (!ks) continue;
    const tablet = await cluster.primaryOf(ks.name, ks.shards[0].name);
    const conn = await tablet.mysql();
    try {
      await conn.query(`USE \`${tablet.dbName}\``);
      // The tabular format names the access type per table (MySQL 9 may default to the tree format).
      const [ex] = await conn.query<RowDataPacket[]>(`EXPLAIN FORMAT=TRADITIONAL ${withLiterals(route.Query)}`);
      const explain = ex.map((r) => ({ table: String(r.table), type: String(r.type), key: r.key === null ? null : String(r.key), rows: Number(r.rows ?? 0) }));
      routes.push({ keyspace: ks.name, variant: route.Variant, query: route.Query, explain });
      for (const e of explain) {
        if (e.type === 'ALL' && e.rows >= minScanRows) {
          findings.push({ kind: 'full-scan', detail: `${route.Variant ?? ''} route to ${ks.name} scans ${e.table} without an index (~${e.rows} rows): ${route.Query}`.replace(/^ /, '') });
        }
      }
    } finally {
      conn.destroy();
    }
  }
  return { sql: literal, allowed: findings.length === 0, findings, routes, plan };
}
