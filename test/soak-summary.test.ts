// The soak's aggregation: pass rates, min/median/max/spread, and figures never measured.
import { join } from 'node:path';
import type { RunReport } from '../harness/report/run-report';
import { readRun } from '../harness/report/run-report';
import { figure, IterationInput, JestJson, SoakMeta, soakExitCode, soakMarkdown, summarize, testOutcomes } from '../bench/soak-summary';

const ROOT = '/repo';
const meta: SoakMeta = { startedAt: '2026-01-01T00:00:00.000Z', machine: { cores: 2, loadavgBefore: [0.5, 0.4, 0.3] }, runs: 3, hog: true, vitess: '24.0.3', database: 'mysql-9.7' };

const jestJson = (cases: Record<string, string>, file = 'experiments/x.chaos.ts'): JestJson => ({
  testResults: [{ name: `${ROOT}/${file}`, status: 'passed', assertionResults: Object.entries(cases).map(([fullName, status]) => ({ fullName, status, duration: 2000 })) }],
});

/** A run folder with one report per entry: [report name, bring-up, detection, recovery]. */
const run = (runId: string, reports: [string, number | undefined, Record<string, number | null>, number | undefined][]): RunReport => ({
  dir: `${ROOT}/reports/${runId}`,
  runId,
  experiments: reports.map(([name, bringUpSeconds, detectionSeconds, recoverySeconds]) => ({
    file: `${ROOT}/reports/${runId}/${name}.json`,
    result: { experiment: name, verdict: 'pass', bringUpSeconds, timings: { detectionSeconds, recoverySeconds, timeToRecoverSeconds: recoverySeconds === undefined ? undefined : recoverySeconds + 1 } },
  })),
});

const iteration = (index: number, cases: Record<string, string>, runs: RunReport[], jestExit = 0): IterationInput => ({ index, jestExit, seconds: 100, jest: jestJson(cases), runs });

describe('figure', () => {
  test('min, median (mean of the middle two when even), max and spread = (max - min) / median', () => {
    expect(figure([3, 1, 2])).toEqual({ samples: [3, 1, 2], notMeasured: 0, min: 1, median: 2, max: 3, spread: 1 });
    expect(figure([4, 1, 2, 3])).toMatchObject({ median: 2.5, spread: 1.2 });
  });

  test('null and undefined are not measured: never a 0 in the numbers', () => {
    expect(figure([null, 2, undefined, 4])).toEqual({ samples: [2, 4], notMeasured: 2, min: 2, median: 3, max: 4, spread: 0.667 });
    expect(figure([null, null])).toEqual({ samples: [], notMeasured: 2, min: null, median: null, max: null, spread: null });
  });

  test('a zero median gives no spread unless every sample is the same', () => {
    expect(figure([0, 0, 0]).spread).toBe(0);
    expect(figure([0, 0, 1]).spread).toBeNull();
  });
});

describe('testOutcomes', () => {
  test('files relative to the repository; a file that failed to run counts as one failed test', () => {
    const j: JestJson = {
      testResults: [
        { name: `${ROOT}/experiments/a.chaos.ts`, status: 'passed', assertionResults: [{ fullName: 'a works', status: 'passed', duration: 1500 }, { fullName: 'a later', status: 'pending', duration: null }] },
        { name: `${ROOT}/experiments/b.chaos.ts`, status: 'failed', message: 'cannot find module', assertionResults: [] },
      ],
    };
    expect(testOutcomes(j, ROOT)).toEqual([
      { name: 'a works', file: 'experiments/a.chaos.ts', status: 'passed', seconds: 1.5 },
      { name: 'a later', file: 'experiments/a.chaos.ts', status: 'pending', seconds: null },
      { name: 'experiments/b.chaos.ts: the file failed to run', file: 'experiments/b.chaos.ts', status: 'failed', seconds: null },
    ]);
    expect(testOutcomes(undefined, ROOT)).toEqual([]);
  });
});

