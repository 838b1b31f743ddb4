// Incident 2025-10-17: a cross-keyspace join ships to a hot path. One cluster: a broken deploy
// (must fail), the deploy with its rollback and the slow queries drained by waiting, the same
// with them killed; the pre-deploy guard's verdicts are checked in each run.
import { assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { crossKeyspaceJoin, JoinMeasures, topology } from './cross-keyspace-join';
import { sharedCluster } from './support/shared-cluster';

describe('a cross-keyspace join ships to a hot path (incident 2025-10-17)', () => {
  const cluster = sharedCluster(topology);

  test('a broken deploy (the flag is not flipped) makes the experiment fail', async () => {
    const r = await runExperiment(crossKeyspaceJoin({ drain: 'wait', broken: true }), { cluster: cluster() });
    expect(r.verdict).toBe('fail');
    expect(r.problems.join('; ')).toMatch(/no alarm|never fired/);
  }, 300_000);

  test.each(['wait', 'kill'] as const)('deploy, alarm, automatic rollback, slow queries %s: back at baseline, guard rejects the join, nothing lost', async (drain) => {
    const r = await runExperiment(crossKeyspaceJoin({ drain }), { cluster: cluster() });
    assertPassed(r);
    assertNoWriteLost(r);
    const m = r.measured as unknown as JoinMeasures;
    expect(m.guard.joined.map((f) => f.kind)).toEqual(expect.arrayContaining(['cross-keyspace-join', 'full-scan']));
    if (drain === 'kill' && (m.inFlightAtRollback ?? 0) > 0) expect(m.killedQueries).toBeGreaterThan(0);
  }, 600_000);
});
