import { firstBreach, heartbeatAnomaly, p99LatencyHigh, replicationLagHigh, DetectorRunner, stallWithin, vschemaDrift, writeShareAnomaly } from '../harness/observe/detectors';
import { HeartbeatProbe } from '../harness/observe/probes';
import { Timeline } from '../harness/observe/timeline';

/** A timeline on a clock the test moves by hand. */
function manualTimeline(): { tl: Timeline; at: (ms: number) => void } {
  let now = 0;
  const tl = new Timeline(() => now);
  return { tl, at: (ms) => (now = ms) };
}

function heartbeat(tl: Timeline, values: [number, number][]): void {
  for (const [t, v] of values) tl.sample('heartbeat', 'writes_per_s', v, undefined, t);
}

describe('firstBreach', () => {
  const series: [number, number][] = [[0, 100], [250, 100], [500, 10], [750, 10], [1000, 10], [1250, 10], [1500, 10], [1750, 100]];
  test('fires when every sample has broken the threshold for the whole span', () => {
    expect(firstBreach(series, 0, 'below', 50, 1000)).toEqual({ t: 1500, value: 10 });
  });
  test('a short dip does not fire', () => {
    expect(firstBreach(series, 0, 'below', 50, 1500)).toBeUndefined();
  });
  test('samples before `since` are ignored, and forMs 0 fires at the first breach', () => {
    expect(firstBreach(series, 800, 'below', 50, 0)).toEqual({ t: 1000, value: 10 });
  });
});

describe('heartbeat anomaly', () => {
  test('fires at the time the rule held, not when it was evaluated', () => {
    const { tl } = manualTimeline();
    heartbeat(tl, [[0, 90], [250, 92], [500, 91], [750, 0], [1000, 0], [1250, 0], [1500, 0], [1750, 0], [2000, 0]]);
    const d = heartbeatAnomaly(() => 90, { belowFraction: 0.5, forMs: 1000 });
    expect(d.evaluate(tl, 0)).toMatchObject({ detector: 'heartbeat-anomaly', t: 1750, value: 0 });
  });
  test('stays silent without a baseline, and above half the baseline', () => {
    const { tl } = manualTimeline();
    heartbeat(tl, [[0, 50], [250, 50], [500, 50], [750, 50], [1000, 50], [1250, 50]]);
    expect(heartbeatAnomaly(() => undefined).evaluate(tl, 0)).toBeUndefined();
    expect(heartbeatAnomaly(() => 90, { forMs: 500 }).evaluate(tl, 0)).toBeUndefined();
  });
});

describe('p99 latency', () => {
  const p99 = (tl: Timeline, values: [number, number][]) => values.forEach(([t, v]) => tl.sample('load', 'p99_ms', v, undefined, t));
  test('a ceiling that follows the steady p99: a busy host\'s 1.2 s is not 5x its 300 ms steady', () => {
    const { tl } = manualTimeline();
    p99(tl, [[0, 1200], [500, 1200], [1000, 1200], [1500, 1600], [2000, 1600], [2500, 1600]]);
    const d = p99LatencyHigh({ thresholdMs: 1000, forMs: 1000, steady: () => 300, timesSteady: 5 });
    expect(d.evaluate(tl, 0)).toMatchObject({ t: 2500, value: 1600 });
    expect(d.evaluate(tl, 0)?.reason).toContain('over 1500 ms');
  });
  test('never under its floor, and silent until the steady p99 is known', () => {
    const { tl } = manualTimeline();
    p99(tl, [[0, 900], [500, 900], [1000, 900], [1500, 900]]);
    expect(p99LatencyHigh({ thresholdMs: 1000, forMs: 0, steady: () => 20 }).evaluate(tl, 0)).toBeUndefined();
    expect(p99LatencyHigh({ thresholdMs: 500, forMs: 0, steady: () => undefined }).evaluate(tl, 0)).toBeUndefined();
    expect(p99LatencyHigh({ thresholdMs: 500, forMs: 0 }).evaluate(tl, 0)).toMatchObject({ t: 0 });
  });
});

describe('per-label series', () => {
  test('replication lag fires for the first replica to cross, naming it', () => {
    const { tl } = manualTimeline();
    tl.sample('replication', 'lag_seconds', 1, { tablet: 'a' }, 0);
    tl.sample('replication', 'lag_seconds', 1, { tablet: 'b' }, 0);
    tl.sample('replication', 'lag_seconds', 2, { tablet: 'a' }, 1000);
    tl.sample('replication', 'lag_seconds', 9, { tablet: 'b' }, 1000);
    tl.sample('replication', 'lag_seconds', 12, { tablet: 'a' }, 2000);
    expect(replicationLagHigh({ thresholdSeconds: 5 }).evaluate(tl, 0)).toMatchObject({ t: 1000, labels: { tablet: 'b' } });
  });
});

