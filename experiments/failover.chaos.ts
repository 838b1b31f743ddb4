// Incident 2023-11-07: a primary dies; VTOrc fails over; app pools must heal by themselves.
// Two clusters: vtgate without buffering (every way to die, and a broken fault that must fail)
// and with buffering (the same container kill, for the error window side by side).
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { BUFFERING_FLAGS, failover, FailoverMeasures, topology } from './failover';
import { describeUnlessAttached, testUnlessAttached } from './support/attached';
import { sharedCluster } from './support/shared-cluster';

const results: Record<string, ExperimentResult<FailoverMeasures>> = {};

describe('a primary dies; VTOrc fails over; pools heal without a restart (incident 2023-11-07), vtgate buffering off', () => {
  const cluster = sharedCluster(topology);

  test('a broken fault (nothing dies) makes the experiment fail', async () => {
    const r = await runExperiment(failover({ how: 'container', buffering: false, broken: true }), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);

  // On an attached cluster only the container kill runs: the oom case's memory cap needs the
  // node's runtime, and the mysqld kill leaves the old primary with errant GTIDs (transactions
  // in its binlog no replica acknowledged) nearly every time, so its rejoin needs its data
  // discarded, which the harness does only on a cluster it started.
  for (const how of ['container', 'mysqld', 'oom'] as const) {
    (how === 'container' ? test : testUnlessAttached)(`primary dies (${how}): reparented, pools heal, other shard untouched, old primary rejoins, nothing lost`, async () => {
      const r = await runExperiment(failover({ how, buffering: false }), { cluster: cluster() });
      results[`${how}-unbuffered`] = r;
      assertPassed(r);
      assertNoWriteLost(r);
      if (how === 'oom') assertCheck(r, 'the memory-hungry query lost its connection (mysqld killed for memory)');
    }, 600_000);
  }
});

// vtgate started with buffering flags: not on a cluster the harness attached to.
describeUnlessAttached('the same container kill with vtgate buffering on', () => {
  const cluster = sharedCluster(topology, { flags: { vtgate: BUFFERING_FLAGS } });

  test('buffering hides most of the failover from clients', async () => {
    const r = await runExperiment(failover({ how: 'container', buffering: true }), { cluster: cluster() });
    results['container-buffered'] = r;
    assertPassed(r);
    assertNoWriteLost(r);
  }, 600_000);

  // Its own test, so running one case alone (-t) never drops the comparison silently: it says what it needs.
  test('comparison (needs the unbuffered and buffered container kills): buffering fails fewer requests', () => {
    const [off, on] = [results['container-unbuffered'], results['container-buffered']];
    if (!off?.measured || !on?.measured) throw new Error('this comparison needs both container-kill runs of this file (buffering off and on): run the whole file');
    expect(on.measured.failedRequests).toBeLessThan(off.measured.failedRequests);
  });
});
