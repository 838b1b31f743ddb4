// Probes: each reads one signal on a fixed period and writes samples to the timeline. A
// probe that cannot read its signal records an error sample and keeps going: a probe must
// never take the run down, and "could not read" is itself a signal.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Cluster, TabletHandle } from '../cluster/cluster';
import { nextIdInShard, parseShardName } from '../cluster/keyrange';
import { getVSchema, type ServedKeyspace, servedVSchema } from '../cluster/vschema';
import { INBOX_KEYSPACE } from '../workload/schema';
import { type StallMeter, startStallMeter, STALL_SERIES } from './stall-meter';
import type { Timeline } from './timeline';
import type { VSchemaStore } from './vschema-store';

export interface Probe {
  readonly name: string;
  readonly periodMs: number;
  sample(timeline: Timeline): Promise<void>;
  /** Releases what the probe holds (its pools), once the runner has stopped. */
  close?(): Promise<void>;
}

/** Runs probes, each in its own loop so a slow one never delays another. */
export class ProbeRunner {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly timeline: Timeline,
    readonly probes: Probe[],
  ) {}

  start(): void {
    this.running = true;
    this.loops = this.probes.map((p) => this.loop(p));
  }

  private async loop(p: Probe): Promise<void> {
    while (this.running) {
      const started = Date.now();
      try {
        await p.sample(this.timeline);
      } catch (e) {
        this.timeline.sample(p.name, 'probe_error', 1);
        this.timeline.event('error', `probe ${p.name}`, { message: (e as Error).message.split('\n')[0] });
      }
      const wait = p.periodMs - (Date.now() - started);
      if (wait > 0 && this.running) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    // A pool shared by several probes is ended by the first; the others' end() rejects, harmlessly.
    await Promise.all(this.probes.map((p) => p.close?.().catch(() => undefined)));
  }
}

/**
 * Successful writes per second as the app counts them: the "inbox heartbeat". The rate is
 * taken over a sliding window (1 s) so one quiet sample period is not read as an outage.
 */
export class HeartbeatProbe implements Probe {
  readonly name = 'heartbeat';
  readonly periodMs: number;
  private history: { t: number; writes: number; total: number }[] = [];
  private readonly series: string;
  private readonly shareSeries?: string;
  private readonly select: (c: AppCountersLike) => number;
  private readonly windowMs: number;
  private readonly stall?: StallMeter;

  constructor(
    private readonly counters: () => Promise<AppCountersLike>,
    /** Another series (e.g. one table's writes) instead of all writes. */
    options: {
      series?: string;
      select?: (c: AppCountersLike) => number;
      /** Also this series: the selected writes' share of all writes over the same window (a host that slows every write leaves it alone). */
      shareSeries?: string;
      periodMs?: number;
      windowMs?: number;
    } = {},
  ) {
    this.series = options.series ?? 'writes_per_s';
    this.shareSeries = options.shareSeries;
    this.select = options.select ?? ((c) => c.writesOk);
    this.periodMs = options.periodMs ?? 250;
    this.windowMs = options.windowMs ?? 1000;
    // One heartbeat (the main one) records the stalls; a table's own heartbeat rests on the same two processes.
    if (options.series === undefined) this.stall = startStallMeter({ windowMs: this.windowMs });
  }

  async close(): Promise<void> {
    this.stall?.stop();
  }

  async sample(tl: Timeline): Promise<void> {
    const c = await this.counters();
    const writes = this.select(c);
    const t = tl.now();
    // The two processes the heartbeat rests on: the app that counts it and this one, which
    // sends the load. Each one's longest stall over the rate's window (see stall-meter.ts).
    if (this.stall) {
      tl.sample(this.name, STALL_SERIES.harness, this.stall.maxLateMs(), undefined, t);
      if (c.stallMs !== undefined) tl.sample(this.name, STALL_SERIES.app, c.stallMs, undefined, t);
    }
    this.history.push({ t, writes, total: c.writesOk });
    while (this.history.length > 2 && this.history[1].t <= t - this.windowMs) this.history.shift();
    const first = this.history[0];
    if (t > first.t) tl.sample(this.name, this.series, ((writes - first.writes) * 1000) / (t - first.t), undefined, t);
    // No write at all over the window: no share to speak of (a gap, not a 0).
    const total = c.writesOk - first.total;
    if (this.shareSeries && t > first.t && total > 0) tl.sample(this.name, this.shareSeries, (writes - first.writes) / total, undefined, t);
  }
}

export interface AppCountersLike {
  writesOk: number;
  /** The app's longest stall (ms) over the last second, when it reports one. */
  stallMs?: number;
  writesOkByTable?: Record<string, number>;
}

