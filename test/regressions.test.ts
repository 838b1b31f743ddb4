import { CHECK_19113, UNION_JOIN_19113, unionJoinAcrossKeyspaces } from '../experiments/regressions';
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
    expect(c.what).toBe(CHECK_19113);
  });
});
