// Every experiment the CLI can run, with the one line `vitess-chaos list` prints. One entry
// per Jest file in this folder; adding an experiment is adding its line here. The harness
// loads this module at run time (harness/cli/catalog.ts defines the entry and checks it).
import type { CatalogEntry } from '../harness/cli/catalog';
import { REGRESSION_CASES } from './regressions';

const entry = (name: string, description: string): CatalogEntry => ({ name, file: `${name}.chaos.ts`, description });

export const CATALOG: readonly CatalogEntry[] = [
  entry('smoke', '1,000 rows through vtgate with sequence ids: read back, on the shard their keyspace id maps to, on every replica'),
  entry('calibration', 'vtgate frozen for exactly 5 s under load: outage measured as 5 ± 0.5 s, heartbeat alarm, recovery, no write lost; a 2 s pause beside it must measure 2 s and fail the 5 s check'),
  entry('empty-vschema', 'empty VSchema applied, dormant then propagated, and the MoveTables bug that wipes it (fails on Vitess 23.0.0)'),
  entry('int-sequence', 'INT key fed by a sequence near 2^31-1: headroom alarms first, all shards fail together, killswitch + Online DDL to BIGINT'),
  entry('failover', 'primary container SIGKILLed, mysqld killed, mysqld OOM-killed by a memory-hungry query; buffering off/on; pools through vtgate heal, a pool pinned to MySQL stays broken'),
  entry('cross-keyspace-join', 'the inbox list switches to a join across keyspaces without an index: heartbeat alarm, automatic rollback, slow queries drained; VEXPLAIN pre-deploy guard'),
  entry('replica-lag', 'a bulk deleter and an ETL reader on one shard whose replicas are CPU-capped: lag and stale reads alarmed, ETL stopped and deleter scaled to zero; the deleter asking the tablet throttler keeps lag low'),
  entry('double-fault', "replicas stop applying on a drifted row, replication is cut, the primary is SIGKILLed (Vitess issue 21092): the ledger counts the acknowledged writes lost before 24.0.4 / 23.0.7; after, no failover until healed"),
  entry('partitioned-primary', "a shard's primary cut off from the cluster by the network while apps still reach it (Vitess issue 15664), beside a container kill: failover time, nothing acknowledged through vtgate lost, what a client wired to the old primary got"),
  entry('network-faults', "the network fault family on a small cluster: a replica's MySQL port cut (replication stops, gRPC still answers), vtgate partitioned from everything, 20 % packet loss; each healed with no rule left"),
  entry('regressions', 'known Vitess regressions as cases a vet catches: a JOIN with a derived UNION across keyspaces (issue 19113, fails on 23.0.0); SELECT a.* across keyspaces through routing rules (issue 19986, fails on 23 before 23.0.4); inserts after an empty auto-increment table is moved with its sequence (issue 19225, 23.0.0); a failed MoveTables wiping the target VSchema (issue 19115, 23.0.0)'),
  entry('attach', "attach mode on the target's own run, seen as a user's cluster (Kubernetes): found by namespace and the operator's labels, reached through port-forwards; a fault refused without --allow-faults and nothing touched; with it, failover's container kill passes the same checks"),
  entry('bring-up-failure', 'a tablet that never gets ready is named in the error, its logs kept, nothing left running'),
  entry('cleanup', 'SIGINT removes the run\'s containers and network; what a SIGKILLed run left is reaped by the next start'),
];

/** The known regressions `vitess-chaos vet-matrix` runs on every release they name (experiments/regressions.ts). */
export const REGRESSIONS = { experiment: 'regressions', cases: REGRESSION_CASES };
