// Known Vitess regressions, each a case that fails on the releases that have it (the harness
// caught it) and passes on every other. Titles name no release: a vet matches cases by title.
import { assertOutcome } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { resolveSettings } from '../harness/settings';
import { failedMoveKeepsVSchema, insertAfterSequencedMove, starJoinThroughRoutingRules, topology, unionJoinAcrossKeyspaces } from './regressions';
import { sharedCluster } from './support/shared-cluster';

const release = resolveSettings().vitess.release;

describe('regression catalogue', () => {
  const cluster = sharedCluster(topology);

  test('Vitess issue 19113: a JOIN with a derived UNION across keyspaces plans and answers', async () => {
    const r = await runExperiment(unionJoinAcrossKeyspaces(release), { cluster: cluster() });
    assertOutcome(r); // on an affected release: failed, and on this check
  }, 300_000);

  test('Vitess issue 19986: SELECT a.* in a JOIN across keyspaces reached by routing rules answers', async () => {
    const r = await runExperiment(starJoinThroughRoutingRules(release), { cluster: cluster() });
    assertOutcome(r);
  }, 300_000);

  test('Vitess issue 19225: after an empty auto-increment table is moved into a sharded keyspace with its sequence, inserts get ids', async () => {
    const r = await runExperiment(insertAfterSequencedMove(release), { cluster: cluster() });
    assertOutcome(r);
  }, 300_000);

  test('Vitess issue 19115: a MoveTables that fails after creating its streams leaves the target VSchema as it was', async () => {
    const r = await runExperiment(failedMoveKeepsVSchema(release), { cluster: cluster() });
    assertOutcome(r);
  }, 300_000);
});
