// Vet: the same experiments on a baseline and a candidate Vitess version, compared. Pure
// logic here (summaries in, comparison out); vet-render.ts writes it as a table, vet.json and
// vet.html. A verdict is only as good as what was compared, so a case that did not run on a
// side is never counted as passing or failing there: it is not compared, and says why.
import { basename } from 'node:path';
import { firstAlarm } from '../experiment/timings';
import { secs } from './html-kit';
import { caseOf, failureLine, JestCase } from './cases';
import { caseNotRun, reportNotRun } from './not-run';
import type { ExperimentReport } from './run-report';
import { CheckRow, compareChecks, NamedCheck, namedChecks } from './vet-checks';
import { clearlySlower, foldRepeats, isFlaky, type Repeats } from './vet-repeats';

/** One experiment (one Jest case, or one experiment report when no case was recorded) on one version. */
export interface ExperimentSummary {
  name: string;
  pass: boolean;
  /** Why it failed: the test's failure, or the run's problems and failed checks. */
  reason?: string;
  /**
   * Set when the case measured nothing on this side, with why: its cluster never came up, its
   * test file could not run, or its run reached no verdict or stopped before the fault.
   */
  notRun?: string;
  /** Seconds from injection to the first alarm of any detector; null: none fired; absent: no fault run. */
  detectionSeconds?: number | null;
  /** Seconds from remediation until the heartbeat was back at baseline; null: never recovered. */
  recoverySeconds?: number | null;
  /** The experiment reports behind it. */
  reports?: string[];
  /** The checks of those reports (absent when none recorded any). */
  checks?: NamedCheck[];
  /** The case expects its run to fail (a negative control, a known bug of this release): its timings are not compared. */
  expectedToFail?: boolean;
  /** When the case ran more than once on this side: runs, passes, and every run's timings (the figures above are their medians). */
  repeats?: Repeats & { detection: (number | null)[]; recovery: (number | null)[]; notRun?: number };
}

export interface VetOptions {
  /**
   * A candidate is slower when a timing exceeds the baseline's by more than
   * max(tolerance × baseline, slackSeconds). Why these defaults: every timing is read off probes
   * that sample every 250 ms to 1 s, detectors must see their rule hold for 1-2 s and recovery
   * needs 2 s sustained at baseline, so on a 2-core machine repeat runs of one version already
   * differ by a second or two on figures of under a second (a 0.4 s detection at 0.9 s is
   * +125 % and means nothing): hence an absolute slack of 2 s. Above that, 50 %: what a version
   * changes (a slower reparent, a VSchema that propagates later) shows as a multiple, not a
   * few percent. One run per side cannot do better; raise both for noisy machines.
   */
  tolerance: number;
  slackSeconds: number;
}

export const DEFAULT_VET_OPTIONS: VetOptions = { tolerance: 0.5, slackSeconds: 2 };

/**
 * regression: worse on the candidate (its case, a check, or a timing); not-compared: the case
 * did not run on a side, or some of its checks could not be compared; flaky: over repeated
 * runs it passed and failed on the same side (never a regression nor a fix); both-fail: ran and
 * failed on both, every check alike; fixed: fails on the baseline only; ok: the same.
 */
export type RowVerdict = 'regression' | 'not-compared' | 'flaky' | 'both-fail' | 'fixed' | 'ok';

export interface TimingDelta {
  baseline?: number | null;
  candidate?: number | null;
  /** candidate - baseline, seconds (positive: the candidate is slower). */
  delta?: number;
  /** The most the candidate may take before it counts as slower (from the baseline's slowest run). */
  allowed?: number;
  slower: boolean;
  /** Every run's figure, when a side ran more than once. */
  baselineRuns?: (number | null)[];
  candidateRuns?: (number | null)[];
}

export interface VetRow {
  name: string;
  baseline?: ExperimentSummary;
  candidate?: ExperimentSummary;
  /** Both sides ran the case, so their outcomes were compared (some checks may still not be). */
  compared: boolean;
  detection: TimingDelta;
  recovery: TimingDelta;
  checks: CheckRow[];
  verdict: RowVerdict;
  reasons: string[];
}

