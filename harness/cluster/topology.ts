// The topology as plain data (keyspaces -> shards -> tablets), its validation, and the
// tablets it implies. Everything here runs before any container starts.
import { gaps, KeyRange, overlaps, parseShardName } from './keyrange';

export class TopologyError extends Error {
  override name = 'TopologyError';
}

export type Durability = 'semi_sync' | 'none';

export interface ShardSpec {
  /** Key range name: "0" for an unsharded keyspace, "-80", "80-" ... otherwise. */
  name: string;
  /** Replicas beside the primary. */
  replicas: number;
}

export interface KeyspaceSpec {
  name: string;
  sharded: boolean;
  shards: ShardSpec[];
  durability: Durability;
  /** SQL applied with ApplySchema, in order (DDL, and rows such as a sequence's first). */
  schema: string[];
  /** The VSchema as Vitess takes it in ApplyVSchema. */
  vschema: VSchema;
}

export interface VSchema {
  sharded?: boolean;
  vindexes?: Record<string, { type: string; params?: Record<string, string>; owner?: string }>;
  tables?: Record<string, VSchemaTable>;
  [other: string]: unknown;
}

export interface VSchemaTable {
  type?: string;
  column_vindexes?: { column: string; name: string }[];
  auto_increment?: { column: string; sequence: string };
  [other: string]: unknown;
}

export interface Topology {
  cell: string;
  keyspaces: KeyspaceSpec[];
}

export interface TabletPlan {
  uid: number;
  /** Vitess tablet alias, e.g. "zone1-0000000100". */
  alias: string;
  keyspace: string;
  shard: string;
  /** Host name on the cluster network. */
  hostname: string;
  /** The tablet the harness makes primary at bring-up. */
  initialPrimary: boolean;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Tablet uids are shardOrdinal * 100 + index: room for 99 replicas per shard. */
const MAX_REPLICAS = 98;

/** Every problem found, so one run of the validator tells the user everything to fix. */
export function topologyProblems(topology: Topology): string[] {
  const problems: string[] = [];
  if (!NAME.test(topology.cell ?? '')) problems.push(`cell "${topology.cell}" must be a lower-case name like "zone1"`);
  if (!Array.isArray(topology.keyspaces) || topology.keyspaces.length === 0) {
    problems.push('the topology has no keyspaces');
    return problems;
  }
  const seen = new Set<string>();
  for (const ks of topology.keyspaces) {
    const where = `keyspace "${ks.name}"`;
    if (!NAME.test(ks.name ?? '')) problems.push(`${where}: name must be lower-case letters, digits and _`);
    if (seen.has(ks.name)) problems.push(`${where} is defined twice`);
    seen.add(ks.name);
    problems.push(...shardProblems(ks, where));
    if (Boolean(ks.vschema?.sharded) !== ks.sharded) {
      problems.push(`${where}: vschema.sharded is ${Boolean(ks.vschema?.sharded)} but the keyspace is ${ks.sharded ? '' : 'un'}sharded`);
    }
  }
  return problems;
}

function shardProblems(ks: KeyspaceSpec, where: string): string[] {
  const problems: string[] = [];
  if (!Array.isArray(ks.shards) || ks.shards.length === 0) return [`${where} has no shards`];
  const names = new Set<string>();
  const ranges: { name: string; range: KeyRange }[] = [];
  for (const shard of ks.shards) {
    if (names.has(shard.name)) problems.push(`${where}: shard "${shard.name}" is defined twice`);
    names.add(shard.name);
    if (!Number.isInteger(shard.replicas) || shard.replicas < 0 || shard.replicas > MAX_REPLICAS) {
      problems.push(`${where}: shard "${shard.name}" needs a whole number of replicas from 0 to ${MAX_REPLICAS}`);
    } else if (ks.durability === 'semi_sync' && shard.replicas < 1) {
      // A semi-sync primary with nobody to acknowledge would block every write.
      problems.push(`${where}: shard "${shard.name}" has no replica, but semi_sync durability needs at least one`);
    }
    try {
      ranges.push({ name: shard.name, range: parseShardName(shard.name) });
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  }
  if (!ks.sharded) {
    if (ks.shards.length !== 1 || !['0', '-'].includes(ks.shards[0].name)) {
      problems.push(`${where} is unsharded: give it exactly one shard named "0"`);
    }
    return problems;
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (overlaps(ranges[i].range, ranges[j].range)) {
        problems.push(`${where}: shards "${ranges[i].name}" and "${ranges[j].name}" have overlapping key ranges`);
      }
    }
  }
  if (problems.length === 0) {
    const missing = gaps(ranges.map((r) => r.range));
    if (missing.length > 0) problems.push(`${where}: no shard covers key range(s) ${missing.join(', ')}`);
  }
  return problems;
}

export function validateTopology(topology: Topology): void {
  const problems = topologyProblems(topology);
  if (problems.length > 0) {
    throw new TopologyError(`invalid topology:\n  - ${problems.join('\n  - ')}`);
  }
}

export function tabletAlias(cell: string, uid: number): string {
  return `${cell}-${String(uid).padStart(10, '0')}`;
}

/** The tablets a topology implies, in a stable order with stable uids. */
export function planTablets(topology: Topology): TabletPlan[] {
  const plans: TabletPlan[] = [];
  let ordinal = 0;
  for (const ks of topology.keyspaces) {
    for (const shard of ks.shards) {
      ordinal += 1;
      for (let i = 0; i <= shard.replicas; i++) {
        const uid = ordinal * 100 + i;
        plans.push({
          uid,
          alias: tabletAlias(topology.cell, uid),
          keyspace: ks.name,
          shard: shard.name,
          hostname: `tablet-${uid}`,
          initialPrimary: i === 0,
        });
      }
    }
  }
  return plans;
}
