// The cluster most experiments run on: an unsharded keyspace holding the sequences and a
// sharded keyspace in two halves, semi-sync everywhere, as the incidents' fleets ran.
import { KeyspaceSpec, Topology, VSchemaTable } from './topology';

export const SEQUENCE_KEYSPACE = 'commerce';
export const SHARDED_KEYSPACE = 'customer';

export function defaultTopology(): Topology {
  return {
    cell: 'zone1',
    keyspaces: [
      {
        name: SEQUENCE_KEYSPACE,
        sharded: false,
        durability: 'semi_sync',
        shards: [{ name: '0', replicas: 1 }],
        schema: [],
        vschema: { tables: {} },
      },
      {
        name: SHARDED_KEYSPACE,
        sharded: true,
        durability: 'semi_sync',
        shards: [
          { name: '-80', replicas: 2 },
          { name: '80-', replicas: 2 },
        ],
        schema: [],
        vschema: { sharded: true, vindexes: { hash: { type: 'hash' } }, tables: {} },
      },
    ],
  };
}

export interface ShardedTable {
  /** CREATE TABLE statement for the sharded keyspace. */
  ddl: string;
  name: string;
  /** Column fed by the table's own sequence. */
  idColumn: string;
  /** Column hashed to a keyspace id; defaults to the id column. */
  shardKey?: string;
  /** Sequence cache size: ids each tablet reserves per trip to the sequence table. */
  cache?: number;
  /** First id the sequence hands out. */
  start?: number;
}

function keyspace(topology: Topology, name: string): KeyspaceSpec {
  const ks = topology.keyspaces.find((k) => k.name === name);
  if (!ks) throw new Error(`the topology has no keyspace "${name}"`);
  return ks;
}

/**
 * Adds a table to the sharded keyspace, hashed on its id column, with ids from a Vitess
 * sequence `<name>_seq` in the sequence keyspace. Returns the same topology for chaining.
 */
export function withShardedTable(topology: Topology, table: ShardedTable): Topology {
  const seqName = `${table.name}_seq`;
  const seq = keyspace(topology, SEQUENCE_KEYSPACE);
  seq.schema.push(
    `CREATE TABLE ${seqName} (id BIGINT NOT NULL, next_id BIGINT, cache BIGINT, PRIMARY KEY (id)) COMMENT 'vitess_sequence'`,
    `INSERT INTO ${seqName} (id, next_id, cache) VALUES (0, ${table.start ?? 1}, ${table.cache ?? 100})`,
  );
  seq.vschema.tables = { ...seq.vschema.tables, [seqName]: { type: 'sequence' } };
  const sharded = keyspace(topology, SHARDED_KEYSPACE);
  sharded.schema.push(table.ddl);
  const entry: VSchemaTable = {
    column_vindexes: [{ column: table.shardKey ?? table.idColumn, name: 'hash' }],
    auto_increment: { column: table.idColumn, sequence: `${SEQUENCE_KEYSPACE}.${seqName}` },
  };
  sharded.vschema.tables = { ...sharded.vschema.tables, [table.name]: entry };
  return topology;
}
