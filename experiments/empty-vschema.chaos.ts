// Incident 2026-01-10: an empty VSchema reaches the routing layer. Cases 1 and 2 run on one
// cluster, one after the other, each under load with its ledger verified.
import { sharedCluster } from './support/shared-cluster';
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { CHECK, direct, latent, moveTablesProblems, realBug, topology } from './empty-vschema';

// Every threshold is one of the run's checks (in its JSON and HTML report too); the tests
// assert the run's verdict and name the checks that carry each case's story.
describe('empty VSchema reaches the routing layer (incident 2026-01-10)', () => {
  const cluster = sharedCluster(topology);

  test('case 1, direct: clients fail, the guard detects and restores the snapshot, nothing is lost', async () => {
    const r = await runExperiment(direct(), { cluster: cluster() });
    assertPassed(r);
    assertCheck(r, CHECK.clientsFailed);
    assertCheck(r, CHECK.detection);
    assertCheck(r, CHECK.recovery);
    assertNoWriteLost(r); // includes: no row on a shard its keyspace id does not map to
  }, 300_000);

  test('a broken fault (it injects nothing) makes the experiment fail', async () => {
    const r = await runExperiment(direct(true), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);

  test('case 2, latent without the guard acting: the dormant VSchema propagates and the outage happens', async () => {
    const r = await runExperiment(latent(false), { cluster: cluster() });
    assertPassed(r);
    assertCheck(r, CHECK.leadTime);
    assertCheck(r, CHECK.outageAfterPropagation);
    assertCheck(r, CHECK.recovery);
    assertNoWriteLost(r);
  }, 300_000);

  test('case 2, latent with the guard restoring on drift: the propagation finds the good VSchema, no outage', async () => {
    const r = await runExperiment(latent(true), { cluster: cluster() });
    assertPassed(r);
    assertCheck(r, CHECK.leadTime);
    assertCheck(r, CHECK.restoredFirst);
    assertCheck(r, CHECK.noOutageAlarm);
    assertCheck(r, CHECK.noOutage);
    assertNoWriteLost(r);
  }, 300_000);

  test('case 3, the real bug: a MoveTables into the sharded keyspace fails after creating its streams; the target VSchema survives', async () => {
    const { experiment, fault } = realBug();
    const r = await runExperiment(experiment, { cluster: cluster() });
    expect(moveTablesProblems(fault)).toEqual([]);
    assertPassed(r);
    assertNoWriteLost(r);
  }, 300_000);

  test('case 3 with a broken fault (the MoveTables does not fail) is reported as a failure', async () => {
    const { experiment, fault } = realBug(true);
    const r = await runExperiment(experiment, { cluster: cluster() });
    expect(moveTablesProblems(fault)).toEqual(['MoveTables create did not fail: the fault injected nothing']);
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);
});
