// Detectors: rules over probe series that fire a named alarm, as an on-call pager would.
// Each rule is pure (timeline in, alarm out), so it is tested on synthetic timelines; the
// runner evaluates them live and writes alarms onto the timeline at the time the rule held.
import { STALL_REACH_MS, stallReadings } from './stall-meter';
import type { Timeline } from './timeline';

export interface Alarm {
  detector: string;
  /** When the condition first held for long enough (timeline ms). */
  t: number;
  reason: string;
  value: number;
  labels?: Record<string, string>;
}

export interface Detector {
  readonly name: string;
  /** The first time at or after `since` the rule held, or undefined. */
  evaluate(timeline: Timeline, since: number): Alarm | undefined;
}

export interface ThresholdRule {
  name: string;
  probe: string;
  series: string;
  op: 'above' | 'below';
  /** A number, or a function of the run (e.g. a fraction of a baseline known only later). */
  threshold: number | (() => number | undefined);
  /** How long every sample must break the threshold before the alarm fires. */
  forMs: number;
  /** Only series with these labels; each matching label set is judged on its own. */
  labels?: Record<string, string>;
  describe?: (value: number, threshold: number) => string;
  /**
   * A stall of the harness or the app this long or longer within a breach (stallWithin) can
   * explain that much of it: the breach must then hold for `forMs` beyond the stall. Off when absent.
   */
  outlastStallsOfMs?: number;
}

/**
 * The longest stall of at least `atLeastMs`, of either process the measurements rest on, read
 * between `from` and `to` or in the second after `from`'s window began (a reading is the longest
 * stall of the second before it); 0 when none (pure; unit-tested on recorded runs).
 */
export function stallWithin(timeline: Pick<Timeline, 'series'>, atLeastMs: number): (from: number, to: number) => number {
  // A rate or p99 sample covers the second before it too, as a stall reading does.
  const readings = stallReadings(timeline, atLeastMs);
  if (!readings.length) return () => 0;
  return (from, to) => readings.reduce((m, [t, v]) => (t >= from - STALL_REACH_MS && t <= to ? Math.max(m, v) : m), 0);
}

export class ThresholdDetector implements Detector {
  constructor(readonly rule: ThresholdRule) {}

  get name(): string {
    return this.rule.name;
  }

  evaluate(timeline: Timeline, since: number): Alarm | undefined {
    const threshold = typeof this.rule.threshold === 'function' ? this.rule.threshold() : this.rule.threshold;
    if (threshold === undefined || Number.isNaN(threshold)) return undefined;
    const labelSets = this.rule.labels ? [this.rule.labels] : timeline.labelSets(this.rule.probe, this.rule.series);
    const stalled = this.rule.outlastStallsOfMs === undefined ? undefined : stallWithin(timeline, this.rule.outlastStallsOfMs);
    const candidates = (labelSets.length ? labelSets : [undefined]).map((labels) => {
      const hit = firstBreach(timeline.series(this.rule.probe, this.rule.series, labels), since, this.rule.op, threshold, this.rule.forMs, stalled);
      return hit && { ...hit, labels };
    });
    const first = candidates.filter((c) => c !== undefined).sort((a, b) => a!.t - b!.t)[0];
    if (!first) return undefined;
    const reason = this.rule.describe?.(first.value, threshold) ?? `${this.rule.probe}.${this.rule.series} ${this.rule.op} ${threshold} for ${this.rule.forMs} ms (saw ${first.value})`;
    return { detector: this.rule.name, t: first.t, reason, value: first.value, ...(first.labels ? { labels: first.labels } : {}) };
  }
}

/**
 * The first time at or after `since` that every sample over the last `forMs` broke the
 * threshold. A run of breaching samples starts at the first of them; it fires at the
 * sample that makes the run `forMs` long (or at once when forMs is 0). With `stall`, a run
 * must also outlast the longest stall of the instrument within it: a stall of S ms can make a
 * breach of about S ms by itself (the requests it held, the writes it did not count), while a
 * fault that loads the host and stalls the instrument too (a join that saturates it) holds its
 * breach well beyond its stalls and is still paged.
 */
