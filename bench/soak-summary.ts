// The soak's arithmetic, kept apart from the processes so it is unit-tested on fixtures:
// Jest's JSON and the run folders of each iteration in, pass rates and the spread of every
// figure out. A figure that was not measured (null or absent) is counted as such and never
// enters the numbers: a missing alarm must not read as a 0 s detection.
import { relative } from 'node:path';
import type { RunReport } from '../harness/report/run-report';

/** The part of `jest --json` the soak reads. */
export interface JestJson {
  testResults?: {
    name: string;
    status?: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; duration?: number | null }[];
  }[];
}

export interface IterationInput {
  index: number;
  jestExit: number | null;
  seconds: number;
  /** Whether the CPU hog was still running when Jest exited (absent without a hog). */
  hogHeld?: boolean;
  /** Undefined when Jest wrote no JSON (it did not start, or was killed). */
  jest?: JestJson;
  /** The run folders this iteration created, as readRun() read them. */
  runs: RunReport[];
  /** Stopped by SIGINT/SIGTERM before it ended: listed, but no test of it counts (neither passed nor failed). */
  interrupted?: boolean;
}

export interface SoakMeta {
  startedAt: string;
  machine: { cores: number; loadavgBefore: number[] };
  runs: number;
  hog: boolean;
  vitess: string;
  database: string;
  files?: string[];
}

/** Samples of one figure; min/median/max/spread are null when it was never measured. */
export interface Figure {
  samples: number[];
  /** Times the figure was due but absent or null. */
  notMeasured: number;
  min: number | null;
  median: number | null;
  max: number | null;
  /** (max - min) / median; null when not measured, or when the median is 0 and the samples differ. */
  spread: number | null;
}

export interface TestRow {
  name: string;
  file: string;
  passed: number;
  /** Iterations in which it ran (passed or failed). */
  runs: number;
  /** Passed over the iterations of the soak, so a run it missed (a crashed file) counts against it. */
  passRate: number;
  seconds: Figure;
}

export interface TimingRow extends Figure {
  experiment: string;
  /** The experiment report's file name without `.json`: one per case. */
  report: string;
  figure: string;
}

export interface SoakSummary extends SoakMeta {
  iterations: { index: number; jestExit: number | null; seconds: number; passed: number; failed: number; runDirs: string[]; hogHeld?: boolean }[];
  /** Iterations stopped before they ended (not counted anywhere else). */
  interrupted?: { index: number; seconds: number; runDirs: string[] }[];
  tests: TestRow[];
  reports: { experiment: string; report: string; verdicts: Record<string, number> }[];
  bringUp: Figure;
  timings: TimingRow[];
  targets: {
    allGreen: boolean;
    /** Every figure with two samples or more spreads under 30 %; null when none has two. */
    spreadUnder30pct: boolean | null;
    worstSpreads: { experiment: string; report: string; figure: string; spread: number | null }[];
    /** Figures missing from some of the reports that should hold them. */
    notAlwaysMeasured: string[];
  };
}

