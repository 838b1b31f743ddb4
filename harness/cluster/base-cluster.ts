// What every Cluster implementation shares, started or attached to: the vtgate pools it hands
// out (closed with it), finding a tablet by alias, and a shard's primary as the topology has it.
import type { Pool, PoolOptions } from 'mysql2/promise';
import type { Cluster, TabletHandle, VtctldClient } from './cluster';
import { vtgatePoolAt } from './pool';
import { primaryAlias } from './vtctld-client';

export abstract class BaseCluster {
  abstract readonly runId: string;
  abstract readonly vtgate: Cluster['vtgate'];
  abstract readonly vtctld: VtctldClient;
  abstract readonly tablets: TabletHandle[];
  private readonly pools: Pool[] = [];

  /** Where the tablets are, for errors ("run <id>", "namespace <ns>"). */
  protected get scope(): string {
    return `run ${this.runId}`;
  }

  /** A mysql2 pool to vtgate; closed with the cluster. */
  vtgatePool(options: Partial<PoolOptions> = {}): Pool {
    const pool = vtgatePoolAt(this.vtgate, options);
    this.pools.push(pool);
    return pool;
  }

  tablet(alias: string): TabletHandle {
    const t = this.tablets.find((x) => x.alias === alias);
    if (!t) throw new Error(`no tablet ${alias} in ${this.scope}; tablets: ${this.tablets.map((x) => x.alias).join(', ')}`);
    return t;
  }

  async primaryOf(keyspace: string, shard: string): Promise<TabletHandle> {
    return this.tablet(await primaryAlias(this.vtctld, keyspace, shard));
  }

  protected async closePools(): Promise<void> {
    await Promise.all(this.pools.splice(0).map((p) => p.end().catch(() => undefined)));
  }
}
