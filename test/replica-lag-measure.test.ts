// The replica-lag experiment's figures and checks on recorded-style timelines: a lag series
// with holes or none at all must fail its checks, never read as "0 s of lag".
import { describeCheck } from '../harness/experiment/assertions';
import { isMeasured } from '../harness/experiment/figure';
import { coverageGap, heldMax, onsetAfter } from '../harness/experiment/timings';
import { Timeline } from '../harness/observe/timeline';
import { DeleterFacts, measureReplicaLag, replicaLagChecks, THRESHOLDS } from '../experiments/replica-lag';

const INJECT = 10_000;
const THROTTLED_LAG = 'replica lag with the throttled deleter alone (after the ETL sync job ended)';
const END = 70_000;

/** A timeline on a hand-driven clock, with lag samples for both shards' replicas. */
function recorded(o: { loaded?: (t: number) => number | undefined; other?: (t: number) => number | undefined; stale?: (t: number) => number } = {}): Timeline {
  const tl = new Timeline(() => 0);
  for (let t = 0; t <= END; t += 1000) {
    const l = (o.loaded ?? ((x) => (x > INJECT ? Math.min(20, (x - INJECT) / 2000) : 0.1)))(t);
    if (l !== undefined) tl.sample('replication', 'lag_seconds', l, { tablet: 'zone1-0000000201', shard: 'customer/-80' }, t);
    const ot = (o.other ?? (() => 0.2))(t);
    if (ot !== undefined) tl.sample('replication', 'lag_seconds', ot, { tablet: 'zone1-0000000301', shard: 'customer/80-' }, t);
    tl.sample('staleness', 'stale_ms', (o.stale ?? ((x) => (x > INJECT ? (x - INJECT) / 2 : 20)))(t), { shard: '-80' }, t);
    tl.sample('staleness', 'stale_ms', 20, { shard: '80-' }, t);
  }
  tl.event('fault', 'replica-overload', {}, INJECT);
  tl.event('alarm', 'replication-lag', {}, INJECT + 12_000);
  tl.event('remediation', 'ETL stopped, deletion slowed', {}, INJECT + 13_000);
  return tl;
}

const deleter: DeleterFacts = { rowsDeleted: 60_000, failedBatches: 0, finishedAt: INJECT + 20_000, throttlerChecks: 40, refusals: 12, throttlerErrors: 0 };
const inputs = { injectAt: INJECT, end: END, lagSeconds: THRESHOLDS.lagSeconds, throttlerLagSeconds: THRESHOLDS.throttlerLagSeconds, deleter, staleReads: 5, failedWrites: 0 };
const checksOf = (tl: Timeline, throttled = false, d = deleter) =>
  replicaLagChecks(measureReplicaLag(tl, { ...inputs, deleter: d }), { 'replication-lag': 12 }, { throttled, T: THRESHOLDS, archiveRows: 60_000 });
const find = (cs: ReturnType<typeof checksOf>, what: string) => {
  const c = cs.find((x) => x.what === what);
  if (!c) throw new Error(`no check ${what}`);
  return c;
};

