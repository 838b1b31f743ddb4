// Incident 2025-10-17: a cross-keyspace join ships to a hot path. One cluster: a broken deploy
// (must fail), then the deploy with its automatic rollback and the slow queries drained; the
// pre-deploy guard's verdicts are checked in each run.
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { crossKeyspaceJoin, topology } from './cross-keyspace-join';
import { sharedCluster } from './support/shared-cluster';

describe('a cross-keyspace join ships to a hot path (incident 2025-10-17)', () => {
  const cluster = sharedCluster(topology);

  test('a broken deploy (the flag is not flipped) makes the experiment fail', async () => {
    const r = await runExperiment(crossKeyspaceJoin({ broken: true }), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);

  test('deploy, alarm, automatic rollback, slow queries drained: back at baseline, guard rejects the join and passes the plain query, nothing lost', async () => {
    const r = await runExperiment(crossKeyspaceJoin(), { cluster: cluster() });
    assertPassed(r);
    assertNoWriteLost(r);
    // The guard's verdicts are checks of the run (its JSON verdict is this test's outcome).
    assertCheck(r, 'guard: cross-keyspace joins found in the joined query');
    assertCheck(r, 'guard: full scans found in the joined query');
    assertCheck(r, 'guard: findings in the plain query');
  }, 600_000);
});
