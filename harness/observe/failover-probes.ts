// Probes for failovers: what VTOrc noticed and did (its own counters), and whether each shard
// takes writes (one small write per shard, on a short period, through vtgate).
import type { Pool } from 'mysql2/promise';
import type { Cluster } from '../cluster/cluster';
import { nextIdInShard, parseShardName } from '../cluster/keyrange';
import { Probe, vars } from './probes';
import type { Timeline } from './timeline';

/** "A.B.C" keys of Vitess multi-label stats, split into named labels. */
export function multiLabels(stat: unknown, names: string[]): { labels: Record<string, string>; value: number }[] {
  if (!stat || typeof stat !== 'object') return [];
  return Object.entries(stat as Record<string, number>).flatMap(([key, value]) => {
    const parts = key.split('.');
    if (parts.length !== names.length) return [];
    return [{ labels: Object.fromEntries(names.map((n, i) => [n, parts[i]])), value: Number(value) }];
  });
}

/**
 * VTOrc's view: problems it detects now (DetectedProblems, 1 while active) and its recovery
 * counters. "VTOrc noticed" and "VTOrc recovered" are read from these, not guessed.
 */
export class VtorcProbe implements Probe {
  readonly name = 'vtorc';
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 200,
  ) {}

  async sample(tl: Timeline): Promise<void> {
    const v = await vars(this.cluster.vtorc.debugUrl);
    const t = tl.now();
    for (const p of multiLabels(v.DetectedProblems, ['analysis', 'tablet', 'keyspace', 'shard'])) {
      if (p.value > 0) tl.sample(this.name, 'problem', p.value, p.labels, t);
    }
    for (const [stat, series] of [
      ['SuccessfulRecoveries', 'recoveries_ok'],
      ['FailedRecoveries', 'recoveries_failed'],
    ] as const) {
      for (const c of multiLabels(v[stat], ['type', 'keyspace', 'shard'])) tl.sample(this.name, series, c.value, c.labels, t);
    }
  }
}

/**
 * One heartbeat row written into one shard through vtgate every period: `ok` (1/0) and
 * `latency_ms`, stamped when the write completed. A failover shows as failures or (with
 * vtgate buffering) as one long write; the untouched shard should show neither.
 *
 * A write still outstanding at a period adds a `latency_ms` sample of its age so far instead
 * of a new write: stamped at completion alone, a write that starts inside a window and ends
 * after it (or never) would leave that window without a sample, and a stall read as healthy.
 */
export class ShardWriteProbe implements Probe {
  readonly name = 'shard_write';
  private readonly range: ReturnType<typeof parseShardName>;
  /** Far above what the sequences hand out, and new for every probe (runs share a cluster). */
  private cursor = 10n ** 15n + BigInt(Date.now()) * 1000n;
  /** Send instant of the write in flight (one at a time). */
  private sentAt?: number;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly shard: string,
    readonly periodMs = 100,
    private readonly timeoutMs = 15_000,
  ) {
    this.range = parseShardName(shard);
  }

  /** Returns at once: the write completes (and is sampled) on its own. */
  async sample(tl: Timeline): Promise<void> {
    const labels = { shard: this.shard };
    const now = tl.now();
    if (this.sentAt !== undefined) {
      tl.sample(this.name, 'latency_ms', now - this.sentAt, labels, now);
      return;
    }
    const id = nextIdInShard(this.range, this.cursor);
    this.cursor = id + 1n;
    const sent = (this.sentAt = now);
    void this.pool
      .query({ sql: 'INSERT INTO heartbeats (id, token) VALUES (?, ?)', values: [String(id), `shard-write-${this.shard}`], timeout: this.timeoutMs })
      .then(
        () => 1,
        () => 0,
      )
      .then((ok) => {
        this.sentAt = undefined;
        // Writes the pool's end cut short say nothing about the shard.
        if (this.closed) return;
        const t = tl.now();
        tl.sample(this.name, 'ok', ok, labels, t);
        tl.sample(this.name, 'latency_ms', t - sent, labels, t);
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.end();
  }
}

/**
 * One shard's probe writes within [from, to]: how many failed, and the slowest, counting a
 * write still in flight at its age (the in-flight samples), so a stall across `to` shows.
 */
export function shardWritesIn(tl: Pick<Timeline, 'series'>, shard: string, from: number, to: number): { samples: number; failedWrites: number; maxWriteMs: number | undefined } {
  const inWindow = ([t]: [number, number]) => t >= from && t <= to;
  const ok = tl.series('shard_write', 'ok', { shard }).filter(inWindow);
  const latency = tl.series('shard_write', 'latency_ms', { shard }).filter(inWindow);
  // No sample in the window: the slowest write is unknown (undefined), never 0 ms.
  return { samples: latency.length, failedWrites: ok.filter(([, v]) => v === 0).length, maxWriteMs: latency.length ? Math.round(Math.max(...latency.map(([, v]) => v))) : undefined };
}

export function shardWriteProbes(cluster: Cluster, keyspace: string): Probe[] {
  const ks = cluster.topology.keyspaces.find((k) => k.name === keyspace);
  if (!ks) throw new Error(`no keyspace ${keyspace} in the topology`);
  const pool = cluster.vtgatePool({ connectionLimit: ks.shards.length * 2, database: keyspace });
  return ks.shards.map((s) => new ShardWriteProbe(pool, s.name));
}

/** What VTOrc diagnoses on one shard now (its DetectedProblems, as VtorcProbe reads them). */
export async function vtorcProblems(cluster: Cluster, keyspace: string, shard: string): Promise<{ analysis: string; tablet: string }[]> {
  return multiLabels((await vars(cluster.vtorc.debugUrl)).DetectedProblems, ['analysis', 'tablet', 'keyspace', 'shard'])
    .filter((p) => p.value > 0 && p.labels.keyspace === keyspace && p.labels.shard === shard)
    .map((p) => ({ analysis: p.labels.analysis, tablet: p.labels.tablet }));
}
