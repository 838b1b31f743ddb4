// The outage clients seem to see, less the instrument's own stall, on a recorded run: the soak
// of 3 Dec where empty-vschema case 2 (guarded) read a 1.45 s stretch without a successful
// request, no request failing, while the harness and the app both stalled about 1 s.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResult } from '../harness/experiment/experiment';
import { type Gap, outageBeyondStall, stallInGap } from '../harness/experiment/timings';
import { CHECK, latent } from '../experiments/empty-vschema';

interface Recorded {
  timings: ExperimentResult['timings'];
  events: ExperimentResult['events'];
  stalls: Record<string, [number, number][]>;
  okPerSecond: [number, number][];
}
const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures/run-empty-vschema/latent-guarded-host-stall.json'), 'utf8')) as Recorded;
const readings = Object.values(recorded.stalls).flat();
// The run predates outageAt: the stretch is placed from the load's samples, the last one with
// completions at 10.58 s, the next (the harness running again) at 11.99 s, 1.45 s long.
const gap: Gap = { start: 10_550, end: 12_000, ms: 1450 };
const guardedCheck = (timings: ExperimentResult['timings']) =>
  latent(true).checks!({ timings, events: recorded.events, problems: [] } as unknown as ExperimentResult).find((c) => c.what === CHECK.noOutage)!;

describe('outage beyond the instrument stall', () => {
  test('the recorded run: the harness stalled for most of the stretch, and the rest is under 1 s', () => {
    expect(recorded.timings.outageSeconds).toBe(1.45);
    const stall = stallInGap(readings, gap);
    // A reading counts only for the part of its second inside the stretch: 878 of the 1035 ms read at 12.12 s.
    expect(stall).toBe(878);
    const c = guardedCheck({ ...recorded.timings, outageStallSeconds: stall / 1000 });
    expect(c.measured).toBeCloseTo(0.572, 3);
    expect(c.pass).toBe(true);
  });

  test('without the stall readings the same stretch fails the check, as it did', () => {
    const c = guardedCheck({ ...recorded.timings });
    expect(c.measured).toBe(1.45);
    expect(c.pass).toBe(false);
  });

  test('a real outage with the same stall inside it still fails: a stall explains at most its own length', () => {
    const long: Gap = { start: 10_550, end: 20_550, ms: 10_000 };
    const stall = stallInGap(readings, long);
    expect(stall).toBeLessThanOrEqual(1042);
    expect(outageBeyondStall({ outageSeconds: 10, outageStallSeconds: stall / 1000 })).toBeGreaterThan(8.9);
  });

  test('a stall read wholly after the stretch explains none of it', () => {
    const before: Gap = { start: 5_000, end: 6_450, ms: 1450 };
    expect(stallInGap(readings, before)).toBe(0);
    expect(stallInGap([[7_600, 1200]], before)).toBe(0);
  });

  test('never below 0, and unmeasured stays unmeasured', () => {
    expect(outageBeyondStall({ outageSeconds: 0.5, outageStallSeconds: 0.9 })).toBe(0);
    expect(outageBeyondStall({})).toBeUndefined();
  });
});