describe("the untouched shard's held lag, on the readings of a recorded run (soak without the hog, 3 Dec 2026)", () => {
  // customer/80-'s two replicas, seconds after the fault: 302 read ~1.5 s twice, 1.2 s apart,
  // while the harness and the app stalled 0.3-0.4 s (the fault saturating the host); its next
  // reading, 0.9 s later, was 0.02 s. The check failed on it as "1.5 s held for 2 s".
  const r302: [number, number][] = [[118.24, 0.34], [119.0, 0.3], [120.01, 0.21], [121.22, 0.47], [122.25, 1.46], [123.46, 1.57], [124.32, 0.02], [125.2, 0.41], [126.03, 0.27], [127.02, 0.17]];
  const r301: [number, number][] = [[118.03, 0.23], [119.02, 0.5], [119.98, 0.3], [121.23, 0.3], [121.99, 0.06], [122.99, 0.46], [124.32, 0.26], [125.13, 0.38], [126.03, 0.49], [127.08, 0.06]];
  const replay = (lift = (_t: number, v: number) => v) => {
    const tl = recorded({ other: () => undefined });
    const at = (s: number) => INJECT + Math.round(s * 1000);
    for (const [s, v] of r302) tl.sample('replication', 'lag_seconds', lift(s, v), { tablet: 'zone1-0000000302', shard: 'customer/80-' }, at(s));
    for (const [s, v] of r301) tl.sample('replication', 'lag_seconds', v, { tablet: 'zone1-0000000301', shard: 'customer/80-' }, at(s) + 1);
    return measureReplicaLag(tl, { ...inputs, injectAt: at(118), end: at(127.1) });
  };

  test('the 1.2 s stall is not held for 2 s: the check passes, the plain maximum still shows it', () => {
    const m = replay();
    expect(m.otherShardMaxLagSeconds).toBe(1.6);
    expect(m.otherShardHeldLagSeconds).toBe(0.5);
  });

  test('the same replica lagging through its next two readings is held, and fails the check', () => {
    const m = replay((s, v) => (s >= 122 && s <= 125.5 ? Math.max(v, 1.5) : v));
    expect(m.otherShardHeldLagSeconds).toBe(1.5);
    const c = find(replicaLagChecks(m, { 'replication-lag': 12 }, { throttled: false, T: THRESHOLDS, archiveRows: 60_000 }), "untouched shard's replica lag, held for 2 s");
    expect(c.pass).toBe(false);
  });
});

