// Reading and applying a keyspace's VSchema through vtctld.
import type { Cluster } from './cluster';

/** A keyspace as vtgate serves it: its tables (with the schema tracker's columns) and vindexes. */
export interface ServedKeyspace {
  sharded?: boolean;
  tables?: Record<string, { type?: string; column_list_authoritative?: boolean }>;
  vindexes?: Record<string, { type?: string }>;
}

/** The VSchema vtgate serves now (its /debug/vschema), which can differ from the one stored. */
export async function servedVSchema(cluster: Pick<Cluster, 'vtgate'>): Promise<{ keyspaces?: Record<string, ServedKeyspace> }> {
  const r = await fetch(`${cluster.vtgate.debugUrl}/debug/vschema`, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) throw new Error(`vtgate's /debug/vschema answered ${r.status}`);
  return (await r.json()) as { keyspaces?: Record<string, ServedKeyspace> };
}

export function getVSchema<T = unknown>(cluster: Cluster, keyspace: string): Promise<T> {
  return cluster.vtctld.json<T>(['GetVSchema', keyspace]);
}

/** Re-applies `vschema` unless the keyspace already stores exactly that (heals are safe to repeat). */
export async function restoreVSchemaIfChanged(cluster: Cluster, keyspace: string, vschema: unknown): Promise<void> {
  const now = await getVSchema(cluster, keyspace);
  if (JSON.stringify(now) !== JSON.stringify(vschema)) await applyVSchema(cluster, keyspace, vschema);
}

/** ApplyVSchema; with skipRebuild it is stored in topology only and vtgates keep serving the old one. */
export async function applyVSchema(cluster: Cluster, keyspace: string, vschema: unknown, skipRebuild = false): Promise<void> {
  await cluster.vtctld.run(['ApplyVSchema', ...(skipRebuild ? ['--skip-rebuild'] : []), '--vschema', JSON.stringify(vschema), keyspace]);
}
