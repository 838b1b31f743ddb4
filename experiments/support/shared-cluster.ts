// One cluster for all cases of an experiment file: started before the first case, removed
// after the last (and on failure), as Jest's beforeAll/afterAll.
import type { Cluster } from '../../harness/cluster/cluster';
import type { ClusterOptions } from '../../harness/cluster/cluster';
import { startCluster } from '../../harness/cluster/start';
import type { Topology } from '../../harness/cluster/topology';

export function sharedCluster(topology: () => Topology, options: Omit<ClusterOptions, 'topology'> = {}): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster({ ...options, topology: topology() });
  }, 600_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);
  return () => {
    if (!cluster) throw new Error('the shared cluster did not start (see the beforeAll error above)');
    return cluster;
  };
}
