// Timing math over the timeline: baselines, outages seen by clients, recovery.
import { STALL_REACH_MS } from '../observe/stall-meter';

/** Mean of the series' values within [from, to]; undefined when there are none. */
export function baseline(series: [number, number][], from: number, to: number): number | undefined {
  const vs = series.filter(([t]) => t >= from && t <= to).map(([, v]) => v);
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : undefined;
}

export interface Gap {
  start: number;
  end: number;
  ms: number;
}

/**
 * The longest stretch without a successful completion that overlaps [from, to]: what a
 * client sees as an outage, whether requests hung or failed during it. `ends` are the
 * completion times of successful requests.
 */
export function longestGap(ends: number[], from: number, to: number): Gap | undefined {
  const sorted = [...ends].sort((a, b) => a - b);
  let best: Gap | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const [start, end] = [sorted[i - 1], sorted[i]];
    if (end < from || start > to) continue;
    if (!best || end - start > best.ms) best = { start, end, ms: end - start };
  }
  return best;
}

/**
 * How long the instrument itself was stalled inside a gap: each stall reading (the longest
 * stall of its process in the `reachMs` before it) counts for at most the part of that second
 * that lies in the gap; the largest. A process that cannot run cannot see the completions that
 * end a gap, so a host stall lengthens the gap the clients seem to see (pure; unit-tested on a
 * recorded run).
 */
export function stallInGap(readings: [number, number][], gap: Gap, reachMs = STALL_REACH_MS): number {
  let most = 0;
  for (const [t, v] of readings) {
    const overlap = Math.min(t, gap.end) - Math.max(t - reachMs, gap.start);
    if (overlap > 0) most = Math.max(most, Math.min(v, overlap));
  }
  return most;
}

/**
 * The slowest of some timed operations, each sampled at its completion [t, ms], less the
 * instrument's own stall within its span (stallInGap): a process that cannot run sees a
 * completion late and times it long. What the system, not the host, is shown to have taken
 * (an upper bound, the stall being counted at its lowest); undefined when there is none.
 */
export function slowestBeyondStall(latencies: readonly [number, number][], readings: [number, number][], reachMs = STALL_REACH_MS): number | undefined {
  if (!latencies.length) return undefined;
  return Math.round(Math.max(...latencies.map(([t, ms]) => ms - stallInGap(readings, { start: t - ms, end: t, ms }, reachMs))));
}

/** The outage less the instrument's own stall within it: what the system, not the host, is shown to have caused (a lower bound). */
export function outageBeyondStall(t: { outageSeconds?: number; outageStallSeconds?: number }): number | undefined {
  if (t.outageSeconds === undefined) return undefined;
  return seconds(Math.max(0, t.outageSeconds - (t.outageStallSeconds ?? 0)) * 1000);
}

/** First time ≥ from at which the series stays at or above `threshold` for `forMs`. */
export function recoveredAt(series: [number, number][], from: number, threshold: number, forMs: number): number | undefined {
  let runStart: number | undefined;
  for (const [t, v] of series) {
    if (t < from) continue;
    if (v < threshold) {
      runStart = undefined;
      continue;
    }
    runStart ??= t;
    if (t - runStart >= forMs) return runStart;
  }
  return undefined;
}

/**
 * First sample ≥ from, itself at or above `threshold`, from which the series' mean over the next `forMs` stays at or above it
 * (the window must be covered: its last sample at least `forMs` after its first). A level, not
 * every sample: on a busy machine single heartbeat samples swing ±40 % around a steady rate, so
 * "every sample above 80 %" reads a recovered system as still down, at random.
 */
export function recoveredOnAverage(series: [number, number][], from: number, threshold: number, forMs: number): number | undefined {
  const after = series.filter(([t]) => t >= from);
  for (let i = 0; i < after.length; i++) {
    const start = after[i][0];
    // Recovery starts at a sample at the bar, not inside the dip before it.
    if (after[i][1] < threshold) continue;
    // Not yet covered: the series does not reach the window's end (samples are not aligned to it).
    if (after.at(-1)![0] < start + forMs) return undefined;
    const window = after.filter(([t]) => t >= start && t <= start + forMs);
    if (window.reduce((a, [, v]) => a + v, 0) / window.length >= threshold) return start;
  }
  return undefined;
}

/** The window from the first to the last failed request in [from, to]. */
export function errorWindow(failures: number[], from: number, to: number): Gap | undefined {
  const inside = failures.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  if (inside.length === 0) return undefined;
  return { start: inside[0], end: inside[inside.length - 1], ms: inside[inside.length - 1] - inside[0] };
}

/** First time ≥ from at which the series stays at or below `ceiling` for `forMs`. */
export function settledAt(series: [number, number][], from: number, ceiling: number, forMs: number): number | undefined {
  return recoveredAt(
    series.map(([t, v]) => [t, -v]),
    from,
    -ceiling,
    forMs,
  );
}

/** Milliseconds as seconds, to the millisecond (how results record times). */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/** Seconds from `from` to the instant `t` (timeline ms); null when `t` never came. */
export const secondsSince = (t: number | undefined, from: number): number | null => (t === undefined ? null : seconds(t - from));

