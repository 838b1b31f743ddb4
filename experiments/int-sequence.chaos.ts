// Incident 2026-04-14: a 32-bit key sequence runs out on every shard at once. One cluster:
// the audit, the broken fault (must fail), the exhaustion with its remediation, the audit again.
import { sharedCluster } from './support/shared-cluster';
import { assertAtMost, assertNoWriteLost, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { auditIntegerKeys } from '../harness/observe/integer-audit';
import { ALL_SHARDS_WITHIN_SECONDS, DETECT_WITHIN_SECONDS, intSequence, RECOVER_WITHIN_SECONDS, topology } from './int-sequence';

describe('a 32-bit key sequence runs out on every shard at once (incident 2026-04-14)', () => {
  const cluster = sharedCluster(topology);

  test('the audit flags the INT key fed by a sequence, and only it', async () => {
    const audit = await auditIntegerKeys(cluster());
    expect(audit.filter((a) => a.flagged).map((a) => `${a.keyspace}.${a.table}.${a.column}`)).toEqual(['customer.events.id']);
    expect(audit.find((a) => a.table === 'events')?.reason).toMatch(/int key fed by sequence commerce\.events_seq/);
    expect(audit.filter((a) => !a.flagged).length).toBeGreaterThan(0);
  });

  test('a broken fault (the sequence is not advanced) makes the experiment fail', async () => {
    const r = await runExperiment(intSequence(true), { cluster: cluster() });
    expect(r.verdict).toBe('fail');
    expect(r.problems.join('; ')).toMatch(/no alarm|never fired/);
  }, 300_000);

  test('exhaustion: warned first, all shards fail together, detected, killswitch + Online DDL + lift recover, nothing lost', async () => {
    const r = await runExperiment(intSequence(), { cluster: cluster() });
    assertPassed(r);
    const m = r.measured as {
      firstFailureByShardSeconds: Record<string, number>;
      allShardsFailedWithinSeconds?: number;
      headroomAlarmLeadSeconds: Record<string, number | undefined>;
      detectionAfterFirstFailureSeconds?: number;
      otherEndpointsDuringKillswitch: { succeeded: number; failed: number };
      eventIdsPastIntMax: number;
      clientError?: string;
    };
    expect(Object.keys(m.firstFailureByShardSeconds).sort()).toEqual(['-80', '80-']);
    assertAtMost('spread of the first failed insert across shards', m.allShardsFailedWithinSeconds, ALL_SHARDS_WITHIN_SECONDS);
    expect(m.clientError).toMatch(/out of range/i);
    // Warned before anything failed.
    expect(m.headroomAlarmLeadSeconds['80%']).toBeGreaterThan(0);
    expect(m.headroomAlarmLeadSeconds['95%']).toBeGreaterThan(0);
    assertAtMost('event heartbeat alarm after the first failed insert', m.detectionAfterFirstFailureSeconds, DETECT_WITHIN_SECONDS);
    // The killswitch kept the rest of the app working.
    expect(m.otherEndpointsDuringKillswitch.failed).toBe(0);
    expect(m.otherEndpointsDuringKillswitch.succeeded).toBeGreaterThan(0);
    // Ids went on past 2^31-1 once the column was BIGINT.
    expect(m.eventIdsPastIntMax).toBeGreaterThan(0);
    assertAtMost('time to recover from injection', r.timings.timeToRecoverSeconds, RECOVER_WITHIN_SECONDS);
    assertNoWriteLost(r);
  }, 600_000);

  test('after the migration the audit no longer flags events.id', async () => {
    const events = (await auditIntegerKeys(cluster())).find((a) => a.table === 'events');
    expect(events).toMatchObject({ columnType: 'bigint', flagged: false });
  });
});
