// Known Vitess regressions a pre-upgrade vet must catch: each a small case with its upstream
// issue, the releases it affects and the first that fixed it, checked on a running cluster.
// On an affected release the case is expected to fail on its own check (the harness caught
// the regression); on any other it must pass.
import { SEQUENCE_KEYSPACE } from '../harness/cluster/default-topology';
import { usePool } from '../harness/cluster/pool';
import type { Topology } from '../harness/cluster/topology';
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

/**
 * Vitess issue 19113: a JOIN with a derived table holding a UNION across keyspaces fails to plan
 * with `VT13001: [BUG] could not find the column`. Fixed by PR 19046 (23.0.1; 23.0.1 is not
 * served here, 23.0.2 is): `Union.predicatePerSource` in go/vt/vtgate/planbuilder/operators/
 * union.go no longer rewrites the shared JoinPredicate in place (diffed between v0.23.0 and v0.23.2).
 */
export const UNION_JOIN_19113: RegressionCase = { issue: 19113, affected: ['23.0.0'], fixedIn: '23.0.2', fix: 'PR 19046' };

/** The row both sides of the UNION name, and the one the JOIN must return. */
const ROW_ID = 4242;
const TAGS = 'tags';

/** The default cluster with a small unsharded table beside the sequences, for the UNION's other side. */
export function topology(): Topology {
  const t = withInboxSchema();
  const ks = t.keyspaces.find((k) => k.name === SEQUENCE_KEYSPACE)!;
  ks.schema.push(`CREATE TABLE ${TAGS} (id BIGINT NOT NULL, name VARCHAR(40) NOT NULL, PRIMARY KEY (id))`);
  ks.vschema.tables = { ...ks.vschema.tables, [TAGS]: {} };
  return t;
}

export const CHECK_19113 = 'a JOIN with a derived UNION across keyspaces plans and returns its row (Vitess issue 19113)';

export function unionJoinAcrossKeyspaces(release: string): Experiment<{ outcome?: NewQueryOutcome }> {
  const c = UNION_JOIN_19113;
  const affected = c.affected.includes(release);
  const sql = `SELECT conv.id FROM ${INBOX_KEYSPACE}.conversations AS conv JOIN (
      SELECT id AS pid FROM ${INBOX_KEYSPACE}.conversations WHERE id = ${ROW_ID}
      UNION SELECT id AS pid FROM ${SEQUENCE_KEYSPACE}.${TAGS} WHERE id = ${ROW_ID}) AS i ON conv.id = i.pid`;
  const fault = new NewQueryFault({
    label: 'union-join-19113',
    description: `a deploy adds a query joining ${INBOX_KEYSPACE}.conversations to a derived table whose UNION spans ${INBOX_KEYSPACE} and ${SEQUENCE_KEYSPACE}`,
    sql,
    times: 20,
  });
  return {
    name: 'regression-19113-union-join',
    title: `Regression case: JOIN with a derived UNION across keyspaces (Vitess issue ${c.issue}, fixed in ${c.fixedIn} by ${c.fix})`,
    ...(affected ? { negativeControl: { why: `Vitess ${release} has issue ${c.issue} (affected: ${c.affected.join(', ')}; fixed in ${c.fixedIn})`, failsWith: /Vitess issue 19113\): measured 0/ } } : {}),
    topology,
    // The row the JOIN must find, on both sides of the UNION.
    prepare: async (cluster) => {
      await usePool(cluster.vtgatePool({ connectionLimit: 1 }), async (pool) => {
        await pool.query(`INSERT IGNORE INTO ${INBOX_KEYSPACE}.conversations (id, token, inbox_id, subject) VALUES (?, 'regression-19113', 1, 'regression case')`, [ROW_ID]);
        await pool.query(`INSERT IGNORE INTO ${SEQUENCE_KEYSPACE}.${TAGS} (id, name) VALUES (?, 'regression case')`, [ROW_ID]);
      });
    },
    fault,
    // Nothing pages: the case is the query's own outcome.
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
      const answered = o ? o.failed === 0 && o.ok === 20 && o.rows?.length === 1 && Number(o.rows[0].id) === ROW_ID : undefined;
      return [holds(CHECK_19113, answered, 'the query was never run')];
    },
  };
}
