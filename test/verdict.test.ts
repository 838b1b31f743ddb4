// One verdict: every threshold a check in the result; a problem found anywhere fails the run;
// a figure not measured fails its check; an alarm before the fault is not a detection.
import type { ExperimentResult } from '../harness/experiment/experiment';
import { assertCheck, assertOutcome, atMost, holds, within } from '../harness/experiment/assertions';
import { notMeasured } from '../harness/experiment/figure';
import { detections, outcomeOf, verdictOf } from '../harness/experiment/verdict';
import { calibration, CHECK as CAL, shortPauseControl } from '../experiments/calibration';
import { describeCheck } from '../harness/experiment/assertions';
import { CHECK as VS, latent } from '../experiments/empty-vschema';
import { CHECK as SEQ, IntSequenceMeasures, intSequenceChecks } from '../experiments/int-sequence';

function result<M extends object = Record<string, unknown>>(over: Partial<ExperimentResult<M>> = {}): ExperimentResult<M> {
  return {
    runId: 'r',
    experiment: 'e',
    title: 't',
    vitess: '24.0.3',
    database: 'mysql-9.7',
    verdict: 'unknown',
    problems: [],
    timings: { detectionSeconds: {} },
    load: { ok: 1, failed: 0, timeouts: 0, writesAcked: 1, staleReads: 0, rate: 100 },
    events: [],
    ...over,
  };
}

describe('verdictOf', () => {
  const pass = { verdict: 'pass' as const };
  test('a problem found while healing (after the checks) fails the run', () => {
    expect(verdictOf({ problems: [], verified: true, ledger: pass })).toBe('pass');
    expect(verdictOf({ problems: ['heal: could not restart zone1-0000000201'], verified: true, ledger: pass })).toBe('fail');
  });
  test('a run that never reached its verification fails, even with no problem recorded', () => {
    expect(verdictOf({ problems: [], verified: false })).toBe('fail');
  });
  test('an unread ledger is unknown, never pass', () => {
    expect(verdictOf({ problems: [], verified: true, ledger: { verdict: 'unknown' } })).toBe('unknown');
    expect(verdictOf({ problems: [], verified: true })).toBe('unknown');
  });
});

describe('detections', () => {
  test('an alarm before the fault was issued is negative and a problem', () => {
    const d = detections({ 'heartbeat-anomaly': 9_500, 'p99-latency': 12_000, quiet: undefined }, 10_000);
    expect(d.seconds).toEqual({ 'heartbeat-anomaly': -0.5, 'p99-latency': 2, quiet: null });
    expect(d.problems).toEqual(['detector heartbeat-anomaly fired 0.5 s before the fault was issued: not a detection of it']);
  });
});

describe('checks', () => {
  test('not measured never passes, whatever the comparison, and carries its reason', () => {
    const c = within('outage', notMeasured('no request completed after the fault'), 4.5, 5.5);
    expect(c).toMatchObject({ status: 'not-measured', pass: false, measured: null, why: 'no request completed after the fault' });
    expect(holds('x', undefined, 'not observed').pass).toBe(false);
    expect(atMost('y', Number.NaN, 1).status).toBe('not-measured');
  });

  test('assertCheck names a missing check and a failed one', () => {
    const r = result({ checks: [atMost('lag', 7, 5)] });
    expect(() => assertCheck(r, 'nope')).toThrow(/has no check "nope" \(checks: lag\)/);
    expect(() => assertCheck(r, 'lag')).toThrow(/lag: measured 7 s, expected at most 5 s/);
  });

  test("calibration's thresholds are checks in its result (they lived only in Jest)", () => {
    const ok = calibration.checks!(result({ timings: { detectionSeconds: { 'heartbeat-anomaly': 1.2 }, outageSeconds: 5.1, recoverySeconds: 1.1 }, ledger: { acknowledged: 500 } as never }));
    expect(ok.map((c) => [c.what, c.pass])).toEqual([
      [CAL.outage, true],
      [CAL.detection, true],
      [CAL.recovery, true],
      [CAL.acknowledged, true],
    ]);
    const slow = calibration.checks!(result({ timings: { detectionSeconds: { 'heartbeat-anomaly': 1.2 }, outageSeconds: 5.1, recoverySeconds: 11.7 } }));
    expect(slow.find((c) => c.what === CAL.recovery)?.pass).toBe(false);
    expect(slow.find((c) => c.what === CAL.acknowledged)?.status).toBe('not-measured');
  });

  test('empty-vschema case 2 (guarded): a restore after the propagation fails its check', () => {
    const events = [
      { t: 1000, kind: 'alarm' as const, name: 'vschema-drift' },
      { t: 9000, kind: 'fault' as const, name: 'vschema-propagated' },
      { t: 9500, kind: 'remediation' as const, name: 'vschema snapshot re-applied' },
    ];
    const cs = latent(true).checks!(result({ events, timings: { injectAt: 0, detectionSeconds: {}, outageSeconds: 0.3 } }));
    expect(cs.find((c) => c.what === VS.leadTime)?.pass).toBe(true);
    expect(cs.find((c) => c.what === VS.restoredFirst)?.pass).toBe(false);
  });
});