describe('replica-lag figures are three-way', () => {
  test('a full recording measures the lag on both shards', () => {
    const m = measureReplicaLag(recorded(), inputs);
    expect(m.maxLagSeconds).toBe(20);
    expect(m.otherShardMaxLagSeconds).toBe(0.2);
    expect(m.deletionSeconds).toBe(20);
  });

  test('no lag sample from the untouched shard: its lag check fails as not measured (it read as 0 s and passed before)', () => {
    const c = find(checksOf(recorded({ other: () => undefined })), "untouched shard's replica lag, held for 2 s");
    expect(c.pass).toBe(false);
    expect(c.status).toBe('not-measured');
    expect(describeCheck(c)).toMatch(/not measured \(no lag sample from customer\/80-/);
  });

  test('a hole of 10 s in the loaded shard\'s lag samples: the throttled lag check cannot pass on what is left', () => {
    const tl = recorded({ loaded: (t) => (t > 30_000 && t < 41_000 ? undefined : 0.5) });
    tl.event('note', 'ETL sync job done', {}, INJECT + 5_000);
    const c = find(checksOf(tl, true, { ...deleter, finishedAt: INJECT + 50_000 }), THROTTLED_LAG);
    expect(c.status).toBe('not-measured');
    expect(c.why).toMatch(/unread for 11 s/);
  });

  test('throttled: lag while the ETL ran is reported; the check judges the deleter alone, after the ETL', () => {
    // 8 s of lag while the ETL scans (deleter refused), 0.6 s after it ended.
    const tl = recorded({ loaded: (t) => (t < INJECT + 20_000 ? 8 : 0.6) });
    tl.event('note', 'ETL sync job done', {}, INJECT + 20_000);
    const m = measureReplicaLag(tl, { ...inputs, deleter: { ...deleter, finishedAt: INJECT + 50_000 } });
    expect(m.maxLagSeconds).toBe(8);
    expect(m.maxLagAfterEtlSeconds).toBe(0.6);
    expect(find(checksOf(tl, true, { ...deleter, finishedAt: INJECT + 50_000 }), THROTTLED_LAG).pass).toBe(true);
    // Lag rising again with the deleter alone fails.
    const worse = recorded({ loaded: (t) => (t < INJECT + 20_000 ? 1 : 7) });
    worse.event('note', 'ETL sync job done', {}, INJECT + 20_000);
    expect(find(checksOf(worse, true, { ...deleter, finishedAt: INJECT + 50_000 }), THROTTLED_LAG).pass).toBe(false);
    // The lag the ETL left (9 s, draining) is not the deleter's: judged from when it is back
    // under the throttler's 1 s (until then the throttler refuses the deleter).
    const residual = recorded({ loaded: (t) => (t < INJECT + 20_000 ? 8 : t < INJECT + 29_000 ? 9 - (t - INJECT - 20_000) / 1000 : t < INJECT + 35_000 ? 0.5 : 2.5) });
    residual.event('note', 'ETL sync job done', {}, INJECT + 20_000);
    const r = find(checksOf(residual, true, { ...deleter, finishedAt: INJECT + 50_000 }), THROTTLED_LAG);
    expect(r).toMatchObject({ pass: true, measured: 2.5 });
    // Never drained under 1 s: the deleter was never let go, and nothing is judged on it.
    const stuck = recorded({ loaded: (t) => (t < INJECT + 20_000 ? 8 : 1.5) });
    stuck.event('note', 'ETL sync job done', {}, INJECT + 20_000);
    expect(find(checksOf(stuck, true, { ...deleter, finishedAt: INJECT + 50_000 }), THROTTLED_LAG)).toMatchObject({ pass: false, status: 'not-measured' });
    // The ETL never ended: not measured, fails.
    expect(find(checksOf(recorded({ loaded: () => 0.5 }), true), THROTTLED_LAG).status).toBe('not-measured');
  });

  test("the ETL's lag has drained only once every replica's has: replicas read at different instants are not taken one at a time", () => {
    // Two replicas of the loaded shard, read 300 ms apart: 201 is back at 0.5 s while 202 still
    // drains from 10 s. (A fixed 500 ms bucket once held 201's reading alone, judged the shard
    // drained, and charged 202's ETL lag to the deleter.)
    const tl = new Timeline(() => 0);
    const etlDone = INJECT + 20_000;
    for (let t = 0; t <= END; t += 1000) {
      tl.sample('replication', 'lag_seconds', t < etlDone ? 8 : 0.5, { tablet: 'zone1-0000000201', shard: 'customer/-80' }, t);
      const l202 = t < etlDone ? 10 : Math.max(0.5, 10 - (t - etlDone) / 1000);
      tl.sample('replication', 'lag_seconds', l202, { tablet: 'zone1-0000000202', shard: 'customer/-80' }, t + 300);
      tl.sample('replication', 'lag_seconds', 0.2, { tablet: 'zone1-0000000301', shard: 'customer/80-' }, t);
    }
    tl.event('fault', 'replica-overload', {}, INJECT);
    tl.event('note', 'ETL sync job done', {}, etlDone);
    const m = measureReplicaLag(tl, { ...inputs, deleter: { ...deleter, finishedAt: INJECT + 50_000 } });
    // Judged from when 202 too was under 1 s (10 s after the ETL ended), never from 201's alone.
    expect(m.maxLagAfterEtlSeconds).toBe(0.5);
    expect(m.maxLagSeconds).toBe(10);
  });

  test('the lag alarm is checked against the staleness probe, not against its own series', () => {
    const m = measureReplicaLag(recorded(), inputs);
    // staleness crosses 5 s at +10 s after injection (stale_ms = elapsed / 2); the alarm at +12 s
    expect(m.alarmVsStalenessSeconds).toBe(1);
    const never = measureReplicaLag(recorded({ stale: () => 20 }), inputs);
    expect(isMeasured(never.alarmVsStalenessSeconds)).toBe(false);
  });

  test('a deletion with failed batches or unfinished fails the throttled checks', () => {
    const cs = checksOf(recorded({ loaded: () => 0.5 }), true, { ...deleter, failedBatches: 3, finishedAt: undefined, rowsDeleted: 41_000 });
    expect(find(cs, 'failed DELETE batches').pass).toBe(false);
    expect(find(cs, 'throttled deletion finished').status).toBe('not-measured');
    expect(find(cs, 'rows the throttled deleter deleted').pass).toBe(false);
  });

  test('throttler checks that only errored are no refusals', () => {
    const cs = checksOf(recorded({ loaded: () => 0.5 }), true, { ...deleter, refusals: 0, throttlerErrors: 40 });
    expect(find(cs, 'throttler refusals').pass).toBe(false);
  });

  test('no measures at all: a failing check, not a pass', () => {
    const cs = replicaLagChecks(undefined, {}, { throttled: false, T: THRESHOLDS, archiveRows: 1 });
    expect(cs.every((c) => !c.pass)).toBe(true);
  });
});

describe("the untouched shard's lag, held", () => {
  test('one ~1 s sample (a host stall on every replica at one instant) does not fail; lag held for 2 s does', () => {
    const blip = recorded({ other: (t) => (t === 50_000 ? 1.06 : 0.3) });
    expect(measureReplicaLag(blip, inputs).otherShardMaxLagSeconds).toBe(1.1);
    expect(measureReplicaLag(blip, inputs).otherShardHeldLagSeconds).toBe(0.3);
    expect(find(checksOf(blip), "untouched shard's replica lag, held for 2 s").pass).toBe(true);
    const held = recorded({ other: (t) => (t >= 50_000 && t <= 53_000 ? 1.4 : 0.3) });
    expect(find(checksOf(held), "untouched shard's replica lag, held for 2 s")).toMatchObject({ pass: false, measured: 1.4 });
  });

  test('heldMax needs a covered window', () => {
    expect(heldMax([[0, 5]], 2000)).toBeUndefined();
    expect(heldMax([[0, 5], [1000, 1], [2000, 4], [3000, 4]], 2000)).toBe(1);
    expect(heldMax([[0, 5], [1000, 6], [2000, 4], [3000, 0]], 2000)).toBe(4);
    expect(heldMax([[0, 5], [1000, 6], [1900, 4]], 2000)).toBeUndefined();
  });

  test("heldMax, on the untouched shard's lag in a recorded run (soak without the hog, 3 Dec): a 1.2 s host stall is not held for 2 s", () => {
    // customer/80-'s lag (the highest of its replicas' latest readings), seconds after the fault:
    // two readings of about 1.5 s, 1.2 s apart, while the harness and the app stalled 0.3-0.4 s;
    // the next reading, 0.9 s later, is 0.26 s. The old rule held 1.46 s for 2 s and failed the check.
    const recorded: [number, number][] = [[120_010, 0.3], [121_220, 0.47], [122_250, 1.46], [122_990, 1.46], [123_460, 1.57], [124_320, 0.26], [125_130, 0.41], [126_030, 0.49], [127_020, 0.17]];
    expect(heldMax(recorded, 2000)).toBe(0.47);
    // The same readings with the lag persisting through the next two: held.
    const persisting = recorded.map(([t, v]): [number, number] => [t, t >= 122_250 && t <= 125_130 ? Math.max(v, 1.5) : v]);
    expect(heldMax(persisting, 2000)).toBe(1.5);
  });
});

describe('coverage and onsets', () => {
  test('coverageGap counts the window edges', () => {
    expect(coverageGap([], 0, 10)).toBe(10);
    expect(coverageGap([2, 3, 9], 0, 10)).toBe(6);
    expect(coverageGap([0, 5, 10], 0, 10)).toBe(5);
  });

  test('a problem already listed at injection has no onset until it clears and comes back', () => {
    const listed = [800, 1000, 1200, 1400, 3000, 3200];
    expect(onsetAfter(listed, 1000, 500)).toBe(3000);
    expect(onsetAfter([1000, 1200], 900, 500)).toBe(1000);
    expect(onsetAfter([800, 1000], 900, 500)).toBeUndefined();
  });
});
