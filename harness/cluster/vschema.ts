// Reading and applying a keyspace's VSchema through vtctld.
import type { Cluster } from './cluster';

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