export const SPREAD_TARGET = 0.3;
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function median(xs: readonly number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A figure from its values, null and undefined meaning "not measured". */
export function figure(values: readonly (number | null | undefined)[]): Figure {
  const samples = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const notMeasured = values.length - samples.length;
  const med = median(samples);
  if (med === undefined) return { samples, notMeasured, min: null, median: null, max: null, spread: null };
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  const spread = med !== 0 ? (max - min) / med : max === min ? 0 : null;
  return { samples, notMeasured, min: round(min), median: round(med), max: round(max), spread: spread === null ? null : round(spread) };
}

export interface TestOutcome {
  name: string;
  file: string;
  status: string;
  seconds: number | null;
}

/** Each test's outcome; a file that failed before running any test counts as one failed test. */
export function testOutcomes(jest: JestJson | undefined, root: string): TestOutcome[] {
  const out: TestOutcome[] = [];
  for (const f of jest?.testResults ?? []) {
    const file = relative(root, f.name);
    const cases = f.assertionResults ?? [];
    for (const a of cases) out.push({ name: a.fullName, file, status: a.status, seconds: typeof a.duration === 'number' ? a.duration / 1000 : null });
    if (!cases.length && f.status === 'failed') out.push({ name: `${file}: the file failed to run`, file, status: 'failed', seconds: null });
  }
  return out;
}

const ran = (s: string) => s === 'passed' || s === 'failed';

/** One sample list per (experiment, report, figure) across every iteration's reports. */
function collectTimings(iterations: readonly IterationInput[]): TimingRow[] {
  const values = new Map<string, { experiment: string; report: string; figure: string; values: (number | null | undefined)[] }>();
  const add = (experiment: string, report: string, fig: string, v: number | null | undefined) => {
    const key = JSON.stringify([experiment, report, fig]);
    const row = values.get(key) ?? { experiment, report, figure: fig, values: [] };
    row.values.push(v);
    values.set(key, row);
  };
  for (const it of iterations) {
    for (const run of it.runs) {
      for (const r of run.experiments) {
        const report = reportKey(r.file);
        const t = r.result.timings;
        for (const [detector, v] of Object.entries(t?.detectionSeconds ?? {})) add(r.result.experiment, report, `detection:${detector}`, v);
        add(r.result.experiment, report, 'recovery', t?.recoverySeconds);
        add(r.result.experiment, report, 'timeToRecover', t?.timeToRecoverSeconds);
      }
    }
  }
  const order = (f: string) => (f.startsWith('detection:') ? 0 : f === 'recovery' ? 1 : 2);
  return [...values.values()]
    .map(({ values: v, ...id }) => ({ ...id, ...figure(v) }))
    .sort((a, b) => a.experiment.localeCompare(b.experiment) || a.report.localeCompare(b.report) || order(a.figure) - order(b.figure) || a.figure.localeCompare(b.figure));
}

function reportKey(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.json$/, '');
}

export function summarize(meta: SoakMeta, all: readonly IterationInput[], root: string): SoakSummary {
  // An iteration someone stopped says nothing about the suite: it is listed, not counted.
  const iterations = all.filter((it) => !it.interrupted);
  const stopped = all.filter((it) => it.interrupted);
  const outcomes = iterations.map((it) => testOutcomes(it.jest, root));
  const tests = new Map<string, { name: string; file: string; passed: number; runs: number; seconds: (number | null)[] }>();
  for (const list of outcomes) {
    for (const o of list) {
      const key = `${o.file}\n${o.name}`;
      const t = tests.get(key) ?? { name: o.name, file: o.file, passed: 0, runs: 0, seconds: [] };
      if (ran(o.status)) {
        t.runs += 1;
        t.seconds.push(o.seconds);
      }
      if (o.status === 'passed') t.passed += 1;
      tests.set(key, t);
    }
  }
  // Tests skipped in every iteration are not part of the soak.
  const testRows: TestRow[] = [...tests.values()]
    .filter((t) => t.runs > 0)
    .map((t) => ({ name: t.name, file: t.file, passed: t.passed, runs: t.runs, passRate: round(t.passed / Math.max(iterations.length, 1)), seconds: figure(t.seconds) }));

  // Cases sharing a cluster share its bring-up: one sample per run folder.
  const bringUp = figure(iterations.flatMap((it) => it.runs.filter((r) => r.experiments.length).map((r) => r.experiments.find((e) => typeof e.result.bringUpSeconds === 'number')?.result.bringUpSeconds)));

  const verdicts = new Map<string, { experiment: string; report: string; verdicts: Record<string, number> }>();
  for (const r of iterations.flatMap((it) => it.runs.flatMap((run) => run.experiments))) {
    const report = reportKey(r.file);
    const row = verdicts.get(report) ?? { experiment: r.result.experiment, report, verdicts: {} };
    const v = r.result.verdict ?? 'unknown';
    row.verdicts[v] = (row.verdicts[v] ?? 0) + 1;
    verdicts.set(report, row);
  }

  const timings = collectTimings(iterations);
  const judged = timings.filter((t) => t.samples.length >= 2);
  const allGreen = testRows.length > 0 && iterations.length > 0 && iterations.every((it) => it.jestExit === 0) && testRows.every((t) => t.passed === iterations.length);
  return {
    ...meta,
    iterations: iterations.map((it, i) => ({
      index: it.index,
      jestExit: it.jestExit,
      seconds: round(it.seconds, 1),
      passed: outcomes[i].filter((o) => o.status === 'passed').length,
      failed: outcomes[i].filter((o) => o.status === 'failed').length,
      runDirs: it.runs.map((r) => r.runId),
      ...(it.hogHeld !== undefined ? { hogHeld: it.hogHeld } : {}),
    })),
    ...(stopped.length ? { interrupted: stopped.map((it) => ({ index: it.index, seconds: round(it.seconds, 1), runDirs: it.runs.map((r) => r.runId) })) } : {}),
    tests: testRows,
    reports: [...verdicts.values()].sort((a, b) => a.report.localeCompare(b.report)),
    bringUp,
    timings,
    targets: {
      allGreen,
      // An unbounded spread (null over two samples or more) fails the target.
      spreadUnder30pct: judged.length ? judged.every((t) => t.spread !== null && t.spread < SPREAD_TARGET) : null,
      worstSpreads: [...judged]
        .sort((a, b) => (b.spread ?? Infinity) - (a.spread ?? Infinity))
        .slice(0, 5)
        .map(({ experiment, report, figure: f, spread }) => ({ experiment, report, figure: f, spread })),
      notAlwaysMeasured: timings.filter((t) => t.notMeasured > 0 && t.samples.length > 0).map((t) => `${t.report} ${t.figure}`),
    },
  };
}