describe('summarize', () => {
  const its = [
    iteration(1, { 'x steady': 'passed', 'x flaky': 'passed', 'x skipped': 'skipped' }, [run('20260101-000000-aaaa', [['x-one', 10, { alarm: 1, never: null }, 2], ['x-two', 10, { alarm: 1.2 }, 3]])]),
    iteration(2, { 'x steady': 'passed', 'x flaky': 'failed', 'x skipped': 'skipped' }, [run('20260101-010000-bbbb', [['x-one', 14, { alarm: null, never: null }, undefined], ['x-two', 14, { alarm: 1 }, 3]])], 1),
    iteration(3, { 'x steady': 'passed', 'x flaky': 'passed', 'x skipped': 'skipped' }, [run('20260101-020000-cccc', [['x-one', 12, { alarm: 2, never: null }, 2.2], ['x-two', 12, { alarm: 1.1 }, 3.3]])]),
  ];
  const s = summarize(meta, its, ROOT);

  test('pass rates over the iterations; tests skipped every time are left out', () => {
    expect(s.tests.map((t) => [t.name, t.passed, t.runs, t.passRate])).toEqual([
      ['x steady', 3, 3, 1],
      ['x flaky', 2, 3, 0.667],
    ]);
    expect(s.iterations.map((i) => [i.passed, i.failed, i.runDirs])).toEqual([
      [2, 0, ['20260101-000000-aaaa']],
      [1, 1, ['20260101-010000-bbbb']],
      [2, 0, ['20260101-020000-cccc']],
    ]);
    expect(s.targets.allGreen).toBe(false);
    expect(soakExitCode(s)).toBe(1);
  });

  test('bring-up once per run folder, not once per report', () => {
    expect(s.bringUp).toEqual({ samples: [10, 14, 12], notMeasured: 0, min: 10, median: 12, max: 14, spread: 0.333 });
  });

  test('each timing by report and figure; a missing one is not measured, not 0', () => {
    const t = (report: string, fig: string) => s.timings.find((x) => x.report === report && x.figure === fig);
    expect(t('x-one', 'detection:alarm')).toMatchObject({ samples: [1, 2], notMeasured: 1, min: 1, median: 1.5, max: 2, spread: 0.667 });
    expect(t('x-one', 'detection:never')).toMatchObject({ samples: [], notMeasured: 3, min: null, spread: null });
    expect(t('x-one', 'recovery')).toMatchObject({ samples: [2, 2.2], notMeasured: 1, min: 2 });
    expect(t('x-two', 'timeToRecover')).toMatchObject({ samples: [4, 4, 4.3], median: 4, spread: 0.075 });
    // Detection first, then recovery, then time to recover, per report.
    expect(s.timings.filter((x) => x.report === 'x-one').map((x) => x.figure)).toEqual(['detection:alarm', 'detection:never', 'recovery', 'timeToRecover']);
  });

  test('targets: the worst spread first, over figures with two samples or more', () => {
    expect(s.targets.spreadUnder30pct).toBe(false);
    expect(s.targets.worstSpreads[0]).toEqual({ experiment: 'x-one', report: 'x-one', figure: 'detection:alarm', spread: 0.667 });
    expect(s.targets.worstSpreads.map((w) => w.figure)).not.toContain('detection:never');
    expect(s.targets.notAlwaysMeasured).toEqual(['x-one detection:alarm', 'x-one recovery', 'x-one timeToRecover']);
    expect(s.reports).toEqual([
      { experiment: 'x-one', report: 'x-one', verdicts: { pass: 3 } },
      { experiment: 'x-two', report: 'x-two', verdicts: { pass: 3 } },
    ]);
  });

  test('all green and steady exits 0; a spread target is not claimed from one sample', () => {
    const green = summarize(meta, [iteration(1, { 'x steady': 'passed' }, [run('20260101-000000-aaaa', [['x-one', 10, { alarm: 1 }, 2]])])], ROOT);
    expect(green.targets.allGreen).toBe(true);
    expect(green.targets.spreadUnder30pct).toBeNull();
    expect(soakExitCode(green)).toBe(0);
    const steady = summarize(meta, [1, 2].map((i) => iteration(i, { 'x steady': 'passed' }, [run(`2026010${i}-000000-aaaa`, [['x-one', 10, { alarm: 1 + i / 100 }, 2]])])), ROOT);
    expect(steady.targets.spreadUnder30pct).toBe(true);
  });

  test('a non-zero Jest exit is not green even when every listed test passed', () => {
    expect(summarize(meta, [iteration(1, { 'x steady': 'passed' }, [], 1)], ROOT).targets.allGreen).toBe(false);
  });

  test('an iteration someone stopped is listed, not counted: two green iterations and one interrupted read 2/2, not 2/3', () => {
    const green = (i: number) => iteration(i, { 'x steady': 'passed' }, [run(`2026010${i}-000000-aaaa`, [['x-one', 10, { alarm: 1 }, 2]])]);
    const stopped: IterationInput = { index: 3, jestExit: 143, seconds: 135.5, runs: [run('20260103-000000-aaaa', [['x-one', 30, {}, undefined]])], interrupted: true };
    const s = summarize(meta, [green(1), green(2), stopped], ROOT);
    expect(s.tests).toEqual([expect.objectContaining({ passed: 2, runs: 2, passRate: 1 })]);
    expect(s.iterations.map((it) => it.index)).toEqual([1, 2]);
    expect(s.interrupted).toEqual([{ index: 3, seconds: 135.5, runDirs: ['20260103-000000-aaaa'] }]);
    expect(s.bringUp.samples).toEqual([10, 10]);
    expect(s.targets.allGreen).toBe(true);
    expect(soakMarkdown(s)).toMatch(/^Soak of 2 run\(s\) \(\+1 interrupted, not counted\)/);
    expect(soakMarkdown(s)).toContain('| x steady | 2/2 | 100 % |');
  });

  test('nothing ran: exit 2', () => {
    const none = summarize(meta, [{ index: 1, jestExit: 1, seconds: 3, runs: [] }], ROOT);
    expect(none.tests).toEqual([]);
    expect(none.bringUp.median).toBeNull();
    expect(soakExitCode(none)).toBe(2);
    expect(soakExitCode(summarize(meta, [], ROOT))).toBe(2);
    expect(soakMarkdown(none)).toMatch(/\| no test ran \|[\s\S]*\| cluster, per run folder \| 0 \| not measured \|[\s\S]*\| no experiment report \|/);
  });

  test('reads real experiment reports: two cases on one cluster give one bring-up, and a silent detector is not measured', async () => {
    const r = await readRun(join(__dirname, 'fixtures', 'run-empty-vschema'));
    const real = summarize(meta, [iteration(1, { 'empty-vschema direct': 'passed' }, [r])], ROOT);
    expect(real.bringUp.samples).toEqual([11.784]);
    expect(real.timings.find((t) => t.report === 'empty-vschema-direct' && t.figure === 'detection:heartbeat-anomaly')).toMatchObject({ samples: [], notMeasured: 1 });
    expect(real.timings.find((t) => t.report === 'empty-vschema-direct' && t.figure === 'detection:vschema-drift')?.median).toBe(0.471);
    expect(real.timings.find((t) => t.report === 'empty-vschema-movetables' && t.figure === 'recovery')?.samples).toEqual([0.072]);
  });
});

describe('soakMarkdown', () => {
  test('pass rates, bring-up and spreads; not measured written out, pipes escaped', () => {
    const s = summarize(
      meta,
      [
        iteration(1, { 'x a|b': 'passed' }, [run('20260101-000000-aaaa', [['x-one', 10, { alarm: 1, never: null }, 2]])]),
        iteration(2, { 'x a|b': 'failed' }, [run('20260101-010000-bbbb', [['x-one', 20, { alarm: 3, never: null }, 2]])]),
      ],
      ROOT,
    );
    const md = soakMarkdown(s);
    expect(md).toContain('| x a\\|b | 1/2 | 50 % | 2.00 |');
    expect(md).toContain('| cluster, per run folder | 2 | 10.00 | 15.00 | 20.00 |');
    expect(md).toContain('| x-one | detection:alarm | 2 | 1.00 | 2.00 | 3.00 | 100 % |');
    expect(md).toContain('| x-one | detection:never | 0 (+2 not measured) | not measured | not measured | not measured | not measured |');
    expect(md).toMatch(/All green: no; every spread under 30 %: no\./);
    expect(md).not.toMatch(/\| 0\.00 \|/);
  });
});
