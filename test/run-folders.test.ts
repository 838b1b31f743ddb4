// How `run` finds what it wrote: new run folders, and which Jest case wrote which report.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseOf, failureLine, JestCase, matchCases } from '../harness/report/cases';
import { collectRuns, exitCodeOf, listRunDirs, newRunDirs } from '../harness/cli/run';
import { readRun } from '../harness/report/run-report';
import type { ExperimentReport } from '../harness/report/run-report';

const CasesReporter = require('../harness/report/cases-reporter.js') as new (c: { rootDir: string }) => { onTestResult(t: unknown, r: unknown): void };

describe('run folders', () => {
  test('only folders named like run ids, new since the run started, count', () => {
    const root = mkdtempSync(join(tmpdir(), 'vc-runs-'));
    try {
      mkdirSync(join(root, '20261123-204725-79c0'));
      mkdirSync(join(root, 'builds'));
      mkdirSync(join(root, 'vet-20261123-220052'));
      const before = listRunDirs(root);
      expect([...before.keys()]).toEqual(['20261123-204725-79c0']);
      const started = Date.now();
      mkdirSync(join(root, '20261123-210000-aaaa'));
      mkdirSync(join(root, '20261123-205900-bbbb'));
      expect(newRunDirs(before, listRunDirs(root), started)).toEqual(['20261123-205900-bbbb', '20261123-210000-aaaa']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Jest cases and experiment reports', () => {
  const c = (title: string, startAt: number | null, duration: number | null): JestCase => ({ file: 'experiments/x.chaos.ts', ancestorTitles: ['x'], title, fullName: `x ${title}`, status: 'passed', startAt, duration, failureMessages: [] });
  const report = (name: string, startedAt: number): ExperimentReport => ({ file: `${name}.json`, result: { experiment: name }, timeline: { startedAt: new Date(startedAt).toISOString(), samples: [], events: [] } });

  test('a report belongs to the case that was running when it started', () => {
    const cases = [c('first', 1000, 5000), c('second', 6100, 5000), c('not timed', null, null)];
    expect(caseOf(report('a', 1200), cases)?.title).toBe('first');
    expect(caseOf(report('b', 6500), cases)?.title).toBe('second');
    expect(caseOf(report('late', 60_000), cases)).toBeUndefined();
    expect(matchCases(cases, [report('a', 1200), report('b', 6500)]).map((x) => x.experiments)).toEqual([['a'], ['b'], []]);
  });

  test('the reporter records each case with its start and duration, only when asked to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-cases-'));
    const out = join(dir, 'cases.json');
    const saved = process.env.VITESS_CHAOS_CASES;
    try {
      process.env.VITESS_CHAOS_CASES = out;
      const reporter = new CasesReporter({ rootDir: '/repo' });
      reporter.onTestResult(undefined, {
        testFilePath: '/repo/experiments/x.chaos.ts',
        testResults: [{ ancestorTitles: ['x'], title: 't', fullName: 'x t', status: 'failed', startAt: 42, duration: 7, failureMessages: ['\u001b[31mThresholdError: recovery: measured 12 s, threshold -Infinity–10 s\u001b[39m\n    at ...'] }],
      });
      const cases = JSON.parse(readFileSync(out, 'utf8')) as JestCase[];
      expect(cases).toEqual([expect.objectContaining({ file: 'experiments/x.chaos.ts', title: 't', status: 'failed', startAt: 42, duration: 7 })]);
      expect(failureLine(cases[0])).toBe('ThresholdError: recovery: measured 12 s, threshold -Infinity–10 s');
    } finally {
      if (saved === undefined) delete process.env.VITESS_CHAOS_CASES;
      else process.env.VITESS_CHAOS_CASES = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JUnit XML for CI', () => {
  const config = require('../jest.config.js') as { reporters: unknown[]; projects: Record<string, unknown>[] };

  test('jest-junit beside the default reporter, at the top level, writing reports/junit.xml', () => {
    expect(config.reporters[0]).toBe('default');
    const junit = config.reporters.find((r) => Array.isArray(r) && r[0] === 'jest-junit') as [string, Record<string, unknown>];
    expect(junit[1]).toMatchObject({ outputDirectory: '<rootDir>/reports', outputName: 'junit.xml', suiteNameTemplate: '{filepath}' });
    for (const p of config.projects) expect(p.reporters).toBeUndefined();
  });

  test('classname is the describe block, or the file for a test outside any', () => {
    const junit = config.reporters.find((r) => Array.isArray(r) && r[0] === 'jest-junit') as [string, { classNameTemplate: (v: Record<string, string>) => string }];
    expect(junit[1].classNameTemplate({ classname: 'cleanup', filename: 'cleanup.chaos.ts' })).toBe('cleanup');
    expect(junit[1].classNameTemplate({ classname: '', filename: 'bring-up-failure.chaos.ts' })).toBe('bring-up-failure.chaos.ts');
  });
});

describe('after a run', () => {
  test('each new run folder gets tests.json (cases matched to the reports they wrote) and report.html', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vc-collect-'));
    try {
      mkdirSync(join(root, '20261123-200000-0000')); // an older run: not ours
      const before = listRunDirs(root);
      const started = Date.now();
      const dir = join(root, '20261123-203748-bd55');
      cpSync(join(__dirname, 'fixtures', 'run-empty-vschema'), dir, { recursive: true });
      mkdirSync(join(root, '20261123-203800-beef')); // a run that only left logs
      const run = await readRun(dir);
      const t = run.experiments.map((e) => Date.parse(e.timeline!.startedAt!));
      const file = 'experiments/empty-vschema.chaos.ts';
      const cases: JestCase[] = [
        { file, ancestorTitles: ['d'], title: 'case 1', fullName: 'd case 1', status: 'passed', startAt: t[0] - 5, duration: 20_000, failureMessages: [] },
        { file, ancestorTitles: ['d'], title: 'case 3', fullName: 'd case 3', status: 'failed', startAt: t[1] - 5, duration: 20_000, failureMessages: ['Error: VSchema wiped'] },
        { file: 'experiments/smoke.chaos.ts', ancestorTitles: ['s'], title: 'other file', fullName: 's other file', status: 'passed', startAt: 1, duration: 1, failureMessages: [] },
      ];
      const said: string[] = [];
      const out = await collectRuns(root, before, started, cases, (l) => said.push(l));
      expect(out.runDirs).toEqual([dir, join(root, '20261123-203800-beef')]);
      expect(out.reports).toEqual([join(dir, 'report.html')]);
      expect(said).toEqual([`${join(root, '20261123-203800-beef')}: no experiment report (logs only)`]);
      const tests = JSON.parse(readFileSync(join(dir, 'tests.json'), 'utf8')) as JestCase[];
      expect(tests.map((c) => [c.title, c.experiments])).toEqual([
        ['case 1', ['empty-vschema-direct']],
        ['case 3', ['empty-vschema-movetables']],
      ]);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<h3>Jest tests</h3>');
      expect(html).toContain('Error: VSchema wiped');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    // Renders the HTML report with its charts (vega): seconds on a busy 2-core machine, past Jest's default 5 s.
  }, 60_000);

  test('exit codes: 0 passed, 1 a test failed, 2 nothing ran', () => {
    const c = (status: string) => ({ file: 'f', ancestorTitles: [], title: status, fullName: status, status, startAt: null, duration: null, failureMessages: [] });
    expect(exitCodeOf(0, [c('passed')])).toBe(0);
    expect(exitCodeOf(1, [c('passed'), c('failed')])).toBe(1);
    expect(exitCodeOf(1, [])).toBe(2);
    expect(exitCodeOf(1, [c('skipped')])).toBe(2);
    expect(exitCodeOf(null, [])).toBe(2);
  });
});