/**
 * flagged: some row is a regression; incomplete: none is, but some case or check was not
 * compared (nothing is known about it, so the vet cannot say clean); clean: every case ran on
 * both sides and none is worse on the candidate (cases failing on both are listed).
 */
export type VetVerdict = 'flagged' | 'incomplete' | 'clean';

export interface VetComparison {
  baseline: { version: string; runDirs?: string[] };
  candidate: { version: string; runDirs?: string[] };
  options: VetOptions;
  rows: VetRow[];
  verdict: VetVerdict;
  counts: { cases: number; compared: number; notCompared: number; regressions: number; bothFail: number; flaky: number };
  /** What a reader must know to trust the verdict (e.g. pass/fail taken from run verdicts only). */
  notes: string[];
  createdAt: string;
}

/**
 * What a vet compares of one report: the first alarm of any detector after injection
 * (undefined: no detector recorded), and recovery (null: remediated but never recovered).
 */
function timingsOf(r: ExperimentReport): Pick<ExperimentSummary, 'detectionSeconds' | 'recoverySeconds'> {
  const t = r.result.timings;
  const d = t?.detectionSeconds;
  return {
    detectionSeconds: d && Object.keys(d).length ? firstAlarm(d) : undefined,
    recoverySeconds: t?.recoverySeconds ?? (t?.remediationSeconds !== undefined ? null : undefined),
  };
}

function runPassed(r: ExperimentReport): { pass: boolean; reason?: string } {
  const failedChecks = (r.result.checks ?? []).filter((c) => !c.pass).map((c) => `${c.what}: measured ${c.measured ?? 'nothing'} ${c.unit}, limit ${c.limit} ${c.unit}`);
  const problems = [...(r.result.problems ?? []), ...failedChecks];
  // A negative control passes by failing for its own reason (its recorded outcome).
  const pass = r.result.expected ? r.result.outcome === 'as-expected' : r.result.verdict === 'pass' && failedChecks.length === 0;
  return pass ? { pass } : { pass, reason: problems.join('; ') || `verdict ${r.result.verdict ?? 'unknown'}` };
}

const fileStem = (file: string) => basename(file).replace(/\.chaos\.ts$/, '');
/** A Jest case's name in a vet: the experiment file and the test's own title. */
export const caseName = (c: JestCase) => `${fileStem(c.file)} › ${c.title}`;

/**
 * One summary per Jest case (pass = the case's outcome: it holds the experiment's assertions),
 * with the timings of the experiment report it wrote; reports no case claims are summarised
 * from their own verdict and checks.
 */
export function summarize(reports: readonly ExperimentReport[], cases: readonly JestCase[]): ExperimentSummary[] {
  const byCase = new Map<JestCase, ExperimentReport[]>();
  const orphans: ExperimentReport[] = [];
  for (const r of reports) {
    const c = caseOf(r, cases);
    if (c) byCase.set(c, [...(byCase.get(c) ?? []), r]);
    else orphans.push(r);
  }
  const out: ExperimentSummary[] = [];
  for (const c of cases) {
    if (c.status !== 'passed' && c.status !== 'failed') continue; // skipped, todo: not run
    const rs = byCase.get(c) ?? [];
    const timed = rs[0];
    // A case that wrote a report got its cluster; only one that wrote none can have failed before starting.
    const notRun = rs.length ? firstOf(rs.map(reportNotRun)) : caseNotRun(c);
    out.push({
      name: caseName(c),
      pass: c.status === 'passed',
      ...(c.status === 'failed' ? { reason: failureLine(c) ?? 'failed' } : {}),
      ...(notRun ? { notRun } : {}),
      ...(timed ? timingsOf(timed) : {}),
      ...(rs.length ? { reports: rs.map((r) => r.result.experiment) } : {}),
      ...(rs.some((r) => r.result.expected) ? { expectedToFail: true } : {}),
      ...checksOf(rs),
    });
  }
  for (const r of orphans) {
    const p = runPassed(r);
    const notRun = reportNotRun(r);
    out.push({
      name: r.result.experiment,
      pass: p.pass,
      ...(p.reason ? { reason: p.reason } : {}),
      ...(notRun ? { notRun } : {}),
      ...timingsOf(r),
      reports: [r.result.experiment],
      ...checksOf([r]),
      ...(r.result.expected ? { expectedToFail: true } : {}),
    });
  }
  return out;
}

