// Vitess issue 21092: the replicas stop applying, replication is cut, the primary dies. Each
// run has a cluster of its own (the fault leaves the shard rebuilt). On a release with the bug
// the run must fail on the ledger's count of lost writes: the harness caught the loss.
import { assertCheck, assertNoWriteLost, assertOutcome } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { resolveSettings } from '../harness/settings';
import { CHECK, doubleFault, losesWritesOn } from './double-fault';

const vitess = resolveSettings().vitess.release;
const loses = losesWritesOn(vitess);

// Titles name no release: a vet matches cases across releases by title.
describe('broken replication, then the primary dies (Vitess issue 21092)', () => {
  // With the bug: the failover promotes a replica without the writes, and the ledger counts them
  // lost. Fixed: nothing is lost (no replica can be promoted until the run heals the shard).
  test('the appliers stop, semi-sync acknowledges on, the primary is killed: the ledger counts what was lost', async () => {
    const r = await runExperiment(doubleFault({ vitess }));
    assertOutcome(r); // with the bug: failed, and on the ledger's count
    assertCheck(r, CHECK.stopped);
    assertCheck(r, CHECK.atRisk);
    if (loses) expect(r.ledger?.lost.length ?? 0).toBeGreaterThan(0);
    else assertNoWriteLost(r);
  }, 900_000);

  test('a broken fault (the row does not drift, nothing stops; the cut and the kill lose nothing) makes the experiment fail', async () => {
    const r = await runExperiment(doubleFault({ vitess, broken: true }));
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 600_000);
});
