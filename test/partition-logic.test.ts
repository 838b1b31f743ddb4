import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailoverMeasures } from '../experiments/failover';
import { CHECK, measurePartition, NOTES, partitionChecks, type PartitionMeasures, partitionedPrimary, THRESHOLDS } from '../experiments/partitioned-primary';
import { describeCheck } from '../harness/experiment/assertions';
import type { TimelineEvent } from '../harness/observe/timeline';

interface Recorded {
  injectAt: number;
  timings: { detectionSeconds: Record<string, number | null> };
  measured: PartitionMeasures;
  events: TimelineEvent[];
}
const recorded = (name: string): Recorded => JSON.parse(readFileSync(join(__dirname, 'fixtures', 'run-partition', name), 'utf8'));

describe('partitionChecks on a recorded run (24.0.3: the healed old primary was re-provisioned only after 60 s)', () => {
  const run = recorded('rejoin-late.json');
  const checks = partitionChecks({ measured: run.measured, timings: run.timings as never });
  const failed = checks.filter((c) => !c.pass).map(describeCheck);

  test('only the rejoin fails, with its figure', () => {
    expect(failed).toEqual(['old primary replicating again, after the partition healed (re-provisioned when VTOrc had not made it a replica within 30 s): measured 64.616 s, expected at most 60 s']);
  });

  test("the failover's bar is replica_net_timeout plus the margin, on VTOrc's recovery", () => {
    const done = checks.find((c) => c.what === CHECK.recovered);
    expect(done?.limit).toBe(8 + THRESHOLDS.failoverMarginSeconds);
    expect(done?.measured).toBe(15.504);
  });

  test('a run without replica_net_timeout fails that check as not measured, not as 0', () => {
    const m = { ...run.measured, replicaNetTimeoutSeconds: { notMeasured: 'not read' } };
    const done = partitionChecks({ measured: m, timings: run.timings as never }).find((c) => c.what === CHECK.recovered);
    expect(done?.status).toBe('not-measured');
  });
});

describe('measurePartition', () => {
  const run = recorded('rejoin-late.json');
  const failover = { ...run.measured, mainPool: { total: 0, usable: 0 }, rejoin: { restartSeconds: null, replicatingSeconds: null, caughtUpSeconds: null }, sideApps: {} } as unknown as FailoverMeasures;

  test('reads the rejoin, the direct writes and replica_net_timeout from the recorded events', () => {
    const m = measurePartition(run.events, run.injectAt, failover);
    expect(m.replicaNetTimeoutSeconds).toBe(8);
    expect(m.rejoin).toMatchObject({ healedSeconds: 18.068, how: 're-provisioned', replicatingSeconds: 82.684, caughtUpSeconds: 92.736, role: 'replica' });
    // VTOrc's failed fixes of the old primary once it was reachable again (the 9 recorded, all after the heal).
    expect(m.rejoin.vtorcFailedFixes).toBe(9);
    expect(m.direct).toMatchObject({ lookedUpOn: 'zone1-0000000200', afterCut: { acknowledged: 0, missing: 0, unanswered: 2 } });
  });

  test('a run whose direct client never reported reads "not measured", not zeros', () => {
    const m = measurePartition(run.events.filter((e) => e.name !== NOTES.direct), run.injectAt, failover);
    expect(m.direct).toEqual({ notMeasured: expect.stringMatching(/direct client/) });
  });

  test('the container kill is carried beside when given', () => {
    const kill = { ...failover, vtorcNoticedSeconds: 1.1, vtorcRecoveredSeconds: 3.4, newPrimaryServesSeconds: 3.5 };
    expect(measurePartition(run.events, run.injectAt, failover, kill).containerKill).toEqual({ vtorcNoticedSeconds: 1.1, vtorcRecoveredSeconds: 3.4, newPrimaryServesSeconds: 3.5 });
  });
});

describe('the broken partition', () => {
  test('cuts a port nobody uses and expects the reparent check to fail', () => {
    const e = partitionedPrimary({ broken: true });
    expect(e.fault.description).toMatch(/TCP ports 9 only/);
    expect(e.negativeControl?.failsWith.test('VTOrc reparented to another tablet: measured 0, expected exactly 1')).toBe(true);
  });
});
