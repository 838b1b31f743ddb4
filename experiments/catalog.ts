// Every experiment the CLI can run, with the one line `vitess-chaos list` prints. One entry
// per Jest file in experiments/; adding an experiment is adding its line here.
export interface CatalogEntry {
  /** What a user types: `vitess-chaos run <name>`. */
  name: string;
  /** The Jest file, relative to the repository root. */
  file: string;
  title: string;
  description: string;
}

const entry = (name: string, title: string, description: string): CatalogEntry => ({ name, file: `experiments/${name}.chaos.ts`, title, description });

export const CATALOG: readonly CatalogEntry[] = [
  entry('smoke', 'Rows land on the right shard and replicate', '1,000 rows through vtgate with sequence ids: read back, on the shard their keyspace id maps to, on every replica'),
  entry('calibration', 'A vtgate pause of known length', 'vtgate frozen for exactly 5 s under load: outage measured as 5 ± 0.5 s, heartbeat alarm, recovery, no write lost'),
  entry('empty-vschema', 'Empty VSchema reaches the routing layer (incident 2026-01-10)', 'empty VSchema applied, dormant then propagated, and the MoveTables bug that wipes it (fails on Vitess 23.0.0)'),
  entry('int-sequence', 'A 32-bit key sequence runs out (incident 2026-04-14)', 'INT key fed by a sequence near 2^31-1: headroom alarms first, all shards fail together, killswitch + Online DDL to BIGINT'),
  entry('failover', 'A primary dies; VTOrc fails over; app pools heal (incident 2023-11-07)', 'primary container SIGKILLed, mysqld killed, mysqld OOM-killed by a memory-hungry query; buffering off/on; pools through vtgate heal, a pool pinned to MySQL stays broken'),
  entry('cross-keyspace-join', 'A cross-keyspace join ships to a hot path (incident 2025-10-17)', 'the inbox list switches to a join across keyspaces without an index: heartbeat alarm, automatic rollback, slow queries drained; VEXPLAIN pre-deploy guard'),
  entry('replica-lag', 'Replicas saturated into replication lag (incident 2026-01-27)', 'a bulk deleter and an ETL reader on one shard whose replicas are CPU-capped: lag and stale reads alarmed, ETL stopped and deleter slowed; the deleter asking the tablet throttler keeps lag low'),
  entry('bring-up-failure', 'A cluster that cannot come up', 'a tablet that never gets ready is named in the error, its logs kept, nothing left running'),
  entry('cleanup', 'Leave nothing behind', 'SIGINT removes the run\'s containers and network; what a SIGKILLed run left is reaped by the next start'),
];

export function findExperiment(name: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.name === name);
}

/** The entries for `names`, or the names no entry matches. */
export function resolveExperiments(names: readonly string[]): { found: CatalogEntry[]; unknown: string[] } {
  const unknown = names.filter((n) => !findExperiment(n));
  const found = [...new Set(names)].map(findExperiment).filter((e): e is CatalogEntry => e !== undefined);
  return { found, unknown };
}
