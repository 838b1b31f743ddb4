// How late a process's own timers fire: a stall of the process that counts the heartbeat or
// sends the load (a busy host's scheduler, a GC pause) shows here, and a dip in the heartbeat
// during one is the instrument's dip, not the system's.

/** Where the heartbeat probe records the two processes' stalls (probe 'heartbeat'), read back by the detectors. */
export const STALL_SERIES = { harness: 'harness_stall_ms', app: 'app_stall_ms' } as const;

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
