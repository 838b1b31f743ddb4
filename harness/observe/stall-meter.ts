// How late a process's own timers fire: a stall of the process that counts the heartbeat or
// sends the load (a busy host's scheduler, a GC pause) shows here, and a dip in the heartbeat
// during one is the instrument's dip, not the system's.

import type { Timeline } from './timeline';

/** Where the heartbeat probe records the two processes' stalls, read back by the detectors and the outage. */
export const STALL_PROBE = 'heartbeat';
export const STALL_SERIES = { harness: 'harness_stall_ms', app: 'app_stall_ms' } as const;
/** A stall reading is the longest stall of the second before it (the heartbeat's window). */
export const STALL_REACH_MS = 1000;

/** Both processes' stall readings on a timeline, [t, ms], those of at least `atLeastMs` only. */
export function stallReadings(timeline: Pick<Timeline, 'series'>, atLeastMs = 0): [number, number][] {
  return Object.values(STALL_SERIES).flatMap((series) => timeline.series(STALL_PROBE, series).filter(([, v]) => v >= atLeastMs));
}

export interface StallMeter {
  /** The longest lateness (ms) of the meter's tick over the last `windowMs`. */
  maxLateMs(): number;
  stop(): void;
}

/** Ticks every `tickMs` and keeps each tick's lateness for `windowMs`. unref'd: it never holds a process open. */
export function startStallMeter(o: { tickMs?: number; windowMs?: number } = {}): StallMeter {
  const tickMs = o.tickMs ?? 50;
  const windowMs = o.windowMs ?? 1000;
  const late: { at: number; ms: number }[] = [];
  let expected = performance.now() + tickMs;
  const timer = setInterval(() => {
    const now = performance.now();
    late.push({ at: now, ms: Math.max(0, now - expected) });
    expected = now + tickMs;
    while (late.length && late[0].at < now - windowMs) late.shift();
  }, tickMs);
  timer.unref();
  return {
    maxLateMs() {
      // A tick that has not come yet is late too: the stall is still going on.
      const pending = Math.max(0, performance.now() - expected);
      return Math.round(Math.max(pending, ...late.map((l) => l.ms)));
    },
    stop: () => clearInterval(timer),
  };
}