describe('DetectorRunner', () => {
  test('writes one alarm per arming onto the timeline, stamped when the rule held', () => {
    const { tl, at } = manualTimeline();
    const runner = new DetectorRunner(tl, [vschemaDrift()]);
    runner.arm();
    tl.sample('vschema', 'drift', 0, { keyspace: 'customer', source: 'stored' }, 100);
    tl.sample('vschema', 'drift', 1, { keyspace: 'customer', source: 'stored' }, 200);
    at(900);
    runner.tick();
    runner.tick();
    expect(tl.events().filter((e) => e.kind === 'alarm')).toEqual([
      { t: 200, kind: 'alarm', name: 'vschema-drift', data: { reason: 'VSchema differs from the known-good snapshot', value: 1, labels: { keyspace: 'customer', source: 'stored' } } },
    ]);
  });

  test('armed again, a detector reports only its alarm since then, and records its next one too', () => {
    const { tl, at } = manualTimeline();
    const runner = new DetectorRunner(tl, [vschemaDrift()]);
    runner.arm();
    tl.sample('vschema', 'drift', 1, { keyspace: 'customer', source: 'stored' }, 100);
    at(200);
    runner.tick();
    expect(runner.sinceArmed('vschema-drift')?.t).toBe(100);
    at(1000);
    runner.arm(['vschema-drift']);
    expect(runner.sinceArmed('vschema-drift')).toBeUndefined();
    tl.sample('vschema', 'drift', 1, { keyspace: 'customer', source: 'stored' }, 1500);
    at(1600);
    runner.tick();
    expect(runner.sinceArmed('vschema-drift')?.t).toBe(1500);
    expect(runner.first('vschema-drift')?.t).toBe(100);
    expect(tl.events().filter((e) => e.kind === 'alarm').map((e) => e.t)).toEqual([100, 1500]);
  });
});

describe("one table's share of the writes (int-sequence's event heartbeat)", () => {
  // Recorded in the hog soak of 3 Dec 2026 (int-sequence-exhaustion, iteration 2): [t ms, event
  // inserts/s, all writes/s]. The host slowed every write from 9.7 s on; the sequence ran out at
  // 12.1 s. The steady state was 44.2 event inserts/s of 104 writes/s.
  const recorded: [number, number, number][] = [
    [8709, 34.4, 74.3], [9333, 31.2, 75.0], [9754, 20.1, 49.6], [10096, 18.0, 49.0], [10625, 17.7, 51.3], [10893, 21.1, 61.6],
    [10979, 23.7, 66.8], [11508, 18.4, 57.3], [11684, 17.0, 66.2], [12095, 0.9, 41.4], [12177, 0.8, 47.0], [12600, 0.4, 52.0], [13150, 0.2, 55.0],
  ];
  test('the rate rule paged on the slowed host before anything failed (as it did); the share rule waits for the exhaustion', () => {
    const { tl } = manualTimeline();
    for (const [t, ev, all] of recorded) {
      tl.sample('heartbeat', 'event_writes_per_s', ev, undefined, t);
      tl.sample('heartbeat', 'event_write_share', ev / all, undefined, t);
    }
    const rate = heartbeatAnomaly(() => 44.2, { name: 'event-heartbeat', series: 'event_writes_per_s' }).evaluate(tl, 8700);
    expect(rate?.t).toBe(10893);
    const share = writeShareAnomaly(() => 44.2 / 104, { name: 'event-heartbeat', series: 'event_write_share', what: 'event inserts' }).evaluate(tl, 8700);
    expect(share?.t).toBe(13150);
    expect(share?.reason).toMatch(/^event inserts: 0\.4 % of successful writes, under 21\.3 % \(50 % of the steady share\) for 1000 ms$/);
  });

  test('the probe records the share over the same window as the rate, and nothing when no write at all was made', async () => {
    const { tl, at } = manualTimeline();
    const counters = [
      { writesOk: 0, writesOkByTable: { events: 0 } },
      { writesOk: 100, writesOkByTable: { events: 40 } },
      { writesOk: 100, writesOkByTable: { events: 40 } },
    ];
    let i = 0;
    const probe = new HeartbeatProbe(async () => counters[i], { series: 'event_writes_per_s', shareSeries: 'event_write_share', select: (c) => c.writesOkByTable?.events ?? 0, windowMs: 10_000 });
    for (const t of [0, 1000]) {
      at(t);
      await probe.sample(tl);
      i++;
    }
    expect(tl.series('heartbeat', 'event_write_share')).toEqual([[1000, 0.4]]);
    const fresh = new HeartbeatProbe(async () => counters[2], { series: 'event_writes_per_s', shareSeries: 'event_write_share', select: (c) => c.writesOkByTable?.events ?? 0 });
    at(2000);
    await fresh.sample(tl);
    at(3000);
    await fresh.sample(tl);
    expect(tl.series('heartbeat', 'event_write_share')).toEqual([[1000, 0.4]]);
    await probe.close();
    await fresh.close();
  });
});

