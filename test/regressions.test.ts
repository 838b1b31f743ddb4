import { CHECK, failedMoveKeepsVSchema, insertAfterSequencedMove, SEQUENCED_MOVE_19225, STAR_JOIN_19986, starJoinThroughRoutingRules, UNION_JOIN_19113, unionJoinAcrossKeyspaces } from '../experiments/regressions';
import { describeCheck } from '../harness/experiment/assertions';

const judge = (release: string, outcome: unknown) => unionJoinAcrossKeyspaces(release).checks!({ measured: { outcome }, timings: { detectionSeconds: {} } } as never);

describe('regression case 19113 (JOIN with a derived UNION across keyspaces)', () => {
  test('expected to fail only on the releases that have it', () => {
    expect(unionJoinAcrossKeyspaces('23.0.0').negativeControl?.why).toMatch(/has issue 19113/);
    for (const r of ['23.0.2', '23.0.3', '24.0.3', '24.0.4']) expect(unionJoinAcrossKeyspaces(r).negativeControl).toBeUndefined();
    expect(UNION_JOIN_19113.affected).toEqual(['23.0.0']);
  });

  test("the planner's error fails the check, and the expectation names that check", () => {
    const [c] = judge('23.0.0', { ok: 0, failed: 20, error: "VT13001: [BUG] could not find the column 'pid' on the UNION" });
    expect(c.pass).toBe(false);
    expect(unionJoinAcrossKeyspaces('23.0.0').negativeControl!.failsWith.test(describeCheck(c))).toBe(true);
  });

  test('every run answering the one row passes; a wrong row or a failed run does not', () => {
    expect(judge('24.0.3', { ok: 20, failed: 0, rows: [{ id: 4242 }] })[0].pass).toBe(true);
    expect(judge('24.0.3', { ok: 20, failed: 0, rows: [{ id: 1 }] })[0].pass).toBe(false);
    expect(judge('24.0.3', { ok: 19, failed: 1, rows: [{ id: 4242 }] })[0].pass).toBe(false);
  });

  test('a case whose query never ran is not measured, never a pass', () => {
    const [c] = judge('24.0.3', undefined);
    expect(c.status).toBe('not-measured');
    expect(c.what).toBe(CHECK.unionJoin);
  });
});

describe('regression case 19986 (SELECT a.* across keyspaces through routing rules)', () => {
  const judge19986 = (release: string, outcome: unknown) => starJoinThroughRoutingRules(release).checks!({ measured: { outcome }, timings: { detectionSeconds: {} } } as never);

  test('expected to fail on the 23 releases before 23.0.4, on its own check', () => {
    expect(STAR_JOIN_19986.affected).toEqual(['23.0.0', '23.0.2', '23.0.3']);
    const [c] = judge19986('23.0.3', { ok: 0, failed: 20, error: 'VT09015: schema tracking required' });
    expect(starJoinThroughRoutingRules('23.0.3').negativeControl!.failsWith.test(describeCheck(c))).toBe(true);
    // The other case's failure is not this one's.
    expect(starJoinThroughRoutingRules('23.0.3').negativeControl!.failsWith.test(describeCheck(judge('23.0.0', { ok: 0, failed: 20 })[0]))).toBe(false);
    for (const r of ['23.0.5', '24.0.3']) expect(starJoinThroughRoutingRules(r).negativeControl).toBeUndefined();
  });

  test('the row with all of table_a\'s columns passes', () => {
    expect(judge19986('24.0.3', { ok: 20, failed: 0, rows: [{ id: 1, fk: 10, name: 'a' }] })[0].pass).toBe(true);
    expect(judge19986('24.0.3', { ok: 20, failed: 0, rows: [] })[0].pass).toBe(false);
  });

  test('titles name no release (a vet matches by title)', () => {
    expect(starJoinThroughRoutingRules('23.0.3').title).toBe(starJoinThroughRoutingRules('24.0.3').title);
    expect(unionJoinAcrossKeyspaces('23.0.0').title).toBe(unionJoinAcrossKeyspaces('24.0.3').title);
  });
});

describe('regression case 19225 (inserts after an empty auto-increment table is moved with its sequence)', () => {
  const judge19225 = (release: string, outcome: unknown) => insertAfterSequencedMove(release).checks!({ measured: { outcome }, timings: { detectionSeconds: {} } } as never);

  test('expected to fail on 23.0.0 only, on its own check', () => {
    expect(SEQUENCED_MOVE_19225.affected).toEqual(['23.0.0']);
    const [c] = judge19225('23.0.0', { ok: 0, failed: 20, error: 'widgets_1_1_seq is not a sequence' });
    expect(c.pass).toBe(false);
    expect(insertAfterSequencedMove('23.0.0').negativeControl!.failsWith.test(describeCheck(c))).toBe(true);
    for (const r of ['23.0.2', '24.0.3']) expect(insertAfterSequencedMove(r).negativeControl).toBeUndefined();
  });

  test('every insert given an id passes; an insert with no generated id does not', () => {
    expect(judge19225('24.0.3', { ok: 20, failed: 0, insertId: 20 })[0].pass).toBe(true);
    expect(judge19225('24.0.3', { ok: 20, failed: 0, insertId: 0 })[0].pass).toBe(false);
    expect(judge19225('24.0.3', { ok: 20, failed: 0 })[0].pass).toBe(false);
  });

  test('each build of the case moves a table of its own (a cluster may run it twice)', () => {
    const sql = () => (insertAfterSequencedMove('24.0.3').fault as unknown as { o: { sql: string } }).o.sql;
    expect(sql()).not.toBe(sql());
  });
});

describe('regression case 19115 (a failed MoveTables keeps the target VSchema)', () => {
  const judge19115 = (release: string, fault: { error?: string; changed: boolean }) => {
    const x = failedMoveKeepsVSchema(release);
    Object.assign(x.fault, { error: fault.error, changed: () => fault.changed });
    return x;
  };

  test('a VSchema changed by a MoveTables that failed on the time zone fails the case, as expected on 23.0.0', () => {
    const x = judge19115('23.0.0', { error: 'unable to perform time_zone conversions', changed: true });
    const [c] = x.checks!({} as never);
    expect(c.pass).toBe(false);
    expect(x.negativeControl!.failsWith.test(describeCheck(c))).toBe(true);
    expect(judge19115('24.0.3', { error: 'unable to perform time_zone conversions', changed: false }).checks!({} as never)[0].pass).toBe(true);
  });

  test('a MoveTables that did not fail, or failed on something else, measures nothing', () => {
    expect(judge19115('24.0.3', { changed: false }).checks!({} as never)[0].status).toBe('not-measured');
    const other = judge19115('24.0.3', { error: 'table not found', changed: false }).checks!({} as never)[0];
    expect(other.status).toBe('not-measured');
    expect(describeCheck(other)).toMatch(/not on the time-zone check/);
  });
});
