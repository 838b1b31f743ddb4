// The failover experiment's figures and checks from a recorded-style timeline: what the steps
// wrote (the fault, the rejoin, the pool checks, the redeploy) is all measuring reads, and a
// step that recorded nothing leaves its figure not measured, never healthy.
import { isMeasured } from '../harness/experiment/figure';
import { Timeline } from '../harness/observe/timeline';
import type { FailureDetail } from '../harness/workload/load';
import { FailoverFacts, failoverChecks, measureFailover } from '../experiments/failover';

const INJECT = 10_000;
const RECOVERED = 20_000;
const END = 40_000;
const OLD = 'zone1-0000000200';
const NEW = 'zone1-0000000201';

interface Recording {
  how?: 'container' | 'oom';
  /** When the oom fault's mysqld died (after the query was issued). */
  diedAt?: number;
  pools?: boolean;
  /** Extra latency (ms) of the other shard's probe writes at a time. */
  otherStall?: (t: number) => number;
  /** A VTOrc problem already listed before the fault. */
  problemBefore?: boolean;
  /** When VTOrc counted failed recoveries (its FailedRecoveries counter going up). */
  failedAt?: number[];
}

function recorded(o: Recording = {}): Timeline {
  const how = o.how ?? 'container';
  const name = `primary-${how}`;
  const tl = new Timeline(() => 0);
  for (let t = 0; t <= END; t += 500) {
    const faultDown = t > (o.diedAt ?? INJECT) && t < 14_000;
    tl.sample('shard_write', 'ok', faultDown ? 0 : 1, { shard: '-80' }, t);
    tl.sample('shard_write', 'latency_ms', faultDown ? 2000 : 40, { shard: '-80' }, t);
    tl.sample('shard_write', 'ok', 1, { shard: '80-' }, t);
    tl.sample('shard_write', 'latency_ms', 40 + (o.otherStall?.(t) ?? 0), { shard: '80-' }, t);
    tl.sample('load', 'error_rate', t >= INJECT && t < 16_000 ? 0.3 : 0, undefined, t);
    const labels = { type: 'RecoverDeadPrimary', keyspace: 'customer', shard: '-80' };
    tl.sample('vtorc', 'recoveries_ok', t >= 13_000 ? 1 : 0, labels, t);
    if (o.failedAt) tl.sample('vtorc', 'recoveries_failed', 1 + o.failedAt.filter((f) => f <= t).length, labels, t);
  }
  const problem = { analysis: 'DeadPrimary', tablet: OLD, keyspace: 'customer', shard: '-80' };
  if (o.problemBefore) for (let t = 8_000; t < 12_000; t += 200) tl.sample('vtorc', 'problem', 1, { ...problem, analysis: 'ReplicationStopped' }, t);
  for (let t = 11_000; t < 13_000; t += 200) tl.sample('vtorc', 'problem', 1, problem, t);
  tl.event('fault', name, { tablet: OLD, how, stamp: 'issued' }, INJECT);
  if (how === 'oom') tl.event('fault', `${name}: mysqld killed for memory`, { tablet: OLD, query: 'Lost connection to MySQL server during query', stamp: 'effect observed' }, o.diedAt ?? INJECT + 3000);
  else tl.event('fault', `${name}: container killed`, { tablet: OLD, stamp: 'effect observed' }, INJECT + 50);
  tl.event('recovered', 'heartbeat', {}, RECOVERED);
  tl.event('note', 'rejoin: restarted', { tablet: OLD }, 22_000);
  tl.event('note', 'rejoin: replicating', { tablet: OLD }, 27_000);
  tl.event('note', 'rejoin: caught up', { tablet: OLD, role: 'replica' }, 28_000);
  if (o.pools !== false) {
    tl.event('note', 'pool check: main', { app: 'main', usable: 10, total: 10 }, 30_000);
    tl.event('note', 'pool check: static-direct', { app: 'static-direct', usable: 0, total: 8, ok: 100, failed: 400, errorSample: 'ECONNREFUSED' }, 30_100);
    for (let t = 20_000; t <= 31_000; t += 1000) tl.sample('side_app', 'errors_per_s', 12, { app: 'static-direct' }, t);
  }
  tl.event('note', 'primary after the failover', { tablet: NEW }, 31_000);
  tl.event('note', 'pool check: static-direct, redeployed', { app: 'static-direct, redeployed', usable: 8, total: 8, primary: NEW }, 32_000);
  return tl;
}

