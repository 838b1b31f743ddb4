// Vitess issue 15664: a primary cut off by the network, read beside a primary that died. One
// cluster: the container kill first (its figures go into the partition's report), then the
// partition, then a broken partition that cuts nothing and must fail.
import { assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { runExperiment } from '../harness/experiment/experiment';
import { failover, FailoverMeasures } from './failover';
import { partitionedPrimary, topology } from './partitioned-primary';
import { sharedCluster } from './support/shared-cluster';

describe('a primary partitioned from the rest of the cluster (Vitess issue 15664), beside a container kill', () => {
  const cluster = sharedCluster(topology);
  let kill: FailoverMeasures | undefined;

  test('the primary container SIGKILLed first: the figures the partition is read beside', async () => {
    const r = await runExperiment(failover({ how: 'container', buffering: false }), { cluster: cluster() });
    kill = r.measured;
    assertPassed(r);
    assertNoWriteLost(r);
  }, 600_000);

  test('the primary cut off (apps still reach it): VTOrc fails over, nothing acknowledged through vtgate is lost, the old primary rejoins as a replica', async () => {
    const r = await runExperiment(partitionedPrimary({ beside: () => kill }), { cluster: cluster() });
    assertPassed(r);
    assertNoWriteLost(r);
  }, 600_000);

  test('a broken fault (a port nobody uses is cut) makes the experiment fail', async () => {
    const r = await runExperiment(partitionedPrimary({ broken: true }), { cluster: cluster() });
    assertOutcome(r); // a negative control: failed, and for its own reason
  }, 600_000);
});