export function firstBreach(
  series: [number, number][],
  since: number,
  op: 'above' | 'below',
  threshold: number,
  forMs: number,
  stall?: (from: number, to: number) => number,
): { t: number; value: number } | undefined {
  let runStart: number | undefined;
  for (const [t, v] of series) {
    if (t < since) continue;
    const breach = op === 'above' ? v > threshold : v < threshold;
    if (!breach) {
      runStart = undefined;
      continue;
    }
    runStart ??= t;
    // The stall readings are looked up only once the run is forMs long: before that it cannot fire.
    const held = t - runStart;
    if (held >= forMs && (!stall || held >= forMs + stall(runStart, t))) return { t, value: v };
  }
  return undefined;
}

export interface HeartbeatOptions {
  /** Alarm when the rate is below this fraction of the steady-state baseline ... */
  belowFraction?: number;
  /** ... for this long. */
  forMs?: number;
  /** A breach must outlast a harness or app stall this long or longer within it (default STALL_MIN_MS). */
  outlastStallsOfMs?: number;
}

/**
 * A stall of the harness or the app this long (both timers late by it: the process did not run)
 * can by itself halve a 1 s rate or lift a 1 s p99 by as much. Beside a CPU hog on this
 * 2-core machine kind both stalled 0.9-1.5 s at once a few times a minute with no fault acting,
 * and the heartbeat and p99 pages fired on them (soaks of 2-3 Dec 2026); a real fault holds its
 * harm for many seconds, beyond its stalls, even when it is what stalls the host.
 */
export const STALL_MIN_MS = 500;

/** A threshold at `fraction` of a baseline known only once the run reached its steady state. */
const fractionOf = (baseline: () => number | undefined, fraction: number) => (): number | undefined => {
  const b = baseline();
  return b === undefined ? undefined : b * fraction;
};

/** The incident's "inbox heartbeat anomaly": successful writes per second fall well below normal. */
export function heartbeatAnomaly(baseline: () => number | undefined, o: HeartbeatOptions & { name?: string; series?: string } = {}): ThresholdDetector {
  const fraction = o.belowFraction ?? 0.5;
  return new ThresholdDetector({
    name: o.name ?? 'heartbeat-anomaly',
    probe: 'heartbeat',
    series: o.series ?? 'writes_per_s',
    op: 'below',
    threshold: fractionOf(baseline, fraction),
    forMs: o.forMs ?? 1000,
    outlastStallsOfMs: o.outlastStallsOfMs ?? STALL_MIN_MS,
    describe: (v, th) => `successful writes ${v.toFixed(1)}/s, under ${th.toFixed(1)}/s (${fraction * 100} % of baseline) for ${o.forMs ?? 1000} ms`,
  });
}

/**
 * One table's writes fall well below their steady share of all writes: that table fails while
 * the rest goes on. A host that slows down slows every write alike and leaves the share where it
 * was, where a rate heartbeat over one table's ~40 writes/s dips under half on a busy 2-core
 * host with nothing failing (soak, 3 Dec 2026: 17.7/s against 44.2 while all writes fell 114 -> 49/s).
 */
export function writeShareAnomaly(baseline: () => number | undefined, o: { name: string; series: string; what: string; belowFraction?: number; forMs?: number }): ThresholdDetector {
  const fraction = o.belowFraction ?? 0.5;
  const forMs = o.forMs ?? 1000;
  return new ThresholdDetector({
    name: o.name,
    probe: 'heartbeat',
    series: o.series,
    op: 'below',
    threshold: fractionOf(baseline, fraction),
    forMs,
    outlastStallsOfMs: STALL_MIN_MS,
    describe: (v, th) => `${o.what}: ${(v * 100).toFixed(1)} % of successful writes, under ${(th * 100).toFixed(1)} % (${fraction * 100} % of the steady share) for ${forMs} ms`,
  });
}

export function replicationLagHigh(o: { thresholdSeconds?: number; forMs?: number } = {}): ThresholdDetector {
  const th = o.thresholdSeconds ?? 5;
  return new ThresholdDetector({
    name: 'replication-lag',
    probe: 'replication',
    series: 'lag_seconds',
    op: 'above',
    threshold: th,
    forMs: o.forMs ?? 0,
    describe: (v) => `replica lag ${v.toFixed(1)} s over ${th} s`,
  });
}