export async function vars(url: string): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}/debug/vars`, { signal: AbortSignal.timeout(2000) });
  if (!r.ok) throw new Error(`${url}/debug/vars answered ${r.status}`);
  return (await r.json()) as Record<string, unknown>;
}

/** Each replica's lag as its vttablet reports it (heartbeat-based where enabled). */
export class ReplicationLagProbe implements Probe {
  readonly name = 'replication';
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 1000,
  ) {}

  async sample(tl: Timeline): Promise<void> {
    await Promise.all(
      this.cluster.tablets.map(async (t) => {
        const labels = { tablet: t.alias, shard: `${t.keyspace}/${t.shard}` };
        // A tablet that does not answer, or answers without a lag figure, is a gap in the lag
        // series (its own sample), never a lag of 0: a check over a gap must not pass.
        const v = await vars(t.debugUrl).catch(() => undefined);
        if (!v) return tl.sample(this.name, 'unreachable', 1, labels);
        if (String(v.TabletType ?? '').toLowerCase() === 'primary') return;
        const lag = lagSecondsOf(v);
        if (lag === undefined) return tl.sample(this.name, 'lag_unreadable', 1, labels);
        tl.sample(this.name, 'lag_seconds', lag, labels);
      }),
    );
  }
}

/** A replica's lag from its /debug/vars: heartbeat-based where enabled, else the replication figure; undefined when it reports neither. */
export function lagSecondsOf(v: Record<string, unknown>): number | undefined {
  const lagNs = Number(v.HeartbeatCurrentLagNs ?? NaN);
  if (Number.isFinite(lagNs) && lagNs > 0) return lagNs / 1e9;
  const sec = v.replicationLagSec === undefined || v.replicationLagSec === null ? NaN : Number(v.replicationLagSec);
  return Number.isFinite(sec) ? sec : undefined;
}

/**
 * How stale a replica reader is, per shard: every period one row is written into the shard
 * through vtgate, then every write not seen yet is looked for at @replica. `stale_ms` is the age
 * of the oldest write a replica reader still cannot see (a few ms when replicas keep up), so it
 * keeps rising through lag instead of waiting for the write to show up.
 */
export class StalenessProbe implements Probe {
  readonly name = 'staleness';
  private readonly range: ReturnType<typeof parseShardName>;
  /** Far above what the sequences hand out, apart from the shard write probe's ids. */
  private cursor = 2n * 10n ** 15n + BigInt(Date.now()) * 1000n;
  private pending: { id: string; t: number }[] = [];

  constructor(
    private readonly primary: Pool,
    private readonly replica: Pool,
    private readonly shard: string,
    readonly periodMs = 500,
    /** Writes not seen yet that are remembered; past it only the oldest matter. */
    private readonly maxPending = 400,
  ) {
    this.range = parseShardName(shard);
  }

  async sample(tl: Timeline): Promise<void> {
    if (this.pending.length < this.maxPending) {
      const id = nextIdInShard(this.range, this.cursor);
      this.cursor = id + 1n;
      const t = tl.now();
      await this.primary.query('INSERT INTO heartbeats (id, token) VALUES (?, ?)', [String(id), `staleness-${this.shard}`]);
      this.pending.push({ id: String(id), t });
    }
    const [rows] = await this.replica.query<RowDataPacket[]>('SELECT id FROM heartbeats WHERE id IN (?)', [this.pending.map((p) => p.id)]);
    const seen = new Set(rows.map((r) => String(r.id)));
    this.pending = this.pending.filter((p) => !seen.has(p.id));
    const now = tl.now();
    tl.sample(this.name, 'stale_ms', this.pending.length ? now - this.pending[0].t : 0, { shard: this.shard }, now);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.end(), this.replica.end()]);
  }
}

/** Canonical JSON: sorted keys, so two equal VSchemas always print the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The routing shape vtgate serves for a keyspace: what it routes, not its bookkeeping. */
export function servedShape(ks: ServedKeyspace | undefined): string {
  if (!ks) return 'absent';
  const tables = Object.keys(ks.tables ?? {}).sort();
  const vindexes = Object.keys(ks.vindexes ?? {}).sort();
  return canonical({ sharded: Boolean(ks.sharded), tables, vindexes });
}

/**
 * Each keyspace's VSchema as stored in topology and as served by vtgate, against the
 * known-good snapshot taken at steady state: drift = 1 where they differ.
 */
export class VSchemaProbe implements Probe {
  readonly name = 'vschema';
  private snapshot?: { stored: Map<string, string>; served: Map<string, string> };
  /** The stored VSchemas last seen, to save each change once. */
  private lastSeen = new Map<string, string>();
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 1000,
    /** Where snapshots go: at steady state and on every change seen. */
    readonly store?: VSchemaStore,
  ) {}

  private async read(): Promise<{ stored: Map<string, string>; served: Map<string, string>; raw: Map<string, unknown> }> {
    const servedAll = await servedVSchema(this.cluster);
    const stored = new Map<string, string>();
    const served = new Map<string, string>();
    const raw = new Map<string, unknown>();
    for (const ks of this.cluster.topology.keyspaces) {
      const v = await getVSchema(this.cluster, ks.name);
      raw.set(ks.name, v);
      stored.set(ks.name, canonical(v));
      served.set(ks.name, servedShape(servedAll.keyspaces?.[ks.name]));
    }
    return { stored, served, raw };
  }

  /** Takes the known-good snapshot (at steady state), saving it to the store. */
  async takeSnapshot(): Promise<void> {
    const r = await this.read();
    this.snapshot = { stored: r.stored, served: r.served };
    this.lastSeen = new Map(r.stored);
    for (const [ks, v] of r.raw) await this.store?.save(ks, v, 'steady-state');
  }

  async sample(tl: Timeline): Promise<void> {
    // Read from the start, snapshot or not: each read runs vtctldclient in the vtctld container
    // (two a second, ~0.15 core of vtctld plus Docker's exec), and a steady state measured
    // without that cost was one the run could never return to. Beside a CPU hog the heartbeat
    // settled at 109 writes/s before the first read and ran at 55-80 after it (soak, 3 Dec
    // 2026), so "back at 80 % of baseline" never came.
    const now = await this.read();
    if (!this.snapshot) return;
    const t = tl.now();
    for (const [ks, v] of now.stored) {
      if (this.lastSeen.get(ks) === v) continue;
      this.lastSeen.set(ks, v);
      const saved = await this.store?.save(ks, now.raw.get(ks), 'change');
      tl.event('note', 'vschema changed', { keyspace: ks, ...(saved ? { snapshot: saved.file } : {}) }, t);
    }
    for (const [ks, good] of this.snapshot.stored) {
      tl.sample(this.name, 'drift', now.stored.get(ks) === good ? 0 : 1, { keyspace: ks, source: 'stored' }, t);
      tl.sample(this.name, 'drift', now.served.get(ks) === this.snapshot.served.get(ks) ? 0 : 1, { keyspace: ks, source: 'served' }, t);
    }
  }
}

const INT_MAX: Record<string, bigint> = {
  tinyint: 127n,
  smallint: 32767n,
  mediumint: 8388607n,
  int: 2147483647n,
  bigint: 9223372036854775807n,
};

/** Largest value an integer column type holds ("int", "int unsigned", "bigint(20)"). */
export function integerMax(columnType: string): bigint | undefined {
  const m = /^(tinyint|smallint|mediumint|int|bigint)\b/.exec(columnType.toLowerCase());
  if (!m) return undefined;
  const signedMax = INT_MAX[m[1]];
  return /unsigned/i.test(columnType) ? signedMax * 2n + 1n : signedMax;
}

/**
 * Headroom of every Vitess sequence: the next id it will hand out (next_id; ids up to
 * next_id + cache may already be cached by a tablet) against the largest value of the
 * column the sequence feeds.
 */
export class SequenceHeadroomProbe implements Probe {
  readonly name = 'sequence';
  private columns?: Map<string, { sequence: string; column: string; max: bigint; type: string }>;
  private readonly primaries = new Map<string, TabletHandle>();
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 1000,
  ) {}

  private async discover(): Promise<Map<string, { sequence: string; column: string; max: bigint; type: string }>> {
    const found = new Map<string, { sequence: string; column: string; max: bigint; type: string }>();
    for (const ks of this.cluster.topology.keyspaces.filter((k) => k.sharded)) {
      const primary = await this.cluster.primaryOf(ks.name, ks.shards[0].name);
      const conn = await primary.mysql();
      try {
        for (const [table, spec] of Object.entries(ks.vschema.tables ?? {})) {
          if (!spec.auto_increment) continue;
          const [rows] = await conn.query<RowDataPacket[]>(
            'SELECT COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?',
            [primary.dbName, table, spec.auto_increment.column],
          );
          const type = String(rows[0]?.type ?? '');
          const max = integerMax(type);
          if (max !== undefined) found.set(table, { sequence: spec.auto_increment.sequence, column: spec.auto_increment.column, max, type });
        }
      } finally {
        await conn.end();
      }
    }
    return found;
  }

  async sample(tl: Timeline): Promise<void> {
    const columns = (this.columns ??= await this.discover());
    let stale = false;
    const byKeyspace = new Map<string, string[]>();
    for (const c of columns.values()) {
      const [ks, seq] = c.sequence.includes('.') ? c.sequence.split('.') : [this.cluster.topology.keyspaces.find((k) => !k.sharded)!.name, c.sequence];
      byKeyspace.set(ks, [...(byKeyspace.get(ks) ?? []), seq]);
    }
    for (const [ks, seqs] of byKeyspace) {
      // The primary is looked up once and again only after an error: asking vtctld every second
      // costs a process in its container each time. A stale answer still reads replicated rows.
      const primary = this.primaries.get(ks) ?? (await this.cluster.primaryOf(ks, this.cluster.topology.keyspaces.find((k) => k.name === ks)!.shards[0].name));
      this.primaries.set(ks, primary);
      const conn = await primary.mysql().catch((e: Error) => {
        this.primaries.delete(ks);
        throw e;
      });
      try {
        for (const [table, c] of columns) {
          const seq = c.sequence.split('.').pop()!;
          if (!seqs.includes(seq)) continue;
          const [rows] = await conn.query<RowDataPacket[]>(`SELECT next_id FROM ${primary.dbName}.\`${seq}\` WHERE id = 0`);
          const next = BigInt(String(rows[0]?.next_id ?? '0'));
          const left = c.max - next + 1n;
          // Past the type's maximum: the column may have been widened since; read the types again.
          if (left < 0n) stale = true;
          const labels = { table, column: c.column, type: c.type };
          tl.sample(this.name, 'headroom_ids', Number(left), labels);
          tl.sample(this.name, 'headroom_percent', Number((left * 1_000_000n) / c.max) / 10_000, labels);
        }
      } catch (e) {
        this.primaries.delete(ks);
        throw e;
      } finally {
        await conn.end();
      }
    }
    if (stale) this.columns = undefined;
  }
}

