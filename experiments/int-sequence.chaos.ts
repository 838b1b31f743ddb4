// Incident 2026-04-14: a 32-bit key sequence runs out on every shard at once. One cluster:
// the audit, the broken and the weak fault (each must fail, for its own reason), the exhaustion with its remediation, the audit again.
import { sharedCluster } from './support/shared-cluster';
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { auditIntegerKeys } from '../harness/observe/integer-audit';
import { CHECK, intSequence, topology } from './int-sequence';

describe('a 32-bit key sequence runs out on every shard at once (incident 2026-04-14)', () => {
  const cluster = sharedCluster(topology);

  test('the audit flags the INT key fed by a sequence, and only it', async () => {
    const audit = await auditIntegerKeys(cluster());
    expect(audit.filter((a) => a.flagged).map((a) => `${a.keyspace}.${a.table}.${a.column}`)).toEqual(['customer.events.id']);
    expect(audit.find((a) => a.table === 'events')?.reason).toMatch(/int key fed by sequence commerce\.events_seq/);
    expect(audit.filter((a) => !a.flagged).length).toBeGreaterThan(0);
  });

  test('a broken fault (the sequence is not advanced) makes the experiment fail', async () => {
    const r = await runExperiment(intSequence('broken'), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 300_000);

  test('a weak fault (the sequence to 70 %, under both headroom alarms) raises no alarm and fails no insert', async () => {
    const r = await runExperiment(intSequence('weak'), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed for want of an alarm
    // The fault took effect (the headroom probe read it), and the thresholds held it for what it was.
    expect(r.events.some((e) => e.kind === 'fault' && e.name.endsWith('first step read by the headroom probe'))).toBe(true);
    expect(r.timings.detectionSeconds).toMatchObject({ 'integer-headroom-80': null, 'integer-headroom-95': null, 'event-heartbeat': null });
    expect(r.measured?.failedEventInserts).toBe(0);
  }, 300_000);

  test('exhaustion: warned first (80 % then 95 %), all shards fail together, detected, killswitch + Online DDL + lift recover, nothing lost', async () => {
    const r = await runExperiment(intSequence(), { cluster: cluster() });
    assertPassed(r);
    for (const what of Object.values(CHECK)) assertCheck(r, what);
    assertNoWriteLost(r);
  }, 600_000);

  test('after the migration the audit no longer flags events.id', async () => {
    const events = (await auditIntegerKeys(cluster())).find((a) => a.table === 'events');
    expect(events).toMatchObject({ columnType: 'bigint', flagged: false });
  });
});
