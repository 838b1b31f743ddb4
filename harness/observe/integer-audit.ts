// The integer-key audit the 2026-04-14 incident asked for: every integer key column with
// its headroom, flagging keys narrower than BIGINT that a Vitess sequence or an
// auto-increment feeds. The incident's monitor saw auto-increment columns but not sequences.
import type { RowDataPacket } from 'mysql2/promise';
import type { Cluster } from '../cluster/cluster';
import { integerMax } from './probes';

export interface KeyColumn {
  keyspace: string;
  table: string;
  column: string;
  columnType: string;
  /** "sequence" (named), "auto_increment", or undefined when nothing generates its values. */
  fedBy?: { kind: 'sequence'; sequence: string } | { kind: 'auto_increment' };
  /** The next value the generator hands out, when known. */
  next?: bigint;
}

export interface KeyColumnAudit {
  keyspace: string;
  table: string;
  column: string;
  columnType: string;
  fedBy: string;
  max: string;
  next?: string;
  headroomIds?: string;
  headroomPercent?: number;
  flagged: boolean;
  reason?: string;
}

const NARROW = /^(tinyint|smallint|mediumint|int)\b/i;

export function classify(columns: KeyColumn[]): KeyColumnAudit[] {
  return columns.map((c) => {
    const max = integerMax(c.columnType);
    const fedBy = c.fedBy ? (c.fedBy.kind === 'sequence' ? `sequence ${c.fedBy.sequence}` : 'auto_increment') : 'none';
    const out: KeyColumnAudit = { keyspace: c.keyspace, table: c.table, column: c.column, columnType: c.columnType, fedBy, max: String(max ?? '?'), flagged: false };
    if (max !== undefined && c.next !== undefined) {
      const left = max - c.next + 1n;
      out.next = String(c.next);
      out.headroomIds = String(left);
      out.headroomPercent = Number((left * 1_000_000n) / max) / 10_000;
    }
    if (c.fedBy && NARROW.test(c.columnType)) {
      out.flagged = true;
      out.reason = `${c.columnType} key fed by ${fedBy}: runs out at ${max}; use BIGINT`;
    }
    return out;
  });
}

/** Reads every integer key column of every keyspace (from one primary per keyspace) and audits it. */
export async function auditIntegerKeys(cluster: Cluster): Promise<KeyColumnAudit[]> {
  const columns: KeyColumn[] = [];
  const sequenceNext = new Map<string, bigint>();
  for (const ks of cluster.topology.keyspaces.filter((k) => !k.sharded)) {
    const primary = await cluster.primaryOf(ks.name, ks.shards[0].name);
    const conn = await primary.mysql();
    try {
      for (const [table, spec] of Object.entries(ks.vschema.tables ?? {})) {
        if (spec.type !== 'sequence') continue;
        const [rows] = await conn.query<RowDataPacket[]>(`SELECT next_id FROM \`${primary.dbName}\`.\`${table}\` WHERE id = 0`);
        if (rows[0]) sequenceNext.set(`${ks.name}.${table}`, BigInt(String(rows[0].next_id)));
      }
    } finally {
      await conn.end();
    }
  }
  for (const ks of cluster.topology.keyspaces) {
    const primary = await cluster.primaryOf(ks.name, ks.shards[0].name);
    const conn = await primary.mysql();
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS col, c.COLUMN_TYPE AS type, c.EXTRA AS extra, tb.AUTO_INCREMENT AS ai
           FROM information_schema.COLUMNS c JOIN information_schema.TABLES tb USING (TABLE_SCHEMA, TABLE_NAME)
          WHERE c.TABLE_SCHEMA = ? AND c.COLUMN_KEY = 'PRI' AND c.DATA_TYPE IN ('tinyint','smallint','mediumint','int','bigint')`,
        [primary.dbName],
      );
      for (const r of rows) {
        const table = String(r.t);
        const spec = ks.vschema.tables?.[table];
        if (spec?.type === 'sequence') continue; // the sequence's own row id, not a key it feeds
        const column = String(r.col);
        const auto = spec?.auto_increment?.column === column ? spec.auto_increment : undefined;
        let fedBy: KeyColumn['fedBy'];
        let next: bigint | undefined;
        if (auto) {
          const seq = auto.sequence.includes('.') ? auto.sequence : `${cluster.topology.keyspaces.find((k) => !k.sharded)?.name}.${auto.sequence}`;
          fedBy = { kind: 'sequence', sequence: seq };
          next = sequenceNext.get(seq);
        } else if (/auto_increment/i.test(String(r.extra))) {
          fedBy = { kind: 'auto_increment' };
          next = r.ai === null || r.ai === undefined ? undefined : BigInt(String(r.ai));
        }
        columns.push({ keyspace: ks.name, table, column, columnType: String(r.type), fedBy, next });
      }
    } finally {
      await conn.end();
    }
  }
  return classify(columns);
}