/** vtgate's API error counters by error code (cumulative). */
export class VtgateErrorsProbe implements Probe {
  readonly name = 'vtgate';
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 1000,
  ) {}

  async sample(tl: Timeline): Promise<void> {
    const v = await vars(this.cluster.vtgate.debugUrl);
    const counts = (v.VtgateApiErrorCounts ?? {}) as Record<string, number>;
    const byCode = new Map<string, number>();
    for (const [key, n] of Object.entries(counts)) {
      const code = key.split('.').pop() ?? key;
      byCode.set(code, (byCode.get(code) ?? 0) + n);
    }
    const t = tl.now();
    tl.sample(this.name, 'errors_total', [...byCode.values()].reduce((a, b) => a + b, 0), undefined, t);
    for (const [code, n] of byCode) tl.sample(this.name, 'errors_by_code', n, { code }, t);
  }
}

/** CPU (cores used) and memory of every node, from the engine's cgroup counters. */
export class ContainerStatsProbe implements Probe {
  readonly name = 'container';
  private last = new Map<string, { cpu: number; system: number }>();
  constructor(
    private readonly cluster: Cluster,
    readonly periodMs = 2000,
  ) {}

  async sample(tl: Timeline): Promise<void> {
    const nodes = [this.cluster.etcd.node, this.cluster.vtctld.node, this.cluster.vtgate.node, this.cluster.vtorc.node, ...this.cluster.tablets.map((t) => t.node)];
    await Promise.all(
      nodes.map(async (n) => {
        const r = await n.resources().catch(() => undefined);
        if (!r) return;
        const prev = this.last.get(n.name);
        this.last.set(n.name, { cpu: r.cpuNanos, system: r.systemNanos });
        const node = n.name.replace(/^vc-[^-]+-[^-]+-[^-]+-/, '');
        tl.sample(this.name, 'memory_mb', r.memoryBytes / 1e6, { node });
        if (prev && r.systemNanos > prev.system) {
          tl.sample(this.name, 'cpu_cores', ((r.cpuNanos - prev.cpu) / (r.systemNanos - prev.system)) * r.onlineCpus, { node });
        }
      }),
    );
  }
}

/** One staleness probe per shard of the keyspace, sharing two small vtgate pools. */
export function stalenessProbes(cluster: Cluster, keyspace: string): Probe[] {
  const shards = cluster.topology.keyspaces.find((k) => k.name === keyspace)?.shards ?? [];
  if (!shards.length) return [];
  const primary = cluster.vtgatePool({ connectionLimit: shards.length, database: keyspace });
  const replica = cluster.vtgatePool({ connectionLimit: shards.length, database: `${keyspace}@replica` });
  return shards.map((s) => new StalenessProbe(primary, replica, s.name));
}

/**
 * The probes every experiment runs: the heartbeat, replication lag, staleness, VSchema,
 * sequence headroom, vtgate errors and container resources.
 */
export function standardProbes(cluster: Cluster, counters: () => Promise<AppCountersLike>, vschema: VSchemaProbe = new VSchemaProbe(cluster)): Probe[] {
  return [
    new HeartbeatProbe(counters),
    new ReplicationLagProbe(cluster),
    ...stalenessProbes(cluster, INBOX_KEYSPACE),
    vschema,
    new SequenceHeadroomProbe(cluster),
    new VtgateErrorsProbe(cluster),
    new ContainerStatsProbe(cluster),
  ];
}
