// The support-inbox schema the workload app writes: conversations, their messages (kept on
// the conversation's shard), and heartbeats. Every row carries the client's token so the
// ledger can find it whether or not the write was acknowledged.
import { defaultTopology, SHARDED_KEYSPACE, withShardedTable } from '../cluster/default-topology';
import type { Topology } from '../cluster/topology';

export interface LedgerTable {
  name: string;
  /** Column hashed to the keyspace id. */
  shardKey: string;
  /** Columns the ledger compares besides id. */
  payload: string[];
}

/** The keyspace the inbox tables live in (the default topology's sharded one). */
export const INBOX_KEYSPACE = SHARDED_KEYSPACE;

export const INBOX_TABLES: LedgerTable[] = [
  { name: 'conversations', shardKey: 'id', payload: ['inbox_id', 'subject'] },
  { name: 'messages', shardKey: 'conversation_id', payload: ['conversation_id', 'body'] },
  { name: 'heartbeats', shardKey: 'id', payload: [] },
];

export function withInboxSchema(topology: Topology = defaultTopology()): Topology {
  withShardedTable(topology, {
    name: 'conversations',
    idColumn: 'id',
    ddl: `CREATE TABLE conversations (
      id BIGINT NOT NULL, token VARCHAR(40) NOT NULL, inbox_id INT NOT NULL, subject VARCHAR(200) NOT NULL,
      created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id), KEY inbox (inbox_id, id), KEY token (token))`,
  });
  withShardedTable(topology, {
    name: 'messages',
    idColumn: 'id',
    shardKey: 'conversation_id',
    ddl: `CREATE TABLE messages (
      id BIGINT NOT NULL, conversation_id BIGINT NOT NULL, token VARCHAR(40) NOT NULL, body VARCHAR(1000) NOT NULL,
      created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id), KEY conversation (conversation_id, id), KEY token (token))`,
  });
  withShardedTable(topology, {
    name: 'heartbeats',
    idColumn: 'id',
    ddl: `CREATE TABLE heartbeats (
      id BIGINT NOT NULL, token VARCHAR(40) NOT NULL, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
      PRIMARY KEY (id), KEY token (token))`,
  });
  return topology;
}
