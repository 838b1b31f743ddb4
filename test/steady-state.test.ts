import { settledHeartbeat } from '../harness/experiment/timings';
import { writeShare } from '../harness/workload/load';

/** A heartbeat series every 250 ms from `from` to `to` (ms), valued by f(t). */
const series = (from: number, to: number, f: (t: number) => number): [number, number][] =>
  Array.from({ length: Math.floor((to - from) / 250) + 1 }, (_, i) => [from + i * 250, f(from + i * 250)]);
const noErrors = series(0, 10_000, () => 0);

describe('steady state follows the machine, not a fixed floor', () => {
  test('a steady heartbeat settles at whatever rate it holds, slow or fast', () => {
    for (const rate of [30, 90]) {
      const s = settledHeartbeat(series(0, 10_000, (t) => rate * (1 + 0.1 * Math.sin(t))), noErrors, 10_000, { windowMs: 5000 });
      expect(s.settled).toBe(true);
      expect(s.mean).toBeGreaterThan(rate * 0.9);
      expect(s.mean).toBeLessThan(rate * 1.1);
    }
  });

  test('a dip the heartbeat-anomaly rule could trip on is not steady', () => {
    const dip = series(0, 10_000, (t) => (t > 7000 && t < 7600 ? 20 : 90));
    expect(settledHeartbeat(dip, noErrors, 10_000, { windowMs: 5000 }).settled).toBe(false);
    // Once the dip has left the window, it is.
    expect(settledHeartbeat(dip, noErrors, 13_000, { windowMs: 5000 }).settled).toBe(true);
  });

  test('errors in the window, or no samples at all, are not steady', () => {
    const hb = series(0, 10_000, () => 90);
    const errors = series(0, 10_000, (t) => (t > 8000 ? 0.2 : 0));
    expect(settledHeartbeat(hb, errors, 10_000, { windowMs: 5000 })).toMatchObject({ settled: false });
    expect(settledHeartbeat([], noErrors, 10_000, { windowMs: 5000 })).toMatchObject({ settled: false, status: 'no heartbeat samples yet' });
    expect(settledHeartbeat(series(0, 10_000, () => 0), noErrors, 10_000, { windowMs: 5000 }).settled).toBe(false);
  });

  test('the write share of a mix counts only writing operations', () => {
    expect(writeShare()).toBeCloseTo(0.6);
    expect(writeShare({ list_inbox: 30, read_conversation: 10 })).toBeCloseTo(60 / 100);
    expect(writeShare({ create_conversation: 0, post_message: 0, heartbeat: 0, create_event: 0 })).toBe(0);
  });
});
