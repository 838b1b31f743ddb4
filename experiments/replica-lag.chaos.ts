// Incident 2026-01-27: a deletion worker and an ETL reader saturate one shard's replicas. One
// cluster: a broken fault (must fail), the overload with the on-call's remediation, and the
// fix that shipped (the deleter asks the tablet throttler).
import { assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { LagMeasures, replicaLag, THRESHOLDS, topology } from './replica-lag';
import { sharedCluster } from './support/shared-cluster';

const measured = (r: ExperimentResult) => r.measured as unknown as LagMeasures;
let unthrottled: LagMeasures | undefined;

describe('replicas saturated into replication lag (incident 2026-01-27)', () => {
  const cluster = sharedCluster(topology);

  test('a broken fault (nothing starts) makes the experiment fail', async () => {
    const r = await runExperiment(replicaLag({ throttled: false, broken: true }), { cluster: cluster() });
    expect(r.verdict).toBe('fail');
    expect(r.problems.join('; ')).toMatch(/no alarm|never fired/);
    expect(measured(r).maxLagSeconds).toBeLessThan(THRESHOLDS.lagSeconds);
  }, 300_000);

  test('unthrottled: lag and stale reads on one shard only, detected, remediated, writes never fail, nothing lost', async () => {
    const r = await runExperiment(replicaLag({ throttled: false }), { cluster: cluster() });
    unthrottled = measured(r);
    assertPassed(r);
    assertNoWriteLost(r);
    expect(measured(r).maxLagSeconds).toBeGreaterThan(THRESHOLDS.lagSeconds);
    expect(measured(r).staleReads).toBeGreaterThan(0);
  }, 600_000);

  test('throttled: the deleter backs off, lag stays under the threshold, the deletion is slower', async () => {
    const r = await runExperiment(replicaLag({ throttled: true, unthrottled }), { cluster: cluster() });
    assertPassed(r);
    assertNoWriteLost(r);
    expect(measured(r).throttlerRefusals).toBeGreaterThan(0);
    if (unthrottled) expect(measured(r).deletedPerSecond).toBeLessThan(unthrottled.deletedPerSecond);
  }, 600_000);
});
