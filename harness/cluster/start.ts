// Where a cluster is started: the one seam between experiments and the target that runs
// Vitess. Docker is the only target today; callers see a Cluster and never name the target.
import type { Cluster, ClusterOptions } from './cluster';
import { DockerCluster } from './docker/docker-cluster';

export function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  return DockerCluster.start(options);
}
