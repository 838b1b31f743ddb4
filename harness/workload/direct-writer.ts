// A client wired straight to one tablet's MySQL, as the incident's app was: a few connections,
// each writing one row after another into a table of its own, every write's outcome kept.
// What the server acknowledged can then be looked for on whichever tablet is primary later,
// which shows whether writes a deposed primary acknowledged survived.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TabletHandle } from '../cluster/cluster';

/** Outside the VSchema: only this client writes it, straight to MySQL. */
export const DIRECT_TABLE = 'chaos_direct_writes';

export interface DirectWrite {
  token: string;
  sentAt: number;
  answeredAt?: number;
  outcome: 'acknowledged' | 'failed' | 'unanswered';
  error?: string;
}

export interface DirectWriterOptions {
  /** Connections writing side by side (one write in flight on each). */
  connections: number;
  /** Pause between one connection's writes. */
  intervalMs: number;
  /** The timeline's clock, so write instants compare with the run's events. */
  now: () => number;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The harness's own statements (the table's DDL, the look-up) give up after this: under semi-sync
 * a DDL with no replica to acknowledge it waits forever, and a run must fail, never hang (a run
 * beside a second cluster once hung past its test's timeout, its load still running).
 */
const OWN_STATEMENT_MS = 60_000;

export class DirectWriter {
  private readonly writes: DirectWrite[] = [];
  private running = true;
  private readonly open = new Set<Connection>();
  private readonly loops: Promise<void>[] = [];

  private constructor(
    readonly target: TabletHandle,
    private readonly o: DirectWriterOptions,
  ) {}

  private get table(): string {
    return `\`${this.target.dbName}\`.\`${DIRECT_TABLE}\``;
  }

  /** Creates the table on `target` (a primary: the replicas get it through the binlog) and starts writing. */
  static async start(target: TabletHandle, o: DirectWriterOptions): Promise<DirectWriter> {
    const w = new DirectWriter(target, o);
    const conn = await target.mysql();
    try {
      await conn.query({ sql: `CREATE TABLE IF NOT EXISTS ${w.table} (token VARCHAR(40) PRIMARY KEY, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`, timeout: OWN_STATEMENT_MS });
    } finally {
      conn.destroy();
    }
    const run = `${Date.now().toString(36)}`;
    for (let i = 0; i < o.connections; i++) w.loops.push(w.loop(`${run}-${i}`));
    return w;
  }

  private async loop(prefix: string): Promise<void> {
    let conn: Connection | undefined;
    for (let seq = 0; this.running; seq++) {
      const write: DirectWrite = { token: `${prefix}-${seq}`, sentAt: this.o.now(), outcome: 'unanswered' };
      this.writes.push(write);
      try {
        if (!conn) {
          conn = await this.target.mysql();
          this.open.add(conn);
        }
        await conn.query(`INSERT INTO ${this.table} (token) VALUES (?)`, [write.token]);
        write.outcome = 'acknowledged';
      } catch (e) {
        // Stopped while waiting: the write was never answered, whatever the destroy says.
        if (!this.running) return;
        write.outcome = 'failed';
        write.error = (e as Error).message.slice(0, 200);
        if (conn) {
          this.open.delete(conn);
          conn.destroy();
        }
        conn = undefined;
      }
      write.answeredAt = this.o.now();
      await wait(this.o.intervalMs);
    }
    if (conn) {
      this.open.delete(conn);
      conn.destroy();
    }
  }

  /** Stops writing; a write still waiting after `graceMs` stays unanswered and its connection is closed. */
  async stop(graceMs: number): Promise<DirectWrite[]> {
    this.running = false;
    await Promise.race([Promise.all(this.loops), wait(graceMs)]);
    for (const c of this.open) c.destroy();
    this.open.clear();
    await Promise.all(this.loops);
    return this.writes.map((w) => ({ ...w }));
  }

  /** Which of `tokens` a tablet holds (read straight from its MySQL). */
  static async found(t: TabletHandle, tokens: string[]): Promise<Set<string>> {
    const conn = await t.mysql();
    try {
      const found = new Set<string>();
      for (let i = 0; i < tokens.length; i += 500) {
        const [rows] = await conn.query<RowDataPacket[]>({ sql: `SELECT token FROM \`${t.dbName}\`.\`${DIRECT_TABLE}\` WHERE token IN (?)`, values: [tokens.slice(i, i + 500)], timeout: OWN_STATEMENT_MS });
        for (const r of rows) found.add(String(r.token));
      }
      return found;
    } finally {
      conn.destroy();
    }
  }

  /** Drops the table through `primary`'s binlog, so its replicas drop it too. */
  static async drop(primary: TabletHandle): Promise<void> {
    const conn = await primary.mysql();
    try {
      await conn.query({ sql: `DROP TABLE IF EXISTS \`${primary.dbName}\`.\`${DIRECT_TABLE}\``, timeout: OWN_STATEMENT_MS });
    } finally {
      conn.destroy();
    }
  }
}

export interface DirectWriteCount {
  acknowledged: number;
  /** Acknowledged, and not on the tablet they were looked for on. */
  missing: number;
  failed: number;
  unanswered: number;
  /** Seconds from `from` to the last acknowledgement (null: none, or no `from` to count from). */
  lastAckSeconds: number | null;
  /** The first failure's message, if any failed. */
  firstError?: string;
}

/**
 * The writes answered in [from, to) (an unanswered one: sent then) counted by outcome, with the
 * acknowledged ones looked up in `found` (a pure function: unit-tested). By the answer: a write
 * in flight when a primary is cut off may be acknowledged long after, and that is the one at risk.
 */
export function countDirectWrites(writes: readonly DirectWrite[], found: ReadonlySet<string>, from: number, to = Infinity): DirectWriteCount {
  const sent = writes.filter((w) => (w.answeredAt ?? w.sentAt) >= from && (w.answeredAt ?? w.sentAt) < to);
  const acked = sent.filter((w) => w.outcome === 'acknowledged');
  const firstError = sent.find((w) => w.outcome === 'failed')?.error;
  const last = acked.reduce<number | undefined>((m, w) => Math.max(m ?? -Infinity, w.answeredAt ?? w.sentAt), undefined);
  return {
    acknowledged: acked.length,
    missing: acked.filter((w) => !found.has(w.token)).length,
    failed: sent.filter((w) => w.outcome === 'failed').length,
    unanswered: sent.filter((w) => w.outcome === 'unanswered').length,
    lastAckSeconds: last === undefined || !Number.isFinite(from) ? null : Math.round(last - from) / 1000,
    ...(firstError ? { firstError } : {}),
  };
}
