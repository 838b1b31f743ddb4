import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK, doubleFault, doubleFaultChecks, losesWritesOn, measureDoubleFault } from '../experiments/double-fault';
import { gtidCount } from '../harness/cluster/gtid';
import { describeCheck } from '../harness/experiment/assertions';
import { outcomeOf } from '../harness/experiment/verdict';
import type { TimelineEvent } from '../harness/observe/timeline';
import type { LedgerVerdict } from '../harness/workload/ledger';

describe('gtidCount', () => {
  test('counts ranges and single transactions across server UUIDs', () => {
    expect(gtidCount('')).toBe(0);
    expect(gtidCount('3e11fa47-71ca-11e1-9e33-c80aa9429562:23')).toBe(1);
    expect(gtidCount('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,\n4e11fa47-71ca-11e1-9e33-c80aa9429562:10-19')).toBe(16);
  });
  test('a tagged set counts its ranges, not its tag', () => {
    expect(gtidCount('3e11fa47-71ca-11e1-9e33-c80aa9429562:chaos:1-3')).toBe(3);
  });
  test('text that is not a GTID set is refused', () => {
    expect(() => gtidCount('relay-bin.000001')).toThrow(/not a GTID set/);
    expect(() => gtidCount('3e11fa47:1-x')).toThrow(/not a GTID set/);
  });
});

describe('losesWritesOn (Vitess issue 21092, fixed in 24.0.4 and 23.0.7)', () => {
  test.each([
    ['24.0.3', true],
    ['24.0.0', true],
    ['24.0.4', false],
    ['24.0.5', false],
    ['23.0.6', true],
    ['23.0.7', false],
    ['23.0.0', true],
    ['25.0.0', false],
  ])('%s: %s', (release, loses) => {
    expect(losesWritesOn(release)).toBe(loses);
  });
});

describe('measureDoubleFault on a recorded run (24.0.3, 4 Dec: 57 acknowledged writes lost)', () => {
  const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures/run-double-fault/24.0.3-loss.json'), 'utf8')) as {
    result: { timings: { injectAt: number }; events: TimelineEvent[]; ledger: { acknowledged: number; lost: string[] } };
    shardOk: [number, number][];
  };
  const { events, timings, ledger } = recorded.result;
  const stoppedAt = events.find((e) => e.name.endsWith(': appliers stopped'))!.t;
  const issuedAt = timings.injectAt;
  const cutAt = events.find((e) => e.name === 'replication cut')!.t;
  const [lostA, lostB] = ledger.lost.map((k) => k.split('/'));
  // The ledger's acknowledgements are not in the report: three made up around the recorded window.
  const acknowledged = [
    { table: lostA[0], token: lostA[1], ackAt: stoppedAt + 100 },
    { table: lostB[0], token: lostB[1], ackAt: cutAt - 1 },
    { table: 'messages', token: 'acked-before-the-stop', ackAt: stoppedAt - 500 },
    // The first applier stopped 0.056 s after the issue, the last 0.16 s after: between them counts.
    { table: 'messages', token: 'acked-between-the-stops', ackAt: issuedAt + 80 },
  ];
  const m = measureDoubleFault(events, recorded.shardOk, { faultName: 'broken-replication-then-primary-death', injectAt: timings.injectAt, acknowledged, lost: ledger.lost });

  test('the stages as recorded: appliers stopped, what the relay logs held, their purge, the promotion', () => {
    expect(m).toMatchObject({
      victim: 'zone1-0000000200',
      appliersStoppedSeconds: 0.16,
      heldInRelayLog: { 'zone1-0000000201': 74, 'zone1-0000000202': 74 },
      relayLogPurgedSeconds: { 'zone1-0000000201': 0.287, 'zone1-0000000202': 0.526 },
      newPrimary: 'zone1-0000000201',
      failoverSeconds: 3.073,
      lost: 57,
    });
    expect(m.shardDownSeconds).toBeGreaterThan(2.5);
    expect(m.shardDownSeconds).toBeLessThan(3.5);
  });

  test('writes acknowledged in the window are counted, and which of them were lost', () => {
    expect(m.acknowledgedWhileStopped).toBe(3);
    expect(m.lostAcknowledgedWhileStopped).toBe(2);
  });

  test("the lost-writes check fails with its count, which is what a release with the bug is expected to fail with", () => {
    const checks = doubleFaultChecks({ measured: m, ledger: { lost: ledger.lost } as LedgerVerdict });
    const lost = checks.find((c) => c.what === CHECK.lost)!;
    expect(lost).toMatchObject({ pass: false, measured: 57 });
    const control = doubleFault({ vitess: '24.0.3' }).negativeControl!;
    expect(outcomeOf('fail', [describeCheck(lost)], control)).toBe('as-expected');
    expect(outcomeOf('fail', ['the run ended before its verification'], control)).toBe('unexpected');
    expect(doubleFault({ vitess: '24.0.4' }).negativeControl).toBeUndefined();
    // The broken fault: nothing stopped, so the stop's check fails, and that is its expected reason.
    const unstopped = doubleFaultChecks({ measured: { ...m, appliersStoppedSeconds: null, acknowledgedWhileStopped: 0 } }).find((c) => c.what === CHECK.stopped)!;
    expect(outcomeOf('fail', [describeCheck(unstopped)], doubleFault({ vitess: '24.0.4', broken: true }).negativeControl!)).toBe('as-expected');
  });

  test('a run with no ledger reads lost as not measured, never 0', () => {
    const none = measureDoubleFault(events, recorded.shardOk, { faultName: 'broken-replication-then-primary-death', injectAt: timings.injectAt, acknowledged });
    expect(none.lost).toEqual({ notMeasured: 'the ledger was not verified' });
    expect(doubleFaultChecks({ measured: none }).find((c) => c.what === CHECK.lost)!.pass).toBe(false);
  });
});
