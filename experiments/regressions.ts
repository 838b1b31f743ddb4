// Known Vitess regressions a pre-upgrade vet must catch: each a small case with its upstream
// issue, the releases it affects and the first that fixed it, checked on a running cluster.
// On an affected release the case is expected to fail on its own check (the harness caught
// the regression); on any other it must pass.
import type { Cluster } from '../harness/cluster/cluster';
import { SEQUENCE_KEYSPACE } from '../harness/cluster/default-topology';
import { usePool } from '../harness/cluster/pool';
import { waitFor } from '../harness/cluster/readiness';
import type { Topology } from '../harness/cluster/topology';
import { servedVSchema } from '../harness/cluster/vschema';
import { holds } from '../harness/experiment/assertions';
import type { Experiment } from '../harness/experiment/experiment';
import { injectFault } from '../harness/experiment/steps';
import { effectEvent } from '../harness/faults/fault';
import { type NewQueryOutcome, NewQueryFault } from '../harness/faults/new-query';
import { INBOX_KEYSPACE, withInboxSchema } from '../harness/workload/schema';

export interface RegressionCase {
  /** The upstream issue (github.com/vitessio/vitess/issues/N). */
  issue: number;
  /** The releases buildable here that have it (read in their source, not only in the issue). */
  affected: readonly string[];
  /** The first release buildable here with the fix, and what fixed it. */
  fixedIn: string;
  fix: string;
}

/** A regression a new query shows: the query, the row it must answer, and what to set up first. */
interface QueryRegression {
  case: RegressionCase;
  name: string;
  /** What the case checks, without a release (a vet matches by it). */
  what: string;
  description: string;
  sql: string;
  /** Whether the rows are the right answer. */
  answers: (rows: NonNullable<NewQueryOutcome['rows']>) => boolean;
  prepare: (cluster: Cluster) => Promise<void>;
}

/** Runs of the query: every one must answer. */
const RUNS = 20;

/**
 * Vitess issue 19113: a JOIN with a derived table holding a UNION across keyspaces fails to plan
 * with `VT13001: [BUG] could not find the column`. Fixed by PR 19046 (23.0.1; 23.0.1 is not
 * served here, 23.0.2 is): `Union.predicatePerSource` in go/vt/vtgate/planbuilder/operators/
 * union.go no longer rewrites the shared JoinPredicate in place (diffed between v0.23.0 and v0.23.2).
 */
export const UNION_JOIN_19113: RegressionCase = { issue: 19113, affected: ['23.0.0'], fixedIn: '23.0.2', fix: 'PR 19046' };

/**
 * Vitess issue 19986: with two unsharded keyspaces whose VSchemas list no table, reached through
 * routing rules and the schema tracker, `SELECT a.* ... JOIN` across them fails with VT09015
 * (schema tracking required): the routing rule keeps the placeholder table built before the
 * tracker's columns. Fixed on 23 by PR 20014 in 23.0.4 (not served here; 23.0.5 is):
 * RebuildRoutingRules is called from vschema_manager.go in v0.23.5 and not in v0.23.0, v0.23.2 or
 * v0.23.3; 24 had it from its start (PR 19104; v0.24.3 calls it).
 */
export const STAR_JOIN_19986: RegressionCase = { issue: 19986, affected: ['23.0.0', '23.0.2', '23.0.3'], fixedIn: '23.0.5', fix: 'PR 20014' };

/** The row the 19113 JOIN must find, on both sides of its UNION. */
const ROW_ID = 4242;
const TAGS = 'tags';
/** 19986's keyspaces: unsharded, no table in their VSchemas, tables reached by routing rules. */
const KS_A = 'ks_a';
const KS_B = 'ks_b';

/** The default cluster, a small unsharded table beside the sequences, and two bare unsharded keyspaces. */
export function topology(): Topology {
  const t = withInboxSchema();
  const ks = t.keyspaces.find((k) => k.name === SEQUENCE_KEYSPACE)!;
  ks.schema.push(`CREATE TABLE ${TAGS} (id BIGINT NOT NULL, name VARCHAR(40) NOT NULL, PRIMARY KEY (id))`);
  ks.vschema.tables = { ...ks.vschema.tables, [TAGS]: {} };
  // One replica each: vtgate waits at its start (up to 30 s) for a replica in every shard.
  const bare = (name: string, ddl: string) => ({ name, sharded: false, durability: 'none' as const, shards: [{ name: '0', replicas: 1 }], schema: [ddl], vschema: { sharded: false, tables: {} } });
  t.keyspaces.push(
    bare(KS_A, 'CREATE TABLE table_a (id INT NOT NULL, fk INT, name VARCHAR(64), PRIMARY KEY (id))'),
    bare(KS_B, 'CREATE TABLE table_b (id INT NOT NULL, label VARCHAR(64), PRIMARY KEY (id))'),
  );
  return t;
}

export const CHECK = {
  unionJoin: 'a JOIN with a derived UNION across keyspaces plans and returns its row (Vitess issue 19113)',
  starJoin: 'SELECT a.* in a JOIN across keyspaces reached by routing rules returns its row (Vitess issue 19986)',
} as const;