const firstOf = (xs: (string | undefined)[]) => xs.find((x) => x !== undefined);

/** The checks of a case's reports, when any of them recorded checks at all (older reports did not). */
function checksOf(reports: readonly ExperimentReport[]): Pick<ExperimentSummary, 'checks'> {
  if (!reports.some((r) => Array.isArray(r.result.checks))) return {};
  return { checks: namedChecks(reports.map((r) => ({ experiment: r.result.experiment, checks: r.result.checks }))) };
}

/** One timing of a case on both sides: every run's figure on each side, or the one. */
function timing(b: ExperimentSummary | undefined, c: ExperimentSummary | undefined, what: 'detection' | 'recovery', o: VetOptions): TimingDelta {
  const shown = (x: ExperimentSummary | undefined) => (what === 'detection' ? x?.detectionSeconds : x?.recoverySeconds);
  const runs = (x: ExperimentSummary | undefined): (number | null)[] => {
    if (x?.repeats) return x.repeats[what];
    const v = shown(x);
    return v === undefined ? [] : [v];
  };
  const [bv, cv] = [runs(b), runs(c)];
  const d: TimingDelta = { slower: false };
  const [bt, ct] = [shown(b), shown(c)];
  if (bt !== undefined) d.baseline = bt;
  if (ct !== undefined) d.candidate = ct;
  const clear = clearlySlower(bv, cv, (slowest) => Math.max(slowest * o.tolerance, o.slackSeconds));
  if (clear.allowed !== undefined) d.allowed = Math.round(clear.allowed * 1000) / 1000;
  d.slower = clear.slower;
  if (typeof bt === 'number' && typeof ct === 'number') d.delta = Math.round((ct - bt) * 1000) / 1000;
  if (bv.length > 1 || cv.length > 1) Object.assign(d, { baselineRuns: bv, candidateRuns: cv });
  return d;
}

const sideWord = (s: ExperimentSummary) => (s.pass ? 'passed' : 'failed');

/** Why a side has nothing to compare, or undefined when it ran. */
function missingOn(side: 'baseline' | 'candidate', s: ExperimentSummary | undefined): string | undefined {
  if (!s) return `no result on the ${side} (the case did not run there)`;
  if (s.notRun) return `did not run on the ${side}: ${s.notRun}`;
  return undefined;
}

