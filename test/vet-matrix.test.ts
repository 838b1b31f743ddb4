import { readFileSync } from 'fs';
import { join } from 'path';
import { asExpected, caseFigure, issueOf, matrixCell, matrixReleases, matrixTable, releaseCells } from '../harness/report/vet-matrix';
import type { ExperimentReport } from '../harness/report/run-report';
import type { ExperimentSummary } from '../harness/report/vet';

// Reports recorded on Vitess 23.0.0 (4 Dec 2026), trimmed to their results.
const recorded = (name: string): ExperimentReport => ({ file: name, ...JSON.parse(readFileSync(join(__dirname, 'fixtures/vet-matrix', `23.0.0-${name}.json`), 'utf8')) });
const seq = recorded('regression-19225-sequenced-move');
const move = recorded('regression-19115-failed-move');

const CASE_19225 = { issue: 19225, affected: ['23.0.0'], fixedIn: '23.0.2', fix: 'x' };
const CASE_19986 = { issue: 19986, affected: ['23.0.0', '23.0.2', '23.0.3'], fixedIn: '23.0.5', fix: 'y' };
const CASE_19115 = { issue: 19115, affected: ['22.0.0', '23.0.0'], fixedIn: '23.0.2', fix: 'z' };

const summary = (issue: number, pass: boolean, experiment: string, more: Partial<ExperimentSummary> = {}): ExperimentSummary => ({
  name: `regressions › Vitess issue ${issue}: something`,
  pass,
  reports: [experiment],
  ...more,
});

describe('vet matrix', () => {
  test('releases: every affected and fixed release once, in release order, those that cannot run set apart', () => {
    const { run, skipped } = matrixReleases([CASE_19225, CASE_19986, CASE_19115], (r) => !r.startsWith('22.'), ['24.0.3']);
    expect(run).toEqual(['23.0.0', '23.0.2', '23.0.3', '23.0.5', '24.0.3']);
    expect(skipped).toEqual(['22.0.0']);
  });

  test('a case is found by the issue its test title names', () => {
    expect(issueOf('regressions › Vitess issue 19225: after an empty ...')).toBe(19225);
    expect(issueOf('smoke › 1,000 rows')).toBeUndefined();
  });

  test('the recorded 23.0.0 runs read as caught, with what they measured', () => {
    const cell = matrixCell(CASE_19225, '23.0.0', summary(19225, true, seq.result.experiment), seq);
    expect(cell).toMatchObject({ verdict: 'caught', expected: 'caught' });
    expect(cell.figure).toMatch(/^20 of 20 runs failed: widgets_\d+_\d+_seq is not a sequence$/);
    expect(asExpected(cell)).toBe(true);
    const m = matrixCell(CASE_19115, '23.0.0', summary(19115, true, move.result.experiment), move);
    expect(m.figure).toBe('MoveTables failed (on the time-zone check, as the case makes it); target VSchema changed');
  });

  test('on an affected release, a run that passed is not reproducible; one that failed elsewhere is failed', () => {
    const passed: ExperimentReport = { ...seq, result: { ...seq.result, verdict: 'pass', measured: { outcome: { ok: 20, failed: 0, insertId: 4 } } } };
    const c = matrixCell(CASE_19225, '23.0.0', summary(19225, false, 'x', { reason: 'expected to fail, passed' }), passed);
    expect(c.verdict).toBe('not reproducible');
    expect(c.figure).toMatch(/^20 of 20 runs answered/);
    expect(asExpected(c)).toBe(false);
    expect(matrixCell(CASE_19225, '23.0.0', summary(19225, false, 'x', { reason: 'setup failed' }), seq).verdict).toBe('failed');
  });

  test('on a fixed release a pass is clean and a failure is failed (a regression the catalogue does not expect)', () => {
    expect(matrixCell(CASE_19225, '23.0.2', summary(19225, true, 'x'), undefined)).toMatchObject({ verdict: 'clean', expected: 'clean' });
    const f = matrixCell(CASE_19225, '23.0.2', summary(19225, false, 'x', { reason: 'boom' }), seq);
    expect(f.verdict).toBe('failed');
    expect(asExpected(f)).toBe(false);
  });

  test('a case that never ran is not run, never clean', () => {
    expect(matrixCell(CASE_19225, '23.0.2', undefined, undefined).verdict).toBe('not run');
    expect(matrixCell(CASE_19225, '23.0.2', summary(19225, false, 'x', { notRun: 'cluster never came up' }), undefined)).toMatchObject({ verdict: 'not run', figure: 'cluster never came up' });
  });

  test('a release run gives one cell per case, matched to its report; the table has a row per release', () => {
    const cells = releaseCells([CASE_19225, CASE_19115, CASE_19986], '23.0.0', [summary(19225, true, seq.result.experiment), summary(19115, true, move.result.experiment)], [seq, move]);
    expect(cells.map((c) => c.verdict)).toEqual(['caught', 'caught', 'not run']);
    const table = matrixTable([CASE_19225, CASE_19115, CASE_19986], cells).split('\n');
    expect(table).toHaveLength(3);
    expect(table[2]).toMatch(/^\| 23\.0\.0 \| caught: 20 of 20 runs failed/);
    expect(table[2]).toMatch(/not run \*\*\(unexpected\)\*\*/);
  });

  test('a report with nothing measured has no figure of its own', () => {
    expect(caseFigure(undefined)).toBeUndefined();
    expect(caseFigure({ ...seq, result: { ...seq.result, measured: {} } })).toBeUndefined();
  });
});
