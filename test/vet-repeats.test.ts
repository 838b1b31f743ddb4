// Vet with repeated runs: flaky is neither a regression nor a fix, and a timing flags only
// when the candidate's runs are clear of the baseline's spread.
import type { Check } from '../harness/experiment/assertions';
import { compareVet, ExperimentSummary } from '../harness/report/vet';
import { foldRepeats, typical } from '../harness/report/vet-repeats';
import { vetTable } from '../harness/report/vet-render';
import type { NamedCheck } from '../harness/report/vet-checks';

const run = (name: string, pass: boolean, recoverySeconds?: number | null, more: Partial<ExperimentSummary> = {}): ExperimentSummary => ({
  name,
  pass,
  detectionSeconds: 1,
  ...(recoverySeconds !== undefined ? { recoverySeconds } : {}),
  ...(pass ? {} : { reason: 'a check failed' }),
  ...more,
});
const check = (name: string, pass: boolean, measured: number | null = pass ? 0 : 3): NamedCheck => {
  const c: Check = { what: name, measured, limit: 0, unit: 'writes', comparison: 'equals', pass, status: measured === null ? 'not-measured' : pass ? 'pass' : 'fail' };
  return { ...c, name };
};

describe('folding the runs of a case', () => {
  test('three passing runs: pass 3/3, timings kept per run, the median shown', () => {
    const [f] = foldRepeats([run('a', true, 0.74), run('a', true, 6.92), run('a', true, 3)]);
    expect(f).toMatchObject({ name: 'a', pass: true, recoverySeconds: 3, repeats: { runs: 3, passed: 3, recovery: [0.74, 6.92, 3] } });
  });
  test('a run that did not run is left out of the count; all not run stays not run', () => {
    const [f] = foldRepeats([run('a', true, 1), run('a', false, undefined, { notRun: 'cluster never came up' })]);
    expect(f.repeats).toMatchObject({ runs: 1, passed: 1, notRun: 1 });
    const [g] = foldRepeats([run('b', false, undefined, { notRun: 'x' }), run('b', false, undefined, { notRun: 'x' })]);
    expect(g.notRun).toBe('x (all 2 runs)');
  });
  test('typical: the median of measured runs, null when none measured', () => {
    expect(typical([3, null, 1])).toBe(2);
    expect(typical([null, null])).toBeNull();
  });
});

describe('compareVet over repeats', () => {
  test('passing on some candidate runs only is flaky: not flagged, counted, said', () => {
    const v = compareVet([run('a', true, 1), run('a', true, 1), run('a', true, 1)], [run('a', true, 1), run('a', false, 1), run('a', true, 1)]);
    expect(v.rows[0].verdict).toBe('flaky');
    expect(v.rows[0].reasons[0]).toMatch(/flaky on the candidate: passed 2 of 3 runs/);
    expect(v.verdict).toBe('clean');
    expect(v.counts.flaky).toBe(1);
    expect(vetTable(v)).toMatch(/flaky 2\/3/);
  });

  test("the baseline's own flake is not a fix on the candidate", () => {
    const v = compareVet([run('a', true, 1), run('a', false, 1)], [run('a', true, 1), run('a', true, 1)]);
    expect(v.rows[0].verdict).toBe('flaky');
  });

  test("a slower run inside the baseline's spread is not flagged (24.0.3's recoveries of 6.94 and 64.9 s against 48.4 s)", () => {
    const v = compareVet([run('c3', true, 6.94), run('c3', true, 64.9), run('c3', true, 7.5)], [run('c3', true, 48.4), run('c3', true, 7), run('c3', true, 6.5)]);
    expect(v.rows[0].recovery).toMatchObject({ slower: false, baselineRuns: [6.94, 64.9, 7.5], candidateRuns: [48.4, 7, 6.5] });
    expect(v.verdict).toBe('clean');
  });

  test("every candidate run beyond the baseline's slowest plus the allowance is flagged; one inside is not", () => {
    const base = [run('a', true, 1), run('a', true, 1.2), run('a', true, 1.1)];
    const slow = compareVet(base, [run('a', true, 5), run('a', true, 6), run('a', true, 7)]);
    expect(slow.rows[0].recovery).toMatchObject({ slower: true, allowed: 3.2 });
    expect(slow.verdict).toBe('flagged');
    expect(compareVet(base, [run('a', true, 5), run('a', true, 2), run('a', true, 7)]).rows[0].recovery.slower).toBe(false);
  });

  test('never on every candidate run is slower; never on some with the others inside is not', () => {
    const base = [run('a', true, 1), run('a', true, 1)];
    expect(compareVet(base, [run('a', true, null), run('a', true, null)]).rows[0].recovery.slower).toBe(true);
    expect(compareVet(base, [run('a', true, null), run('a', true, 1.5)]).rows[0].recovery.slower).toBe(false);
  });

  test('a case expected to fail (negative control, known bug) is not compared on timings', () => {
    const v = compareVet([run('ctl', true, 0.12, { expectedToFail: true })], [run('ctl', true, 6.35, { expectedToFail: true })]);
    expect(v.rows[0].verdict).toBe('ok');
    expect(v.verdict).toBe('clean');
  });

  test('a check failing on every candidate run and passing on every baseline run is a regression with its figure', () => {
    const b = [1, 2, 3].map(() => run('df', true, undefined, { checks: [check('acknowledged writes lost (ledger)', true)] }));
    const c = [1, 2, 3].map(() => run('df', true, undefined, { checks: [check('acknowledged writes lost (ledger)', false, 37)] }));
    const v = compareVet(b, c);
    expect(v.verdict).toBe('flagged');
    expect(v.rows[0].checks[0]).toMatchObject({ verdict: 'regression', candidate: { measured: 37, repeats: { runs: 3, passed: 0 } } });
    expect(v.rows[0].reasons.join(' ')).toMatch(/acknowledged writes lost \(ledger\)" passes on the baseline .* fails on the candidate \(measured 37 writes/);
  });

  test('a check passing on some runs of a side is flaky, not a regression', () => {
    const b = [1, 2, 3].map(() => run('x', true, undefined, { checks: [check('k', true)] }));
    const c = [true, false, true].map((p) => run('x', true, undefined, { checks: [check('k', p)] }));
    const v = compareVet(b, c);
    expect(v.rows[0].checks[0]).toMatchObject({ verdict: 'flaky', reason: 'passes 2 of 3 runs on the candidate' });
    expect(v.rows[0].verdict).toBe('flaky');
    expect(v.verdict).toBe('clean');
  });
});