const UNION_JOIN: QueryRegression = {
  case: UNION_JOIN_19113,
  name: 'regression-19113-union-join',
  what: CHECK.unionJoin,
  description: `a deploy adds a query joining ${INBOX_KEYSPACE}.conversations to a derived table whose UNION spans ${INBOX_KEYSPACE} and ${SEQUENCE_KEYSPACE}`,
  sql: `SELECT conv.id FROM ${INBOX_KEYSPACE}.conversations AS conv JOIN (
      SELECT id AS pid FROM ${INBOX_KEYSPACE}.conversations WHERE id = ${ROW_ID}
      UNION SELECT id AS pid FROM ${SEQUENCE_KEYSPACE}.${TAGS} WHERE id = ${ROW_ID}) AS i ON conv.id = i.pid`,
  answers: (rows) => rows.length === 1 && Number(rows[0].id) === ROW_ID,
  prepare: async (cluster) => {
    await usePool(cluster.vtgatePool({ connectionLimit: 1 }), async (pool) => {
      await pool.query(`INSERT IGNORE INTO ${INBOX_KEYSPACE}.conversations (id, token, inbox_id, subject) VALUES (?, 'regression-19113', 1, 'regression case')`, [ROW_ID]);
      await pool.query(`INSERT IGNORE INTO ${SEQUENCE_KEYSPACE}.${TAGS} (id, name) VALUES (?, 'regression case')`, [ROW_ID]);
    });
  },
};

/** Whether vtgate's schema tracker has given a table its columns (vtgate's /debug/vschema). */
async function tracked(cluster: Cluster, keyspace: string, table: string): Promise<boolean> {
  const v = await servedVSchema(cluster);
  return v.keyspaces?.[keyspace]?.tables?.[table]?.column_list_authoritative === true;
}

const STAR_JOIN: QueryRegression = {
  case: STAR_JOIN_19986,
  name: 'regression-19986-star-join',
  what: CHECK.starJoin,
  description: `a deploy adds SELECT a.* joining table_a (${KS_A}) to table_b (${KS_B}), both reached through routing rules, their keyspaces' VSchemas listing no table`,
  sql: 'SELECT a.* FROM table_a AS a JOIN table_b AS b ON a.fk = b.id',
  answers: (rows) => rows.length === 1 && Number(rows[0].id) === 1 && rows[0].name === 'a',
  prepare: async (cluster) => {
    const rules = { rules: [
      { from_table: 'table_a', to_tables: [`${KS_A}.table_a`] },
      { from_table: 'table_b', to_tables: [`${KS_B}.table_b`] },
    ] };
    await cluster.vtctld.run(['ApplyRoutingRules', '--rules', JSON.stringify(rules)]);
    await usePool(cluster.vtgatePool({ connectionLimit: 1 }), async (pool) => {
      await pool.query(`INSERT IGNORE INTO ${KS_A}.table_a (id, fk, name) VALUES (1, 10, 'a')`);
      await pool.query(`INSERT IGNORE INTO ${KS_B}.table_b (id, label) VALUES (10, 'b')`);
    });
    // The issue is about a tracker that has done its work: the case waits for it on both tables.
    await waitFor({
      what: "vtgate's schema tracker to give table_a and table_b their columns",
      timeoutMs: 60_000,
      intervalMs: 500,
      check: async () => {
        const [a, b] = [await tracked(cluster, KS_A, 'table_a'), await tracked(cluster, KS_B, 'table_b')];
        return { ready: a && b, status: `table_a ${a ? 'tracked' : 'not yet'}, table_b ${b ? 'tracked' : 'not yet'}` };
      },
    });
  },
};

function queryRegression(q: QueryRegression, release: string): Experiment<{ outcome?: NewQueryOutcome }> {
  const c = q.case;
  const affected = c.affected.includes(release);
  const fault = new NewQueryFault({ label: q.name.replace(/^regression-/, ''), description: q.description, sql: q.sql, times: RUNS });
  const failsWith = new RegExp(`${q.what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: measured 0`);
  return {
    name: q.name,
    title: `Regression case: ${q.what.replace(/ \(Vitess issue \d+\)$/, '')} (Vitess issue ${c.issue}, fixed in ${c.fixedIn} by ${c.fix})`,
    ...(affected ? { negativeControl: { why: `Vitess ${release} has issue ${c.issue} (affected: ${c.affected.join(', ')}; fixed in ${c.fixedIn})`, failsWith } } : {}),
    topology,
    prepare: q.prepare,
    fault,
    // Nothing pages: the case is the query's own outcome. No detector either: an alarm of the
    // load's own noise gave a vet a "detection slower" to flag (25.1 s against 7.7 s, 4 Dec).
    detectors: () => [],
    primaryDetector: null,
    steps: [injectFault()],
    tailSeconds: 0,
    measure: (ctx, r) => {
      const e = effectEvent(ctx.timeline.events(), fault.name, r.timings.injectAt ?? 0);
      if (!e) return {};
      const { ok, failed, error, rows } = e.data as unknown as NewQueryOutcome;
      return { outcome: { ok, failed, ...(error ? { error } : {}), ...(rows ? { rows } : {}) } };
    },
    checks: (r) => {
      const o = r.measured?.outcome;
      return [holds(q.what, o ? o.failed === 0 && o.ok === RUNS && !!o.rows && q.answers(o.rows) : undefined, 'the query was never run')];
    },
  };
}

export const unionJoinAcrossKeyspaces = (release: string) => queryRegression(UNION_JOIN, release);
export const starJoinThroughRoutingRules = (release: string) => queryRegression(STAR_JOIN, release);
