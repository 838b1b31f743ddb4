// Background jobs beside the app, as the incident's were: a bulk deletion worker on one shard's
// primary (heavy binlog volume for its replicas to apply) and an ETL reader doing full scans on
// that shard's replicas. Both go through vtgate, targeted at the shard.
import type { Pool } from 'mysql2/promise';
import type { Cluster, TabletHandle } from '../cluster/cluster';
import type { Timeline } from '../observe/timeline';

export interface DeleterOptions {
  keyspace: string;
  shard: string;
  table: string;
  /** Ids [1, maxId] are deleted in ranges of `batch`, `concurrency` at a time. */
  maxId: number;
  batch: number;
  concurrency: number;
  /** Asks the shard primary's tablet throttler before each batch and backs off while refused. */
  throttled?: boolean;
  /** Pause between batches per worker (a slowed worker). */
  pauseMs?: number;
}

/** Deletes a table's rows on one shard, in id ranges; counts rows and throttler refusals. */
export class BulkDeleter {
  rowsDeleted = 0;
  refusals = 0;
  finishedAt?: number;
  private next = 1;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly pool: Pool;

  /** The throttler's last answer for this app (refreshed by one poller, read by every worker). */
  private granted = false;
  private poller?: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private o: DeleterOptions,
  ) {
    this.pool = cluster.vtgatePool({ connectionLimit: o.concurrency + 1, database: `${o.keyspace}:${o.shard}` });
  }

  start(timeline: Timeline, primary: TabletHandle): void {
    if (this.o.throttled) this.poller = this.pollThrottler(primary);
    this.loops = Array.from({ length: this.o.concurrency }, (_, i) => this.loop(timeline, i));
  }

  /** Fewer workers and a pause between batches: the remediation's "slow it down". */
  slowDown(concurrency: number, pauseMs: number): void {
    this.o = { ...this.o, concurrency, pauseMs };
  }

  /** vttablet answers throttler checks over gRPC only (no HTTP endpoint in 24): asked through vtctld. */
  private async pollThrottler(primary: TabletHandle): Promise<void> {
    while (!this.stopped) {
      const r = await this.cluster.vtctld.json<{ Check?: { response_code?: string } }>(['CheckThrottler', '--app-name', 'chaos-deleter', primary.alias]).catch(() => undefined);
      this.granted = r?.Check?.response_code === 'OK';
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  private async loop(timeline: Timeline, worker: number): Promise<void> {
    while (!this.stopped && this.next <= this.o.maxId) {
      if (worker >= this.o.concurrency) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (this.o.throttled && !this.granted) {
        this.refusals += 1;
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      const from = this.next;
      this.next += this.o.batch;
      const [r] = await this.pool.query(`DELETE FROM \`${this.o.table}\` WHERE id >= ? AND id < ?`, [from, from + this.o.batch]).catch(() => [{ affectedRows: 0 }]);
      this.rowsDeleted += (r as { affectedRows: number }).affectedRows;
      if (this.o.pauseMs) await new Promise((res) => setTimeout(res, this.o.pauseMs));
    }
    if (this.next > this.o.maxId && this.finishedAt === undefined) this.finishedAt = timeline.now();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.loops, this.poller]);
  }
}

/** Full scans of a table on one shard's replicas, `concurrency` at a time, until stopped. */
export class EtlReader {
  scans = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly pool: Pool;

  constructor(
    cluster: Cluster,
    private readonly o: { keyspace: string; shard: string; table: string; concurrency: number },
  ) {
    this.pool = cluster.vtgatePool({ connectionLimit: o.concurrency, database: `${o.keyspace}:${o.shard}@replica` });
  }

  start(): void {
    this.loops = Array.from({ length: this.o.concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.pool.query(`SELECT COUNT(*), SUM(CRC32(payload)) FROM \`${this.o.table}\``).catch(() => undefined);
      this.scans += 1;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}
