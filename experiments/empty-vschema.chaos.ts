// Incident 2026-01-10: an empty VSchema reaches the routing layer. Cases 1 and 2 run on one
// cluster, one after the other, each under load with its ledger verified.
import { sharedCluster } from './support/shared-cluster';
import { assertAtMost, assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { DETECT_WITHIN_SECONDS, direct, latent, moveTablesProblems, realBug, RECOVER_WITHIN_SECONDS, topology } from './empty-vschema';

function eventTime(r: ExperimentResult, kind: string, name: string): number | undefined {
  return r.events.find((e) => e.kind === kind && e.name === name)?.t;
}

function firstDetection(r: ExperimentResult): number | undefined {
  const ts = Object.values(r.timings.detectionSeconds).filter((x): x is number => x !== null);
  return ts.length ? Math.min(...ts) : undefined;
}

describe('empty VSchema reaches the routing layer (incident 2026-01-10)', () => {
  const cluster = sharedCluster(topology);

  test('case 1, direct: clients fail, the guard detects and restores the snapshot, nothing is lost', async () => {
    const r = await runExperiment(direct(), { cluster: cluster() });
    assertPassed(r);
    // What clients saw: errors from vtgate while the keyspace had no routes.
    expect(Object.values(r.clientErrors?.byCode ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    assertAtMost('first detection (VSchema drift or heartbeat) after injection', firstDetection(r), DETECT_WITHIN_SECONDS);
    assertAtMost('recovery after the snapshot was re-applied', r.timings.recoverySeconds, RECOVER_WITHIN_SECONDS);
    assertNoWriteLost(r); // includes: no row on a shard its keyspace id does not map to
  }, 300_000);

  test('a broken fault (it injects nothing) makes the experiment fail', async () => {
    const r = await runExperiment(direct(true), { cluster: cluster() });
    expect(r.verdict).toBe('fail');
    expect(r.problems.join('; ')).toMatch(/never fired|no alarm/);
  }, 300_000);

  test('case 2, latent without the guard acting: the dormant VSchema propagates and the outage happens', async () => {
    const r = await runExperiment(latent(false), { cluster: cluster() });
    assertPassed(r);
    const drift = eventTime(r, 'alarm', 'vschema-drift');
    const propagated = eventTime(r, 'fault', 'vschema-propagated');
    const outage = eventTime(r, 'alarm', 'heartbeat-anomaly');
    expect(drift).toBeDefined();
    expect(propagated).toBeDefined();
    // Detected while still dormant: lead time > 0 ...
    expect(propagated! - drift!).toBeGreaterThan(0);
    // ... but nobody acted, so the propagation took the routes down.
    expect(outage).toBeGreaterThan(propagated!);
    assertAtMost('recovery after the snapshot was re-applied', r.timings.recoverySeconds, RECOVER_WITHIN_SECONDS);
    assertNoWriteLost(r);
  }, 300_000);

  test('case 2, latent with the guard restoring on drift: the propagation finds the good VSchema, no outage', async () => {
    const r = await runExperiment(latent(true), { cluster: cluster() });
    assertPassed(r);
    const drift = eventTime(r, 'alarm', 'vschema-drift');
    const restored = eventTime(r, 'remediation', 'vschema snapshot re-applied');
    const propagated = eventTime(r, 'fault', 'vschema-propagated');
    expect(drift).toBeDefined();
    expect(propagated).toBeDefined();
    expect(propagated! - drift!).toBeGreaterThan(0);
    expect(restored).toBeLessThan(propagated!);
    expect(r.timings.detectionSeconds['heartbeat-anomaly']).toBeNull();
    assertAtMost('longest stretch without a successful request after injection', r.timings.outageSeconds, 1);
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
    expect(r.verdict).toBe('fail');
  }, 300_000);
});