function compareRow(name: string, b: ExperimentSummary | undefined, c: ExperimentSummary | undefined, o: VetOptions): VetRow {
  const detection = timing(b, c, 'detection', o);
  const recovery = timing(b, c, 'recovery', o);
  const base = { name, ...(b ? { baseline: b } : {}), ...(c ? { candidate: c } : {}), detection, recovery };

  // A side that did not run: nothing about the case is compared, whatever the other side did.
  const missing = [missingOn('baseline', b), missingOn('candidate', c)].filter((x): x is string => x !== undefined);
  if (missing.length) {
    const ran = [b && !b.notRun ? `${sideWord(b)} on the baseline` : undefined, c && !c.notRun ? `${sideWord(c)} on the candidate` : undefined].filter(Boolean);
    return { ...base, compared: false, detection: { slower: false }, recovery: { slower: false }, checks: [], verdict: 'not-compared', reasons: [...missing, ...(ran.length ? [`(${ran.join('; ')})`] : [])] };
  }
  const bs = b!;
  const cs = c!;
  const checks = compareChecks(bs.checks ?? [], cs.checks ?? []);
  const checkReasons = (v: CheckRow['verdict']) => checks.filter((x) => x.verdict === v).map((x) => `check "${x.name}" ${x.reason}`);
  const row: VetRow = { ...base, compared: true, checks, verdict: 'ok', reasons: [] };

  // Passing on some runs of a side and failing on others says nothing about the release.
  const flaky = ([['baseline', bs], ['candidate', cs]] as const).filter(([, x]) => isFlaky(x.repeats)).map(([side, x]) => `flaky on the ${side}: passed ${x.repeats!.passed} of ${x.repeats!.runs} runs (${x.reason ?? 'failed'})`);
  const regressions: string[] = [];
  if (bs.pass && !cs.pass && !flaky.length) regressions.push(`fails on the candidate where the baseline passed: ${cs.reason ?? 'failed'}`);
  regressions.push(...checkReasons('regression'));
  // Timings are compared where both passed: a failed run's timings stop where it failed. A case
  // expected to fail (a negative control, a known bug) has no timing worth comparing.
  if (bs.pass && cs.pass && !bs.expectedToFail && !cs.expectedToFail) {
    for (const [what, t] of [['detection', detection], ['recovery', recovery]] as const) {
      if (!t.slower) continue;
      regressions.push(
        t.candidate === null
          ? `${what}: ${secs(t.baseline)} on the baseline, never on the candidate`
          : `${what} slower: ${secs(t.candidate)} against ${secs(t.baseline)} (allowed up to ${secs(t.allowed)})`,
      );
    }
  }
  const notCompared = checkReasons('not-compared');
  const fixed = checkReasons('fixed');
  if (regressions.length) {
    row.verdict = 'regression';
    row.reasons.push(...regressions, ...notCompared);
  } else if (flaky.length || checkReasons('flaky').length) {
    row.verdict = 'flaky';
    row.reasons.push(...flaky, ...checkReasons('flaky'), ...notCompared);
    return row;
  } else if (notCompared.length) {
    row.verdict = 'not-compared';
    row.reasons.push(...notCompared);
  } else if (!bs.pass && !cs.pass) {
    row.verdict = 'both-fail';
    row.reasons.push(`fails on both: baseline ${bs.reason ?? 'failed'}; candidate ${cs.reason ?? 'failed'}`);
  } else if (!bs.pass && cs.pass) {
    row.verdict = 'fixed';
    row.reasons.push(`fails on the baseline (${bs.reason ?? 'failed'}), passes on the candidate`);
  } else if (fixed.length) {
    row.verdict = 'fixed';
  }
  row.reasons.push(...fixed);
  return row;
}

/** The comparison's verdict: see VetVerdict. */
export function vetVerdict(rows: readonly VetRow[]): VetVerdict {
  if (rows.some((r) => r.verdict === 'regression')) return 'flagged';
  if (rows.length === 0 || rows.some((r) => r.verdict === 'not-compared')) return 'incomplete';
  return 'clean';
}

/** Compares each experiment of the candidate with the same one on the baseline. */
export function compareVet(
  baseline: readonly ExperimentSummary[],
  candidate: readonly ExperimentSummary[],
  opts: Partial<VetOptions> = {},
  versions: { baseline: string; candidate: string; baselineRunDirs?: string[]; candidateRunDirs?: string[]; notes?: string[] } = { baseline: 'baseline', candidate: 'candidate' },
): VetComparison {
  const o: VetOptions = { ...DEFAULT_VET_OPTIONS, ...opts };
  baseline = foldRepeats(baseline);
  candidate = foldRepeats(candidate);
  const names = [...new Set([...baseline.map((s) => s.name), ...candidate.map((s) => s.name)])];
  const rows = names.map((n) =>
    compareRow(
      n,
      baseline.find((s) => s.name === n),
      candidate.find((s) => s.name === n),
      o,
    ),
  );
  return {
    baseline: { version: versions.baseline, ...(versions.baselineRunDirs ? { runDirs: versions.baselineRunDirs } : {}) },
    candidate: { version: versions.candidate, ...(versions.candidateRunDirs ? { runDirs: versions.candidateRunDirs } : {}) },
    options: o,
    rows,
    verdict: vetVerdict(rows),
    counts: {
      cases: rows.length,
      compared: rows.filter((r) => r.compared).length,
      notCompared: rows.filter((r) => r.verdict === 'not-compared').length,
      regressions: rows.filter((r) => r.verdict === 'regression').length,
      bothFail: rows.filter((r) => r.verdict === 'both-fail').length,
      flaky: rows.filter((r) => r.verdict === 'flaky').length,
    },
    notes: versions.notes ?? [],
    createdAt: new Date().toISOString(),
  };
}

