import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failover, type FailoverMeasures, failoverChecks, lockedFirst } from '../experiments/failover';
import { contains, hashVindex, nextIdInShard, parseShardName } from '../harness/cluster/keyrange';
import { atLeast, atMost, describeCheck, equals } from '../harness/experiment/assertions';
import type { ExperimentResult } from '../harness/experiment/experiment';
import { firstAlarm, settledAt } from '../harness/experiment/timings';
import { outcomeOf } from '../harness/experiment/verdict';
import { errorRateHigh } from '../harness/observe/detectors';
import { multiLabels } from '../harness/observe/failover-probes';
import { Timeline } from '../harness/observe/timeline';

describe('VTOrc multi-label stats', () => {
  test('dotted keys become named labels; keys of another shape are skipped', () => {
    const stat = { 'DeadPrimary.zone1-0000000200.customer.-80': 1, 'ReplicationStopped.zone1-0000000201.customer.-80': 0, odd: 3 };
    expect(multiLabels(stat, ['analysis', 'tablet', 'keyspace', 'shard'])).toEqual([
      { labels: { analysis: 'DeadPrimary', tablet: 'zone1-0000000200', keyspace: 'customer', shard: '-80' }, value: 1 },
      { labels: { analysis: 'ReplicationStopped', tablet: 'zone1-0000000201', keyspace: 'customer', shard: '-80' }, value: 0 },
    ]);
    expect(multiLabels(undefined, ['a'])).toEqual([]);
  });
});

describe('ids for one shard', () => {
  test.each(['-80', '80-'])('the next id from any start hashes into %s', (shard) => {
    const range = parseShardName(shard);
    let from = 10n ** 15n;
    for (let i = 0; i < 20; i++) {
      const id = nextIdInShard(range, from);
      expect(id).toBeGreaterThanOrEqual(from);
      expect(contains(range, hashVindex(id))).toBe(true);
      from = id + 1n;
    }
  });
});

describe('settledAt', () => {
  const s: [number, number][] = [
    [0, 0],
    [1000, 0.5],
    [2000, 0.4],
    [3000, 0],
    [4000, 0.2],
    [5000, 0],
    [6000, 0],
    [7000, 0],
  ];
  test('the first run at or under the ceiling that lasts long enough', () => {
    expect(settledAt(s, 1000, 0.01, 2000)).toBe(5000);
    expect(settledAt(s, 1000, 0.3, 1000)).toBe(3000);
  });
  test('undefined when it never settles for that long', () => {
    expect(settledAt(s, 1000, 0.01, 5000)).toBeUndefined();
  });
});

describe('checks', () => {
  test('each comparison passes and fails on its own side', () => {
    expect(atMost('x', 2, 3).pass).toBe(true);
    expect(atMost('x', 4, 3).pass).toBe(false);
    expect(atLeast('x', 4, 3).pass).toBe(true);
    expect(atLeast('x', 2, 3).pass).toBe(false);
    expect(equals('x', 0, 0).pass).toBe(true);
    expect(equals('x', 1, 0).pass).toBe(false);
  });
  test('not measured never passes, and says so', () => {
    const c = atMost('VTOrc noticed', null, 10);
    expect(c.pass).toBe(false);
    expect(describeCheck(c)).toBe('VTOrc noticed: not measured (no value was recorded), expected at most 10 s');
    expect(describeCheck(equals('usable', 3, 8, 'connections'))).toBe('usable: measured 3 connections, expected exactly 8 connections');
  });
});

describe('error-rate detector', () => {
  test('fires once the failed share stays above the bar for its duration', () => {
    const tl = new Timeline(() => 0);
    for (const [t, v] of [
      [0, 0],
      [250, 0.02],
      [500, 0.3],
      [750, 0.5],
      [1000, 0.4],
      [1250, 0],
    ] as const) {
      tl.sample('load', 'error_rate', v, undefined, t);
    }
    expect(errorRateHigh({ above: 0.05, forMs: 500 }).evaluate(tl, 0)).toMatchObject({ t: 1000, detector: 'error-rate' });
    expect(errorRateHigh({ above: 0.05, forMs: 1000 }).evaluate(tl, 0)).toBeUndefined();
  });
});

describe('firstAlarm', () => {
  test('the earliest detector that fired; null when none did', () => {
    expect(firstAlarm({ a: 2.5, b: null, c: 0.7 })).toBe(0.7);
    expect(firstAlarm({ a: null })).toBeNull();
  });
});

describe('a failover held behind UnreachablePrimary', () => {
  // What VTOrc diagnosed in the hog soak of 3 Dec (container kill, buffered): the new primary served
  // after 17.6 s; and in a container kill of the same soak that served after 2.9 s.
  const held = ['UnreachablePrimary', 'DeadPrimary', 'StaleTopoPrimary'];
  const usual = ['ReplicationStopped', 'DeadPrimary', 'StaleTopoPrimary', 'ErrantGTIDDetected'];

  test('named in the report when VTOrc diagnosed UnreachablePrimary first', () => {
    expect(lockedFirst({ vtorcAnalyses: held })).toMatch(/UnreachablePrimary first.*shard lock.*--remote-operation-timeout/);
    expect(lockedFirst({ vtorcAnalyses: usual })).toBe('');
    // Only first: an UnreachablePrimary after DeadPrimary holds nothing up.
    expect(lockedFirst({ vtorcAnalyses: ['DeadPrimary', 'UnreachablePrimary'] })).toBe('');
  });
});

describe('the broken-fault negative control, on a recorded run', () => {
  // Idle soak of 3 Dec: nothing was killed, yet every container stalled ~6 s after the steps
  // and VTOrc diagnosed DeadPrimaryAndReplicas on the shard 21.9 s after the (broken) fault.
  const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures/run-failover/broken-fault-container-stall.json'), 'utf8')).result as {
    problems: string[];
    measured: FailoverMeasures;
    timings: ExperimentResult['timings'];
  };
  const control = failover({ how: 'container', buffering: false, broken: true }).negativeControl!;
  /** The failed checks, as problems, recomputed from the recorded measures (changed by `m`). */
  const failedChecks = (m: Partial<FailoverMeasures> = {}) =>
    failoverChecks({ measured: { ...recorded.measured, ...m }, timings: recorded.timings }).filter((c) => !c.pass).map(describeCheck);

  test('fails as expected: no reparent, whatever VTOrc diagnosed in a stall of the whole cluster', () => {
    expect(recorded.measured.vtorcAnalyses).toEqual(['DeadPrimaryAndReplicas']);
    expect(outcomeOf('fail', recorded.problems, control)).toBe('as-expected');
  });

  test("the checks recomputed from the recorded measures fail on the reparent the control names", () => {
    expect(failedChecks().some((p) => control.failsWith.test(p))).toBe(true);
  });

  test('a run that did reparent is not taken for the broken fault', () => {
    expect(outcomeOf('fail', failedChecks({ reparented: true }), control)).toBe('unexpected');
  });
});
