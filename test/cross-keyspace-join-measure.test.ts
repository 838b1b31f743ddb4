// The cross-keyspace join's figures from a recorded-style timeline: the drain and the count are
// what their steps wrote; a step that wrote nothing leaves its figure not measured.
import { isMeasured } from '../harness/experiment/figure';
import { Timeline } from '../harness/observe/timeline';
import { JoinFacts, joinChecks, measureJoin } from '../experiments/cross-keyspace-join';

const INJECT = 10_000;
const ROLLBACK = 20_000;

function recorded(o: { drained?: boolean; counted?: boolean; p99BackAt?: number } = {}): Timeline {
  const tl = new Timeline(() => 0);
  const backAt = o.p99BackAt ?? 30_000;
  for (let t = 0; t <= 60_000; t += 500) {
    tl.sample('load', 'p99_ms', t >= INJECT + 1000 && t < backAt ? 4000 : 40, undefined, t);
    tl.sample('load', 'ok_per_s', t >= INJECT && t < backAt ? 10 : 100, undefined, t);
    tl.sample('heartbeat', 'writes_per_s', t >= INJECT && t < 25_000 ? 5 : 60, undefined, t);
  }
  tl.event('fault', 'deploy', { stamp: 'issued' }, INJECT);
  tl.event('remediation', 'automatic rollback', {}, ROLLBACK);
  tl.event('note', 'draining slow requests', { inFlight: 7 }, ROLLBACK + 100);
  if (o.drained !== false) tl.event('note', 'slow requests drained', {}, ROLLBACK + 4_000);
  if (o.counted !== false) tl.event('note', 'conversations counted', { n: 1234 }, 58_000);
  return tl;
}

const facts: JoinFacts = {
  timings: { injectAt: INJECT, remediationAt: ROLLBACK, remediationSeconds: 10, recoveredAt: 26_000, detectionSeconds: { 'p99-latency': 8, 'heartbeat-anomaly': 9 } },
  steady: { p99Ms: 40.4, writesPerSec: 60.2, okPerSec: 99.7 },
  sizes: { urlVerdictRows: 200_000, oneScanMs: 60 },
  guard: { plain: [], joined: [{ kind: 'cross-keyspace-join' }, { kind: 'full-scan' }] as never, routes: { plain: [], joined: [] } },
};

describe('measureJoin on a recorded timeline', () => {
  test('each figure from the timeline and the facts; every check passes on a clean run', () => {
    const m = measureJoin(recorded(), facts);
    expect(m).toMatchObject({
      sizes: { urlVerdictRows: 200_000, oneScanMs: 60, conversationsAtEnd: 1234 },
      steady: { p99Ms: 40, writesPerSec: 60, okPerSec: 100 },
      duringFault: { maxP99Ms: 4000, minWritesPerSec: 5, minOkPerSec: 10 },
      latencyRiseFactor: 100,
      rollbackAfterAlarmSeconds: 2,
      inFlightAtRollback: 7,
      drainSeconds: 4,
      p99BackSeconds: 10,
    });
    expect(joinChecks({ measured: m, timings: { ...facts.timings, recoverySeconds: 6 } as never }).filter((c) => !c.pass)).toEqual([]);
  });

  test('a drain that never ended and a count never taken are not measured, and the drain check fails', () => {
    const m = measureJoin(recorded({ drained: false, counted: false }), facts);
    expect(m.drainSeconds).toBeNull();
    expect(isMeasured(m.sizes.conversationsAtEnd)).toBe(false);
    const failed = joinChecks({ measured: m, timings: { ...facts.timings, recoverySeconds: 6 } as never }).filter((c) => !c.pass);
    expect(failed.map((c) => c.what)).toEqual(['slow requests gone after the rollback']);
  });

  test('p99 that never settles after the rollback fails its check', () => {
    const m = measureJoin(recorded({ p99BackAt: 100_000 }), facts);
    expect(m.p99BackSeconds).toBeNull();
    expect(joinChecks({ measured: m, timings: { ...facts.timings, recoverySeconds: 6 } as never }).find((c) => c.what === 'p99 back at baseline after the rollback')?.pass).toBe(false);
  });
});