describe('int-sequence headroom alarms', () => {
  const measures = (apart: number): IntSequenceMeasures => ({
    eventsPerSecondAtSteadyState: 40,
    firstFailureByShardSeconds: { '-80': 14, '80-': 14.2 },
    allShardsFailedWithinSeconds: 0.2,
    clientError: 'Out of range value for column id',
    failedEventInserts: 30,
    headroomAlarmLeadSeconds: { '80%': 11 + apart, '95%': 11 },
    alarmsApartSeconds: apart,
    warningLeadDaysAtThisRate: { '80%': 124, '95%': 31 },
    detectionAfterFirstFailureSeconds: 1.5,
    steps: { killswitchAfterDetectionSeconds: 0.1, onlineDdlSeconds: 10, killswitchOffAfterDdlSeconds: 0.1 },
    otherEndpointsDuringKillswitch: { succeeded: 300, failed: 0 },
    eventIdsPastIntMax: 50,
  });
  const r = (m: IntSequenceMeasures) => result({ measured: m, timings: { detectionSeconds: {}, timeToRecoverSeconds: 30 } });

  test('alarms a step apart pass; both fired at one instant (one jump past both) fails', () => {
    expect(intSequenceChecks(r(measures(1.1))).every((c) => c.pass)).toBe(true);
    const same = intSequenceChecks(r(measures(0)));
    expect(same.find((c) => c.what === SEQ.apart)?.pass).toBe(false);
  });

  test('no 95 % alarm at all is not measured, and fails', () => {
    const m = { ...measures(1), headroomAlarmLeadSeconds: { '80%': 12, '95%': notMeasured('no 95 % headroom alarm') }, alarmsApartSeconds: notMeasured('no 95 % headroom alarm') };
    const c = intSequenceChecks(r(m)).find((x) => x.what === SEQ.warned95)!;
    expect(c).toMatchObject({ pass: false, status: 'not-measured', why: 'no 95 % headroom alarm' });
  });
});

describe('negative controls', () => {
  const control = { failsWith: /never fired|no alarm/ };
  test('a broken fault is as expected only when it failed for its own reason', () => {
    expect(outcomeOf('fail', ['detector replication-lag never fired'], control)).toBe('as-expected');
    // Failed, but because the cluster died: not the control's failure.
    expect(outcomeOf('fail', ['tablet zone1-0000000101 exited'], control)).toBe('unexpected');
    expect(outcomeOf('pass', [], control)).toBe('unexpected');
    expect(outcomeOf('pass', [])).toBe('as-expected');
    expect(outcomeOf('unknown', [])).toBe('unexpected');
  });

  test('assertOutcome says what the control expected', () => {
    const r = result({ verdict: 'fail', outcome: 'unexpected', problems: ['heal: boom'], expected: { verdict: 'fail', why: 'the fault starts nothing', failsWith: 'never fired' } });
    expect(() => assertOutcome(r)).toThrow(/negative control \(the fault starts nothing\) expected to fail with \/never fired\/, verdict fail: heal: boom/);
    expect(() => assertOutcome({ ...r, outcome: 'as-expected' })).not.toThrow();
  });
});

describe('the weak-fault control beside calibration', () => {
  const control = shortPauseControl.negativeControl!;
  const outcome = (outageSeconds: number | undefined) => {
    const checks = shortPauseControl.checks!(result({ timings: { detectionSeconds: { 'heartbeat-anomaly': 1.1 }, outageSeconds, recoverySeconds: 0.8 }, ledger: { acknowledged: 300 } as never }));
    const problems = checks.filter((c) => !c.pass).map(describeCheck);
    return outcomeOf(problems.length ? 'fail' : 'pass', problems, control);
  };
  test('a 2 s pause measured as 2 s fails the 5 s check: as expected', () => {
    expect(outcome(2.04)).toBe('as-expected');
    expect(outcome(1.7)).toBe('as-expected');
  });
  test('measured far from the 2 s it was, or not at all, is unexpected: the measurement is off', () => {
    expect(outcome(2.9)).toBe('unexpected');
    expect(outcome(undefined)).toBe('unexpected');
    expect(outcome(5.0)).toBe('unexpected');
  });
});
