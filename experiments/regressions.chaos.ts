// Known Vitess regressions, each a case that fails on the releases that have it (the harness
// caught it) and passes on every other. Titles name no release: a vet matches cases by title.
import { assertOutcome } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { resolveSettings } from '../harness/settings';
import { starJoinThroughRoutingRules, topology, unionJoinAcrossKeyspaces } from './regressions';
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
});