/** Seconds from `b` to `a`, both in seconds; null when either was not recorded. */
export const secondsBetween = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : seconds((a - b) * 1000));

/** Seconds from injection to the earliest alarm of any detector; null when none fired. */
export function firstAlarm(detectionSeconds: Record<string, number | null>): number | null {
  const fired = Object.values(detectionSeconds).filter((v): v is number => v !== null);
  return fired.length ? Math.min(...fired) : null;
}

export interface Settled {
  settled: boolean;
  /** The heartbeat's mean over the window, when it had samples. */
  mean?: number;
  status: string;
}

/**
 * Whether the heartbeat has settled over the last `windowMs` before `to`: it has samples, every
 * sample lies within ±(1 - `minFraction`) of their mean (so the heartbeat-anomaly rule, at half
 * the baseline, would not fire on steady traffic, and no backlog is draining), and the requests' error rate stays under
 * `maxErrorRate`. No fixed floor: the baseline is whatever this machine sustains.
 */
export function settledHeartbeat(
  heartbeat: [number, number][],
  errorRate: [number, number][],
  to: number,
  o: {
    windowMs: number;
    minFraction?: number;
    maxErrorRate?: number;
    /** Requests answered per second, and the rate offered: answers well above it are a backlog draining, not a steady state. */
    answered?: { series: [number, number][]; offeredPerSec: number };
  },
): Settled {
  const from = to - o.windowMs;
  const values = heartbeat.filter(([t]) => t >= from && t <= to).map(([, v]) => v);
  if (values.length === 0) return { settled: false, status: 'no heartbeat samples yet' };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const low = Math.min(...values);
  const errors = baseline(errorRate, from, to) ?? 0;
  const high = Math.max(...values);
  const minFraction = o.minFraction ?? 0.6;
  const maxErrorRate = o.maxErrorRate ?? 0.01;
  const status = `heartbeat ${mean.toFixed(1)} writes/s (${low.toFixed(1)}-${high.toFixed(1)}), error rate ${(errors * 100).toFixed(1)} %`;
  // Symmetric: a catch-up burst (a backlog draining) is no steady state either, and would inflate the baseline.
  const inBand = low >= minFraction * mean && high <= (2 - minFraction) * mean;
  const answeredSeries = o.answered ? o.answered.series.filter(([t]) => t >= from && t <= to).map(([, v]) => v) : [];
  const answered = answeredSeries.length ? Math.max(...answeredSeries) : 0;
  const answeredMean = answeredSeries.length ? answeredSeries.reduce((a, b) => a + b, 0) / answeredSeries.length : 0;
  // A backlog draining: a 1 s count 25 % over the offered rate (a 1 s count of ~150 answers
  // swings ~10 %), and the window's mean over it too. The peak alone is no proof at low rates:
  // at 50 req/s one second's count swings ±40 % on a busy machine, and the highest of twenty
  // read as a backlog that never ended (failover, 2 Dec 2026: 89 against 50 offered for 90 s).
  const draining = o.answered !== undefined && answered > 1.25 * o.answered.offeredPerSec && answeredMean > 1.05 * o.answered.offeredPerSec;
  const drainNote = draining ? `; ${answered.toFixed(0)} answers/s against ${o.answered!.offeredPerSec.toFixed(0)} offered: a backlog draining` : '';
  return { settled: mean > 0 && inBand && !draining && errors <= maxErrorRate, mean, status: status + drainNote };
}

/**
 * The longest stretch of [from, to] with no sample, edges included (from → first sample, last
 * sample → to): how far a series can be trusted to have seen everything in that window.
 */
export function coverageGap(times: readonly number[], from: number, to: number): number {
  const inside = times.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  if (!inside.length) return to - from;
  let gap = Math.max(inside[0] - from, to - inside[inside.length - 1]);
  for (let i = 1; i < inside.length; i++) gap = Math.max(gap, inside[i] - inside[i - 1]);
  return gap;
}

/**
 * When a condition sampled only while it holds (a VTOrc problem: a sample each period while
 * listed) first began after `after`: a sample with no sample in the `gapMs` before it. A
 * condition already present at `after` does not count until it cleared and came back.
 */
export function onsetAfter(times: readonly number[], after: number, gapMs: number): number | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] < after) continue;
    const prev = i > 0 ? sorted[i - 1] : undefined;
    if (prev === undefined || sorted[i] - prev > gapMs) return sorted[i];
  }
  return undefined;
}

/**
 * The highest level a series held for `holdMs`: over every stretch from one sample to the first
 * sample at or past `holdMs` later, the lowest sample in it; the highest of those. A sample is a
 * reading at one instant, so a level counts as held only when readings at both ends of a long
 * enough stretch show it: one high sample, or two 1.2 s apart with a low one next (a host stall
 * on a loaded machine), does not count; lag that persists does. Undefined when no stretch is
 * long enough.
 */
export function heldMax(series: readonly [number, number][], holdMs: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < series.length; i++) {
    const [t0] = series[i];
    let low = Infinity;
    for (let j = i; j < series.length; j++) {
      low = Math.min(low, series[j][1]);
      if (series[j][0] >= t0 + holdMs) {
        best = Math.max(best ?? -Infinity, low);
        break;
      }
    }
  }
  return best;
}
