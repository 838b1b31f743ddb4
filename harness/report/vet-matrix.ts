// The vet matrix: every case of the regression catalogue on every release it names, each cell
// what the run showed against what the case expects there (caught on an affected release,
// clean on any other). Pure: the CLI runs the clusters and hands the summaries and reports in.
import type { ExperimentReport } from './run-report';
import type { ExperimentSummary } from './vet';
import { vitessWords } from '../cluster/vtctld-client';

/** A catalogue case as the matrix needs it (experiments/regressions.ts's RegressionCase). */
export interface MatrixCase {
  issue: number;
  affected: readonly string[];
  fixedIn: string;
  fix: string;
}

export type MatrixVerdict = 'caught' | 'clean' | 'not reproducible' | 'failed' | 'not run';

export interface MatrixCell {
  issue: number;
  release: string;
  /** What the catalogue says this release must show. */
  expected: 'caught' | 'clean';
  verdict: MatrixVerdict;
  /** The measured figure behind the verdict (the query's runs, the VSchema's state) or why there is none. */
  figure: string;
  report?: string;
}

const semver = (r: string) => r.split('.').map(Number);
export const byRelease = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

/**
 * The releases the matrix runs: each case's affected and fixed releases that `runnable` accepts,
 * and the extra ones (the default release, clean on every case), in release order. Those not
 * runnable are returned apart, so the matrix can say it left them out and why.
 */
export function matrixReleases(cases: readonly MatrixCase[], runnable: (release: string) => boolean, extra: readonly string[] = []): { run: string[]; skipped: string[] } {
  const all = new Set<string>(extra);
  for (const c of cases) for (const r of [...c.affected, c.fixedIn]) all.add(r);
  const sorted = [...all].sort(byRelease);
  return { run: sorted.filter(runnable), skipped: sorted.filter((r) => !runnable(r)) };
}

/** The issue a case's test is about, read off its title ("Vitess issue 19225: ..."). */
export const issueOf = (name: string): number | undefined => {
  const m = /Vitess issue (\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
};

/** The figure a regression case measured, in words; undefined when its report has none. */
export function caseFigure(report: ExperimentReport | undefined): string | undefined {
  const m = report?.result.measured as Record<string, unknown> | undefined;
  if (!m) return undefined;
  const o = m.outcome as { ok?: number; failed?: number; error?: string } | undefined;
  if (o && typeof o.ok === 'number' && typeof o.failed === 'number') {
    const runs = o.ok + o.failed;
    return o.failed ? `${o.failed} of ${runs} runs failed: ${o.error ? vitessWords(o.error) : 'no error recorded'}` : `${o.ok} of ${runs} runs answered`;
  }
  if (typeof m.changed === 'boolean') {
    const error = vitessWords(String(m.error ?? ''));
    return `MoveTables failed (${/time.?zone/i.test(error) ? 'on the time-zone check, as the case makes it' : error.slice(0, 80)}); target VSchema ${m.changed ? 'changed' : 'unchanged'}`;
  }
  return undefined;
}

/** One cell: what the case's run on this release showed, judged against what the catalogue expects. */
export function matrixCell(c: MatrixCase, release: string, summary: ExperimentSummary | undefined, report: ExperimentReport | undefined): MatrixCell {
  const expected = c.affected.includes(release) ? 'caught' : 'clean';
  const base = { issue: c.issue, release, expected, ...(report ? { report: report.file } : {}) } as const;
  if (!summary) return { ...base, verdict: 'not run', figure: 'no test of this case ran' };
  if (summary.notRun) return { ...base, verdict: 'not run', figure: summary.notRun };
  const figure = caseFigure(report) ?? summary.reason ?? 'no figure recorded';
  if (expected === 'caught') {
    // The test passes when the run failed on the case's own check: the harness caught it.
    if (summary.pass) return { ...base, verdict: 'caught', figure };
    return { ...base, verdict: report?.result.verdict === 'pass' ? 'not reproducible' : 'failed', figure: summary.reason ? `${figure} (${summary.reason})` : figure };
  }
  return { ...base, verdict: summary.pass ? 'clean' : 'failed', figure };
}

/** The cells of one release's run: one per case, matched by the issue its test names. */
export function releaseCells(cases: readonly MatrixCase[], release: string, summaries: readonly ExperimentSummary[], reports: readonly ExperimentReport[]): MatrixCell[] {
  return cases.map((c) => {
    const s = summaries.find((x) => issueOf(x.name) === c.issue);
    const r = s?.reports?.length ? reports.find((x) => x.result.experiment === s.reports![0]) : undefined;
    return matrixCell(c, release, s, r);
  });
}

/** A cell as expected (caught where affected, clean elsewhere). */
export const asExpected = (cell: MatrixCell) => cell.verdict === cell.expected;

/** The README's table: a row per release, a column per case; each cell its verdict and figure. */
export function matrixTable(cases: readonly MatrixCase[], cells: readonly MatrixCell[]): string {
  const releases = [...new Set(cells.map((c) => c.release))].sort(byRelease);
  const head = `| release | ${cases.map((c) => `${c.issue} (fixed in ${c.fixedIn})`).join(' | ')} |`;
  const rule = `|---|${cases.map(() => '---').join('|')}|`;
  const rows = releases.map((r) => {
    const row = cases.map((c) => {
      const cell = cells.find((x) => x.release === r && x.issue === c.issue);
      if (!cell) return '-';
      const mark = asExpected(cell) ? '' : ' **(unexpected)**';
      return `${cell.verdict}${mark}: ${cell.figure.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 140)}`;
    });
    return `| ${r} | ${row.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}