/**
 * p99 latency above a ceiling. `steady` makes the ceiling follow the machine: `timesSteady`
 * times this run's steady p99, never under `thresholdMs` (a busy 2-core host's steady p99 can
 * be 5x an idle one's, so a fixed ceiling pages on the host, not on the system).
 */
export function p99LatencyHigh(o: { thresholdMs?: number; forMs?: number; steady?: () => number | undefined; timesSteady?: number; outlastStallsOfMs?: number } = {}): ThresholdDetector {
  const floor = o.thresholdMs ?? 250;
  const times = o.timesSteady ?? 5;
  const ceiling = (): number | undefined => {
    if (!o.steady) return floor;
    const steady = o.steady();
    return steady === undefined ? undefined : Math.max(floor, times * steady);
  };
  return new ThresholdDetector({
    name: 'p99-latency',
    probe: 'load',
    series: 'p99_ms',
    op: 'above',
    threshold: ceiling,
    forMs: o.forMs ?? 2000,
    outlastStallsOfMs: o.outlastStallsOfMs ?? STALL_MIN_MS,
    describe: (v, th) => `p99 latency ${v.toFixed(0)} ms over ${th.toFixed(0)} ms${o.steady ? ` (${times}x steady, at least ${floor})` : ''}`,
  });
}

/** Clients' failed share of requests (over the load's 1 s window) above a fraction: an availability alarm. */
export function errorRateHigh(o: { above?: number; forMs?: number } = {}): ThresholdDetector {
  const th = o.above ?? 0.05;
  return new ThresholdDetector({
    name: 'error-rate',
    probe: 'load',
    series: 'error_rate',
    op: 'above',
    threshold: th,
    forMs: o.forMs ?? 500,
    describe: (v) => `${(v * 100).toFixed(0)} % of requests failing, over ${th * 100} %`,
  });
}

/** The VSchema stored in topology or served by vtgate differs from the last known-good snapshot. */
export function vschemaDrift(o: { forMs?: number } = {}): ThresholdDetector {
  return new ThresholdDetector({
    name: 'vschema-drift',
    probe: 'vschema',
    series: 'drift',
    op: 'above',
    threshold: 0.5,
    forMs: o.forMs ?? 0,
    describe: () => 'VSchema differs from the known-good snapshot',
  });
}

export function headroomLow(o: { thresholdPercent?: number; name?: string } = {}): ThresholdDetector {
  const th = o.thresholdPercent ?? 20;
  return new ThresholdDetector({
    name: o.name ?? `integer-headroom-${th}`,
    probe: 'sequence',
    series: 'headroom_percent',
    op: 'below',
    threshold: th,
    forMs: 0,
    describe: (v) => `id headroom ${v.toFixed(2)} % under ${th} %`,
  });
}

/**
 * Evaluates detectors on a fixed period and writes each alarm onto the timeline, stamped
 * with the time its rule held. A detector fires once per `arm()`.
 */
export class DetectorRunner {
  private readonly armedSince = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  readonly alarms: Alarm[] = [];

  constructor(
    private readonly timeline: Timeline,
    private readonly detectors: Detector[],
    private readonly periodMs = 100,
  ) {}

  /** Arms every detector (or the named ones) from now on. */
  arm(names?: string[]): void {
    const now = this.timeline.now();
    for (const d of this.detectors) if (!names || names.includes(d.name)) this.armedSince.set(d.name, now);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  tick(): void {
    for (const d of this.detectors) {
      const since = this.armedSince.get(d.name);
      if (since === undefined) continue;
      const alarm = d.evaluate(this.timeline, since);
      if (!alarm) continue;
      this.armedSince.delete(d.name);
      this.alarms.push(alarm);
      this.timeline.event('alarm', d.name, { reason: alarm.reason, value: alarm.value, ...(alarm.labels ? { labels: alarm.labels } : {}) }, alarm.t);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.tick();
  }

  first(name: string): Alarm | undefined {
    return this.alarms.find((a) => a.detector === name);
  }

  /** The alarm of a detector since it was last armed, if it fired. */
  sinceArmed(name: string): Alarm | undefined {
    if (this.armedSince.has(name)) return undefined;
    // The latest of its alarms: a step polls this every 50 ms, so no copy of the list.
    for (let i = this.alarms.length - 1; i >= 0; i--) if (this.alarms[i].detector === name) return this.alarms[i];
    return undefined;
  }
}