describe('a breach must outlast the stalls of the instrument within it', () => {
  // Recorded in the hog soak of 3 Dec 2026 (cross-keyspace-join-broken-fault: the deploy flips
  // no flag). Harness and app both stalled ~1.2 s at once; p99 over the next second read the
  // requests that waited out the stall. Steady p99 224 ms: the ceiling is 5x, 1118 ms.
  const p99: [number, number][] = [[46050, 230], [47450, 1301], [47700, 1453], [47950, 1453], [48250, 1501], [48550, 1453], [48800, 221], [49100, 221]];
  const harness: [number, number][] = [[46050, 97], [47600, 1226], [47750, 1226], [47950, 1226], [48250, 1226], [48700, 128], [48800, 130]];
  const app: [number, number][] = [[46050, 70], [47600, 1229], [47750, 1229], [47950, 1229], [48250, 1229], [48700, 81], [48800, 81]];
  function recorded(extraP99: [number, number][] = []) {
    const { tl } = manualTimeline();
    for (const [t, v] of [...p99, ...extraP99].sort((a, b) => a[0] - b[0])) tl.sample('load', 'p99_ms', v, undefined, t);
    for (const [t, v] of harness) tl.sample('heartbeat', 'harness_stall_ms', v, undefined, t);
    for (const [t, v] of app) tl.sample('heartbeat', 'app_stall_ms', v, undefined, t);
    return tl;
  }
  const rule = (outlastStallsOfMs?: number) => p99LatencyHigh({ thresholdMs: 1000, forMs: 1000, steady: () => 223.6, timesSteady: 5, ...(outlastStallsOfMs !== undefined ? { outlastStallsOfMs } : {}) });

  test('the p99 page that fired with no deploy (as recorded, at 48.55 s) does not fire on the stall', () => {
    expect(rule(Infinity).evaluate(recorded(), 19_000)?.t).toBe(48550);
    expect(rule().evaluate(recorded(), 19_000)).toBeUndefined();
  });

  test('a real rise that outlasts the stall still pages, on the samples clear of it', () => {
    const deploy: [number, number][] = [49400, 49650, 49900, 50150, 50400, 50650].map((t) => [t, 2400]);
    const tl = recorded(deploy.map(([t, v]) => [t, v] as [number, number]));
    // The stall's breach ended at 48.8 s; the rise from 49.4 s has no stall within it and pages
    // once it held 1 s.
    expect(rule().evaluate(tl, 19_000)?.t).toBe(50400);
  });

  test('stallWithin: the longest reading of 500 ms or more from a second before the run began to its end', () => {
    const within = stallWithin(recorded(), 500);
    expect(within(47450, 48550)).toBe(1229);
    expect(within(49400, 50400)).toBe(0);
    expect(within(45000, 46500)).toBe(0);
    const { tl } = manualTimeline();
    expect(stallWithin(tl, 500)(0, 10_000)).toBe(0);
  });

  test('a deploy that saturates the host stalls the instrument too, and is still paged (recorded: no page at all when stalled samples were dropped)', () => {
    // cross-keyspace-join, hog soak of 3 Dec 2026 (713fcb0): the join deployed at 8.9 s; baseline 106.9 writes/s.
    const { tl } = manualTimeline();
    for (const [t, v] of [[8900, 111], [9700, 49], [13200, 0], [16900, 0], [19500, 2], [22300, 1], [24900, 4], [27000, 1]] as [number, number][]) tl.sample('heartbeat', 'writes_per_s', v, undefined, t);
    for (const [t, v] of [[8900, 46], [9700, 316], [13200, 572], [16900, 906], [19500, 1454], [22300, 554], [24900, 1993]] as [number, number][]) tl.sample('heartbeat', 'harness_stall_ms', v, undefined, t);
    for (const [t, v] of [[8900, 66], [9700, 230], [13200, 267], [16900, 1695], [19500, 734]] as [number, number][]) tl.sample('heartbeat', 'app_stall_ms', v, undefined, t);
    expect(heartbeatAnomaly(() => 106.9).evaluate(tl, 8900)?.t).toBe(13200);
  });

  test('the heartbeat rule ignores a dip made by a stall too', () => {
    const { tl } = manualTimeline();
    for (const [t, v] of [[0, 100], [250, 100], [500, 30], [750, 30], [1000, 30], [1250, 30], [1500, 30], [1750, 100]] as [number, number][]) tl.sample('heartbeat', 'writes_per_s', v, undefined, t);
    expect(heartbeatAnomaly(() => 100).evaluate(tl, 0)?.t).toBe(1500);
    tl.sample('heartbeat', 'app_stall_ms', 800, undefined, 600);
    expect(heartbeatAnomaly(() => 100).evaluate(tl, 0)).toBeUndefined();
  });
});
