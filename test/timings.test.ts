import { baseline, errorWindow, longestGap, recoveredAt, slowestBeyondStall } from '../harness/experiment/timings';
import { percentile } from '../harness/workload/load';
import { canonical, integerMax, servedShape } from '../harness/observe/probes';

describe('timing math', () => {
  test('a 5 s freeze in a steady stream of completions is a 5 s gap', () => {
    const ends = [...Array.from({ length: 100 }, (_, i) => i * 10), ...Array.from({ length: 100 }, (_, i) => 6000 + i * 10)];
    expect(longestGap(ends, 900, 7000)).toEqual({ start: 990, end: 6000, ms: 5010 });
  });

  test('gaps outside the window are not the outage', () => {
    expect(longestGap([0, 3000, 3010, 3020, 3500], 3005, 3600)).toEqual({ start: 3020, end: 3500, ms: 480 });
  });

  test('recovery is the start of the first sustained run back above the threshold', () => {
    const s: [number, number][] = [[0, 0], [250, 95], [500, 10], [750, 92], [1000, 95], [1250, 96], [1500, 97], [1750, 99], [2000, 90], [2250, 94], [2750, 95]];
    expect(recoveredAt(s, 0, 90, 2000)).toBe(750);
    expect(recoveredAt(s, 0, 90, 5000)).toBeUndefined();
  });

  test('baseline and error window', () => {
    expect(baseline([[0, 1], [1, 3], [5, 100]], 0, 2)).toBe(2);
    expect(baseline([[5, 1]], 0, 2)).toBeUndefined();
    expect(errorWindow([1, 50, 70, 400], 10, 300)).toEqual({ start: 50, end: 70, ms: 20 });
  });

  test('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 99), percentile([7], 99), percentile([], 50)]).toEqual([50, 99, 7, 0]);
  });
});

describe('probe helpers', () => {
  test('integer column maxima', () => {
    expect(integerMax('int')).toBe(2147483647n);
    expect(integerMax('int(11)')).toBe(2147483647n);
    expect(integerMax('int unsigned')).toBe(4294967295n);
    expect(integerMax('bigint')).toBe(9223372036854775807n);
    expect(integerMax('smallint')).toBe(32767n);
    expect(integerMax('varchar(10)')).toBeUndefined();
  });

  test('canonical JSON ignores key order; served shape ignores bookkeeping', () => {
    expect(canonical({ b: 1, a: [{ d: 2, c: 1 }] })).toBe(canonical({ a: [{ c: 1, d: 2 }], b: 1 }));
    expect(servedShape({ sharded: true, tables: { t: {} }, vindexes: { hash: { type: 'hash' } } })).toBe(
      servedShape({ vindexes: { hash: {} }, tables: { t: { type: '' } }, sharded: true }),
    );
    expect(servedShape({ sharded: true, tables: {} })).not.toBe(servedShape({ sharded: true, tables: { t: {} } }));
    expect(servedShape(undefined)).toBe('absent');
  });
});

describe('slowest operation beyond the instrument stall', () => {
  // Recorded 4 Dec 2026 (failover, buffered, Vitess 24.0.4, CPU hog beside it): customer/80-'s
  // probe writes around the failover, and the heartbeat's stall readings (harness, app).
  const writes: [number, number][] = [[13099, 11], [14828, 1639], [14953, 124], [15031, 202]];
  const stalls: [number, number][] = [[13019, 16], [13019, 18], [14991, 1566], [14991, 1599]];

  test('a write timed across a host stall is charged only what the stall does not explain', () => {
    // Its span 13189-14828 overlaps the stall's second (13991-14991) by 837 ms.
    expect(slowestBeyondStall(writes, stalls)).toBe(802);
  });

  test('with no stall the slowest write stands as timed; with no write there is nothing', () => {
    expect(slowestBeyondStall(writes, [])).toBe(1639);
    expect(slowestBeyondStall([], stalls)).toBeUndefined();
  });

  test('a stall outside a write does not shorten it', () => {
    expect(slowestBeyondStall([[30_000, 1500]], stalls)).toBe(1500);
  });
});
