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
  /** Ids [1, maxId] are deleted in ranges of `batch` ids, `concurrency` ranges at a time. */
  maxId: number;
  batch: number;
  concurrency: number;
  /** Asks the shard primary's tablet throttler before each batch and backs off while refused. */
  throttled?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Answers "may I run a batch now?" from the tablet throttler. Every answer comes from a check
 * that started after the question was asked (a batch never runs on an answer older than the
 * worker's previous batch), and the questions waiting at one time share one check, so eight
 * workers cost one check at a time, not eight.
 */
export type ThrottlerAnswer = 'granted' | 'refused' | 'error';

export class ThrottlerGate {
  checks = 0;
  /** Checks that failed (vtctld unreachable, bad answer): no answer from the throttler, not a refusal. */
  errors = 0;
  private inFlight?: Promise<ThrottlerAnswer>;
  private queued?: Promise<ThrottlerAnswer>;

  constructor(private readonly check: () => Promise<boolean>) {}

  ask(): Promise<ThrottlerAnswer> {
    // A check not started yet answers everyone who asks before it starts.
    if (this.queued) return this.queued;
    // It starts after the running one (which may predate this question), or on the next tick.
    const q = (this.inFlight ?? Promise.resolve()).then(() => {
      this.queued = undefined;
      return this.run();
    });
    this.queued = q;
    return q;
  }

  private run(): Promise<ThrottlerAnswer> {
    this.checks += 1;
    const p: Promise<ThrottlerAnswer> = this.check()
      .then((ok): ThrottlerAnswer => (ok ? 'granted' : 'refused'))
      .catch((): ThrottlerAnswer => {
        this.errors += 1;
        return 'error';
      })
      .finally(() => {
        if (this.inFlight === p) this.inFlight = undefined;
      });
    this.inFlight = p;
    return p;
  }
}

/**
 * Deletes a table's rows on one shard, in id ranges; counts rows, throttler refusals and failed
 * batches. A batch that failed is retried (its rows are still there), so "finished" means every
 * range was deleted, never "every range was tried".
 */
export class BulkDeleter {
  rowsDeleted = 0;
  refusals = 0;
  /** DELETE statements that failed (each range is retried until it succeeds or the deleter stops). */
  failedBatches = 0;
  /** The last failure, for the report. */
  lastError?: string;
  finishedAt?: number;
  private next = 1;
  private readonly retry: number[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly pool: Pool;
  private gate?: ThrottlerGate;

  constructor(
    private readonly cluster: Cluster,
    private readonly o: DeleterOptions,
  ) {
    this.pool = cluster.vtgatePool({ connectionLimit: o.concurrency + 1, database: `${o.keyspace}:${o.shard}` });
  }

  get throttlerChecks(): number {
    return this.gate?.checks ?? 0;
  }

  get throttlerErrors(): number {
    return this.gate?.errors ?? 0;
  }

  /** Every range deleted: none left to hand out, none waiting for a retry, none in flight. */
  private get remaining(): boolean {
    return this.next <= this.o.maxId || this.retry.length > 0 || this.inFlight > 0;
  }

  private inFlight = 0;

  start(timeline: Timeline, primary: TabletHandle): void {
    // vttablet 24 answers throttler checks over gRPC only (no HTTP endpoint): asked through vtctld.
    // --request-heartbeats marks the throttler as in use, as real clients' checks do; without it the
    // primary stays "dormant" and reads its replicas' lag only every 5 s, so it grants on stale lag.
    if (this.o.throttled) {
      this.gate = new ThrottlerGate(async () => {
        const r = await this.cluster.vtctld.json<{ Check?: { response_code?: string; value?: number } }>(['CheckThrottler', '--app-name', 'chaos-deleter', '--request-heartbeats', primary.alias]);
        const ok = r.Check?.response_code === 'OK';
        // What the throttler saw (its lag for the shard) beside what it answered, for the report.
        if (typeof r.Check?.value === 'number') timeline.sample('deleter', 'throttler_lag_seconds', r.Check.value);
        timeline.sample('deleter', 'granted', ok ? 1 : 0);
        return ok;
      });
    }
    this.loops = Array.from({ length: this.o.concurrency }, () => this.loop(timeline));
  }

  private async loop(timeline: Timeline): Promise<void> {
    while (!this.stopped && this.remaining) {
      if (this.next > this.o.maxId && !this.retry.length) {
        await sleep(200); // only ranges in flight on other workers (one may fail and come back)
        continue;
      }
      if (this.gate) {
        const answer = await this.gate.ask();
        if (answer !== 'granted') {
          if (answer === 'refused') this.refusals += 1;
          timeline.sample('deleter', answer, 1);
          await sleep(250);
          continue;
        }
      }
      if (this.stopped) break;
      const from = this.retry.shift() ?? this.next;
      if (from === this.next) this.next += this.o.batch;
      if (from > this.o.maxId) continue;
      this.inFlight += 1;
      try {
        const [r] = await this.pool.query(`DELETE FROM \`${this.o.table}\` WHERE id >= ? AND id < ?`, [from, from + this.o.batch]);
        this.rowsDeleted += (r as { affectedRows: number }).affectedRows;
        timeline.sample('deleter', 'rows_deleted', this.rowsDeleted);
      } catch (e) {
        this.failedBatches += 1;
        this.lastError = (e as Error).message;
        this.retry.push(from);
        timeline.sample('deleter', 'failed_batch', 1);
        await sleep(250);
      } finally {
        this.inFlight -= 1;
      }
    }
    if (!this.remaining && this.finishedAt === undefined) this.finishedAt = timeline.now();
  }

  /** Resolves when every range has been deleted (or the deleter was stopped). */
  async done(): Promise<void> {
    await Promise.all(this.loops);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.pool.end().catch(() => undefined);
  }
}

/** Full scans of a table on one shard's replicas, `concurrency` at a time, until stopped. */
export class EtlReader {
  scans = 0;
  /** Scans that failed: counted apart, so a reader that never read is not taken for a load. */
  failedScans = 0;
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
      const ok = await this.pool.query(`SELECT COUNT(*), SUM(CRC32(payload)) FROM \`${this.o.table}\``).then(
        () => true,
        () => false,
      );
      if (ok) this.scans += 1;
      else {
        this.failedScans += 1;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    await this.pool.end().catch(() => undefined);
  }
}
