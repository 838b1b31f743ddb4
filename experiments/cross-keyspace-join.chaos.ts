// Incident 2025-10-17: a cross-keyspace join ships to a hot path. One cluster: a broken deploy
// (must fail), then the deploy with its automatic rollback and the slow queries drained; the
// pre-deploy guard's verdicts are checked in each run.
import { assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { crossKeyspaceJoin, topology } from './cross-keyspace-join';
import { sharedCluster } from './support/shared-cluster';

describe('a cross-keyspace join ships to a hot path (incident 2025-10-17)', () => {
  const cluster = sharedCluster(topology);

  test('a broken deploy (the flag is not flipped) makes the experiment fail', async () => {
    const r = await runExperiment(crossKeyspaceJoin({ broken: true }), { cluster: cluster() });
    expect(r.verdict).toBe('fail');
    expect(r.problems.join('; ')).toMatch(/no alarm|never fired/);
  }, 300_000);

  test('deploy, alarm, automatic rollback, slow queries drained: back at baseline, guard rejects the join and passes the plain query, nothing lost', async () => {
    const r = await runExperiment(crossKeyspaceJoin(), { cluster: cluster() });
    assertPassed(r);
    assertNoWriteLost(r);
    const m = r.measured;
    if (!m) throw new Error('the run recorded no measures');
    expect(m.guard.joined.map((f) => f.kind)).toEqual(expect.arrayContaining(['cross-keyspace-join', 'full-scan']));
    expect(m.guard.plain).toEqual([]);
  }, 600_000);
});