const failures: FailureDetail[] = [
  { t: INJECT - 1000, op: 'post_message', code: 'EARLY', message: 'before the fault' },
  { t: INJECT + 500, op: 'post_message', code: 'UNAVAILABLE', message: 'target: customer.-80.primary: no healthy tablet' },
  { t: INJECT + 600, op: 'post_message', code: 'UNAVAILABLE', message: 'target: customer.80-.primary: connection refused' },
];
const facts = (how: 'container' | 'oom' = 'container'): FailoverFacts => ({ faultName: `primary-${how}`, timings: { injectAt: INJECT, recoveredAt: RECOVERED }, errorRateBaseline: 0, failures });

describe('measureFailover on a recorded timeline', () => {
  test('a clean failover: each figure read from what the steps recorded', () => {
    const m = measureFailover(recorded(), facts());
    expect(m).toMatchObject({
      victim: OLD,
      newPrimary: NEW,
      reparented: true,
      vtorcAnalyses: ['DeadPrimary'],
      vtorcRecovery: 'RecoverDeadPrimary',
      vtorcNoticedSeconds: 1,
      vtorcRecoveredSeconds: 3,
      newPrimaryServesSeconds: 4,
      failedRequests: 2,
      mainPool: { usable: 10, total: 10 },
      otherShard: { failedWrites: 0, maxWriteMs: 40, clientErrorsNamingIt: 1 },
      rejoin: { restartSeconds: 12, replicatingSeconds: 17, caughtUpSeconds: 18, role: 'replica' },
      sideApps: { 'static-direct': { usable: 0, total: 8, ok: 100, failed: 400, failedInLast5s: 12, errorSample: 'ECONNREFUSED' } },
      redeployedDirectApp: { usable: 8, total: 8 },
    });
    expect(m.beforeDeath).toBeUndefined();
    const failed = failoverChecks({ measured: m, timings: { detectionSeconds: { 'error-rate': 1 } } as never }).filter((c) => !c.pass);
    // Only the other shard's client error (one vtgate error named it) fails.
    expect(failed.map((c) => c.what)).toEqual(['client errors naming the other shard']);
  });

  test("VTOrc's failed attempts after the fault are listed with when they failed; one counted before it is not", () => {
    const m = measureFailover(recorded({ failedAt: [11_500, 12_500] }), facts());
    expect(m.vtorcFailedRecoveries).toEqual([
      { type: 'RecoverDeadPrimary', seconds: 1.5 },
      { type: 'RecoverDeadPrimary', seconds: 2.5 },
    ]);
    expect(measureFailover(recorded(), facts()).vtorcFailedRecoveries).toEqual([]);
  });

  test('a problem VTOrc listed before the fault is not the fault\'s', () => {
    const m = measureFailover(recorded({ problemBefore: true }), facts());
    expect(m.vtorcAnalyses).toEqual(['DeadPrimary']);
    expect(m.vtorcNoticedSeconds).toBe(1);
  });

  test('no pool check recorded: the main pool is not measured and its check fails', () => {
    const m = measureFailover(recorded({ pools: false }), facts());
    expect(isMeasured(m.mainPool.usable)).toBe(false);
    expect(m.sideApps).toEqual({});
    const c = failoverChecks({ measured: m, timings: { detectionSeconds: {} } as never }).find((x) => x.what === "main app's pooled connections usable");
    expect(c?.pass).toBe(false);
  });

  test('oom: the window opens when mysqld died; a stall while the query ran is reported apart, not judged', () => {
    const stall = (t: number) => (t >= INJECT + 1000 && t <= INJECT + 2000 ? 3000 : 0);
    const m = measureFailover(recorded({ how: 'oom', diedAt: INJECT + 3000, otherStall: stall }), facts('oom'));
    expect(m.beforeDeath).toEqual({ seconds: 3, otherShardMaxWriteMs: 3040, faultShardMaxWriteMs: 40 });
    expect(m.otherShard.maxWriteMs).toBe(40);
    expect(m.oomQuery).toMatch(/Lost connection/);
  });

  test('a stall on the other shard inside the failover window fails its check', () => {
    const m = measureFailover(recorded({ otherStall: (t) => (t === 15_000 ? 1500 : 0) }), facts());
    expect(m.otherShard.maxWriteMs).toBe(1540);
    const c = failoverChecks({ measured: m, timings: { detectionSeconds: {} } as never }).find((x) => x.what === "other shard's slowest write during the failover, beyond the host's own stall");
    expect(c?.pass).toBe(false);
  });
});
