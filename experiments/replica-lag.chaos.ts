// Incident 2026-01-27: a deletion worker and an ETL reader saturate one shard's replicas. One
// cluster: a broken fault (must fail), the overload with the on-call's remediation, and the
// fix that shipped (the deleter asks the tablet throttler). Every threshold is a check in the
// run's result; Jest asserts the verdict and names the checks it cares most about.
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { isMeasured } from '../harness/experiment/figure';
import { LagMeasures, replicaLag, topology } from './replica-lag';
import { sharedCluster } from './support/shared-cluster';

const results: { unthrottled?: ExperimentResult<LagMeasures>; throttled?: ExperimentResult<LagMeasures> } = {};

describe('replicas saturated into replication lag (incident 2026-01-27)', () => {
  const cluster = sharedCluster(topology);

  test('a broken fault (nothing starts) makes the experiment fail', async () => {
    const r = await runExperiment(replicaLag({ throttled: false, broken: true }), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);

  test('unthrottled: lag and stale reads on one shard only, detected, remediated, writes never fail, nothing lost', async () => {
    const r = (results.unthrottled = await runExperiment(replicaLag({ throttled: false }), { cluster: cluster() }));
    assertPassed(r);
    assertCheck(r, 'replica lag under the overload');
    assertCheck(r, "untouched shard's replica lag, held for 2 s");
    assertCheck(r, 'lag back under 1 s after the remediation');
    assertNoWriteLost(r);
    assertCheck(r, 'stale reads under the overload');
  }, 600_000);

  test('throttled: the deleter backs off, lag stays under the threshold, the whole deletion finishes', async () => {
    const r = (results.throttled = await runExperiment(replicaLag({ throttled: true }), { cluster: cluster() }));
    assertPassed(r);
    assertCheck(r, 'replica lag with the throttled deleter alone (after the ETL sync job ended)');
    assertCheck(r, 'rows the throttled deleter deleted');
    assertCheck(r, 'throttler refusals');
    assertNoWriteLost(r);
    // Steady state, up to 420 s of deletion (the run's budget), recovery and verification.
  }, 900_000);

  // Its own test, so running one variant alone (-t) never drops it silently: it says what it needs.
  test('comparison (needs the unthrottled and throttled runs): the throttled deletion is slower', () => {
    const { unthrottled, throttled } = results;
    if (!unthrottled || !throttled) throw new Error('this comparison needs both the unthrottled and the throttled run of this file: run the whole file');
    const [u, t] = [unthrottled.measured?.deletedPerSecond, throttled.measured?.deletedPerSecond];
    if (!isMeasured(u) || !isMeasured(t)) throw new Error(`deletion rate not measured (unthrottled ${JSON.stringify(u)}, throttled ${JSON.stringify(t)})`);
    expect(t).toBeLessThan(u);
  });
});
