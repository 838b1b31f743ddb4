// The ledger: every write the app was asked to make, keyed by a client-made token. A 2xx
// answer makes it acknowledged; anything else leaves it indeterminate (it may or may not
// have happened). The verdict compares the ledger with what the cluster holds.

export type WriteStatus = 'acknowledged' | 'indeterminate';

export interface LedgerEntry {
  token: string;
  table: string;
  /** The values the write carried, as the rows should hold them. */
  payload: Record<string, string>;
  status: WriteStatus;
  /** Id the app reported on acknowledgement. */
  id?: string;
  sentAt: number;
  ackAt?: number;
}

export class Ledger {
  private readonly byToken = new Map<string, LedgerEntry>();

  /** Called before a write is sent: until acknowledged, it is indeterminate. */
  begin(token: string, table: string, payload: Record<string, string>, t: number): void {
    this.byToken.set(token, { token, table, payload, status: 'indeterminate', sentAt: t });
  }

  acknowledge(token: string, id: string, t: number): void {
    const e = this.byToken.get(token);
    if (!e) throw new Error(`acknowledgement for a write the ledger never saw: ${token}`);
    e.status = 'acknowledged';
    e.id = id;
    e.ackAt = t;
  }

  /** The request turned out not to be a write (a killswitch answered it). */
  cancel(token: string): void {
    this.byToken.delete(token);
  }

  entries(): LedgerEntry[] {
    return [...this.byToken.values()];
  }

  acknowledged(): LedgerEntry[] {
    return this.entries().filter((e) => e.status === 'acknowledged');
  }

  get size(): number {
    return this.byToken.size;
  }
}

/** A row as read back: its token, id, payload columns, and where it was found. */
export interface StoredRow {
  table: string;
  token: string;
  id: string;
  payload: Record<string, string>;
}

export interface ShardRows {
  shard: string;
  rows: StoredRow[];
  /** Rows whose keyspace id this shard does not own. */
  misplaced: StoredRow[];
}

export type Verdict = 'pass' | 'fail' | 'unknown';

export interface LedgerVerdict {
  verdict: Verdict;
  acknowledged: number;
  indeterminate: number;
  lost: string[];
  duplicated: string[];
  altered: { token: string; expected: Record<string, string>; found: Record<string, string> }[];
  indeterminateFound: number;
  indeterminateMissing: number;
  misplaced: { shard: string; token: string; id: string }[];
  /** Rows on the shards that vtgate did not return, or the other way round. */
  vtgateMismatch: string[];
  error?: string;
}

/** How the ledger names a write in its verdict (lost, duplicated): `table/token`. */
export function rowKey(r: { table: string; token: string }): string {
  return `${r.table}/${r.token}`;
}

/**
 * Compares the ledger with rows read through vtgate and directly from each shard's primary.
 * Fails on any lost, duplicated, altered or misplaced acknowledged write.
 */
export function judge(entries: LedgerEntry[], viaVtgate: StoredRow[], shards: ShardRows[]): LedgerVerdict {
  const onShards = new Map<string, StoredRow[]>();
  for (const s of shards) for (const r of s.rows) onShards.set(rowKey(r), [...(onShards.get(rowKey(r)) ?? []), r]);
  const seen = new Map<string, StoredRow[]>();
  for (const r of viaVtgate) seen.set(rowKey(r), [...(seen.get(rowKey(r)) ?? []), r]);

  const v: LedgerVerdict = {
    verdict: 'pass',
    acknowledged: 0,
    indeterminate: 0,
    lost: [],
    duplicated: [],
    altered: [],
    indeterminateFound: 0,
    indeterminateMissing: 0,
    misplaced: shards.flatMap((s) => s.misplaced.map((r) => ({ shard: s.shard, token: r.token, id: r.id }))),
    vtgateMismatch: [],
  };
  for (const e of entries) {
    const key = rowKey(e);
    const rows = onShards.get(key) ?? [];
    if (e.status === 'indeterminate') {
      v.indeterminate += 1;
      if (rows.length > 0) v.indeterminateFound += 1;
      else v.indeterminateMissing += 1;
      if (rows.length > 1) v.duplicated.push(key);
      continue;
    }
    v.acknowledged += 1;
    if (rows.length === 0) {
      v.lost.push(key);
      continue;
    }
    if (rows.length > 1) v.duplicated.push(key);
    const row = rows[0];
    const expected: Record<string, string> = { ...e.payload, ...(e.id ? { id: e.id } : {}) };
    const found: Record<string, string> = { ...row.payload, id: row.id };
    if (Object.entries(expected).some(([k, val]) => found[k] !== val)) v.altered.push({ token: key, expected, found });
  }
  for (const key of new Set([...onShards.keys(), ...seen.keys()])) {
    if ((onShards.get(key)?.length ?? 0) !== (seen.get(key)?.length ?? 0)) v.vtgateMismatch.push(key);
  }
  const bad = v.lost.length + v.duplicated.length + v.altered.length + v.misplaced.length + v.vtgateMismatch.length;
  v.verdict = bad > 0 ? 'fail' : 'pass';
  return v;
}
