// The vet comparison: what flags a candidate, and what does not.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JestCase } from '../harness/report/cases';
import { readRun } from '../harness/report/run-report';
import { compareVet, ExperimentSummary, summarize, vetTable, writeVetReport } from '../harness/report/vet';

const s = (name: string, pass: boolean, detectionSeconds?: number | null, recoverySeconds?: number | null, reason?: string): ExperimentSummary => ({
  name,
  pass,
  ...(detectionSeconds !== undefined ? { detectionSeconds } : {}),
  ...(recoverySeconds !== undefined ? { recoverySeconds } : {}),
  ...(reason ? { reason } : {}),
});

describe('compareVet', () => {
  test('failing where the baseline passed is a regression, and flags the candidate', () => {
    const v = compareVet([s('movetables', true, null, 0.07)], [s('movetables', false, null, 0.01, 'the failed MoveTables changed the stored VSchema of customer')]);
    expect(v.verdict).toBe('flagged');
    expect(v.rows[0].verdict).toBe('regression');
    expect(v.rows[0].reasons[0]).toMatch(/fails on the candidate where the baseline passed: the failed MoveTables changed/);
  });

  test('both passing within the tolerance is clean', () => {
    const v = compareVet([s('direct', true, 0.47, 1.2)], [s('direct', true, 0.57, 2.9)]);
    expect(v.verdict).toBe('clean');
    expect(v.rows[0]).toMatchObject({ verdict: 'ok', detection: { delta: 0.1, slower: false }, recovery: { delta: 1.7, slower: false } });
  });

  test('slower beyond the tolerance is a regression: max(50 % of the baseline, 2 s)', () => {
    // 10 s baseline: 50 % (5 s) is the larger allowance.
    expect(compareVet([s('int', true, 0.8, 10)], [s('int', true, 0.8, 14.9)]).verdict).toBe('clean');
    const slow = compareVet([s('int', true, 0.8, 10)], [s('int', true, 0.8, 15.5)]);
    expect(slow.verdict).toBe('flagged');
    expect(slow.rows[0].reasons[0]).toBe('recovery slower: 15.50 s against 10.00 s (allowed up to 15.00 s)');
    // 0.5 s baseline: the 2 s slack is the larger allowance.
    expect(compareVet([s('d', true, 0.5, 1)], [s('d', true, 2.4, 1)]).verdict).toBe('clean');
    expect(compareVet([s('d', true, 0.5, 1)], [s('d', true, 2.6, 1)]).rows[0].detection.slower).toBe(true);
  });

  test('the tolerance and slack are options', () => {
    expect(compareVet([s('d', true, 0.5, 1)], [s('d', true, 2.6, 1)], { slackSeconds: 5 }).verdict).toBe('clean');
    expect(compareVet([s('d', true, 10, 1)], [s('d', true, 11, 1)], { tolerance: 0.05, slackSeconds: 0 }).verdict).toBe('flagged');
  });

  test('detected on the baseline but never on the candidate is a regression', () => {
    const v = compareVet([s('direct', true, 0.47, 1.2)], [s('direct', true, null, 1.2)]);
    expect(v.rows[0].verdict).toBe('regression');
    expect(v.rows[0].reasons[0]).toMatch(/detection: 0.47 s on the baseline, never on the candidate/);
  });

  test('failing on both is reported, not a regression', () => {
    const v = compareVet([s('flaky', false, null, null, 'cluster never ready')], [s('flaky', false, null, null, 'cluster never ready')]);
    expect(v.verdict).toBe('clean');
    expect(v.rows[0].verdict).toBe('both-fail');
    expect(v.rows[0].reasons[0]).toMatch(/fails on both/);
    expect(vetTable(v)).toMatch(/flaky: fails on both/);
  });

  test('a candidate that fixes a failure is not flagged; one that skips a passing experiment is', () => {
    expect(compareVet([s('a', false)], [s('a', true)]).rows[0].verdict).toBe('fixed');
    const v = compareVet([s('a', true), s('b', true)], [s('a', true)]);
    expect(v.verdict).toBe('flagged');
    expect(v.rows[1]).toMatchObject({ name: 'b', verdict: 'regression' });
    expect(compareVet([s('a', true)], [s('a', true), s('new', true)]).rows[1].verdict).toBe('new');
  });

  test('vet.json and a self-contained vet.html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-vet-'));
    try {
      const v = compareVet([s('movetables', true, null, 0.07)], [s('movetables', false, null, 0.01, 'VSchema wiped')], {}, { baseline: '24.0.3', candidate: '23.0.0', baselineRunDirs: [join(dir, '..', 'r1')] });
      const files = await writeVetReport(dir, v);
      expect(JSON.parse(readFileSync(files.json, 'utf8'))).toMatchObject({ verdict: 'flagged', baseline: { version: '24.0.3' }, candidate: { version: '23.0.0' } });
      const html = readFileSync(files.html, 'utf8');
      expect(html).toContain('vitess-chaos vet: 23.0.0 against 24.0.3');
      expect(html).toContain('href="../r1/report.html"');
      expect(html).not.toMatch(/<script|https?:\/\//i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('summaries from a run', () => {
  const jestCase = (title: string, status: string, startAt: number, duration: number, failure?: string): JestCase => ({
    file: 'experiments/empty-vschema.chaos.ts',
    ancestorTitles: ['empty VSchema reaches the routing layer'],
    title,
    fullName: title,
    status,
    startAt,
    duration,
    failureMessages: failure ? [failure] : [],
  });

  test("pass is the Jest case's outcome; timings come from the report the case wrote", async () => {
    const run = await readRun(join(__dirname, 'fixtures', 'run-empty-vschema'));
    const [direct, moveTables] = run.experiments.map((e) => Date.parse(e.timeline!.startedAt!));
    const cases = [
      jestCase('case 1, direct', 'passed', direct - 5, 15_000),
      jestCase('case 3, the real bug', 'failed', moveTables - 5, 20_000, 'Error: expect(received).toEqual(expected)\n...'),
      jestCase('a case that wrote no report', 'passed', moveTables + 30_000, 1000),
      jestCase('skipped', 'skipped', moveTables + 40_000, 0),
    ];
    const sums = summarize(run.experiments, cases);
    expect(sums).toEqual([
      { name: 'empty-vschema › case 1, direct', pass: true, detectionSeconds: 0.471, recoverySeconds: 1.197, reports: ['empty-vschema-direct'] },
      // The run's own verdict was pass: the case's assertions (the VSchema must survive) decide.
      { name: 'empty-vschema › case 3, the real bug', pass: false, reason: 'Error: expect(received).toEqual(expected)', detectionSeconds: null, recoverySeconds: 0.072, reports: ['empty-vschema-movetables'] },
      { name: 'empty-vschema › a case that wrote no report', pass: true },
    ]);
  });

  test('without Jest cases, the run verdict and its checks decide', async () => {
    const run = await readRun(join(__dirname, 'fixtures', 'run-empty-vschema'));
    run.experiments[1].result.checks = [{ what: 'stored VSchema unchanged', measured: 1, limit: 0, unit: 'changes', comparison: 'equals', pass: false }];
    const sums = summarize(run.experiments, []);
    expect(sums.map((x) => [x.name, x.pass])).toEqual([
      ['empty-vschema-direct', true],
      ['empty-vschema-movetables', false],
    ]);
    expect(sums[1].reason).toBe('stored VSchema unchanged: measured 1 changes, limit 0 changes');
  });
});