/** 0 every test passed every iteration, 1 something failed, 2 no test ran at all. */
export function soakExitCode(s: SoakSummary): 0 | 1 | 2 {
  if (!s.iterations.some((it) => it.passed + it.failed > 0)) return 2;
  return s.targets.allGreen ? 0 : 1;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const secs = (x: number | null) => (x === null ? 'not measured' : x.toFixed(2));
const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)} %`);
const count = (f: Figure) => `${f.samples.length}${f.notMeasured ? ` (+${f.notMeasured} not measured)` : ''}`;

/** The tables for the README: pass rates, bring-up, and the spread of every timing. */
export function soakMarkdown(s: SoakSummary): string {
  const yesNo = (b: boolean | null) => (b === null ? 'not measured' : b ? 'yes' : 'no');
  const lines = [
    `Soak of ${s.iterations.length} run(s)${s.interrupted?.length ? ` (+${s.interrupted.length} interrupted, not counted)` : ''} of the chaos suite on Vitess ${s.vitess} with ${s.database}, ${s.machine.cores} cores, ` +
      `CPU hog ${s.hog ? 'on' : 'off'} (started ${s.startedAt}). All green: ${yesNo(s.targets.allGreen)}; ` +
      `every spread under ${SPREAD_TARGET * 100} %: ${yesNo(s.targets.spreadUnder30pct)}.`,
    '',
    '| test | passed | pass rate | seconds (median) |',
    '|---|---|---|---|',
    ...(s.tests.length ? s.tests.map((t) => `| ${cell(t.name)} | ${t.passed}/${s.iterations.length} | ${Math.round(t.passRate * 100)} % | ${secs(t.seconds.median)} |`) : ['| no test ran | | | |']),
    '',
    '| bring-up (s) | samples | min | median | max |',
    '|---|---|---|---|---|',
    `| cluster, per run folder | ${count(s.bringUp)} | ${secs(s.bringUp.min)} | ${secs(s.bringUp.median)} | ${secs(s.bringUp.max)} |`,
    '',
    '| report | figure (s) | samples | min | median | max | spread |',
    '|---|---|---|---|---|---|---|',
    ...(s.timings.length
      ? s.timings.map((t) => `| ${cell(t.report)} | ${cell(t.figure)} | ${count(t)} | ${secs(t.min)} | ${secs(t.median)} | ${secs(t.max)} | ${t.samples.length ? pct(t.spread) : 'not measured'} |`)
      : ['| no experiment report | | | | | | |']),
  ];
  return `${lines.join('\n')}\n`;
}
