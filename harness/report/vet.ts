// Vet: the same experiments on a baseline and a candidate Vitess version, compared. Pure
// logic here (summaries in, comparison out), plus writing vet.json and vet.html.
import { promises as fs } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { firstAlarm } from '../experiment/timings';
import { caseOf, failureLine, JestCase } from './cases';
import { REPORT_FILE } from './html';
import { badge, esc, page, secs, table, toneOf } from './html-kit';
import type { ExperimentReport } from './run-report';

/** One experiment (one Jest case, or one experiment report when no case was recorded) on one version. */
export interface ExperimentSummary {
  name: string;
  pass: boolean;
  /** Why it failed: the test's failure, or the run's problems and failed checks. */
  reason?: string;
  /** Seconds from injection to the first alarm of any detector; null: none fired; absent: no fault run. */
  detectionSeconds?: number | null;
  /** Seconds from remediation until the heartbeat was back at baseline; null: never recovered. */
  recoverySeconds?: number | null;
  /** The experiment reports behind it. */
  reports?: string[];
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

export type RowVerdict = 'regression' | 'ok' | 'both-fail' | 'fixed' | 'new' | 'missing';

export interface TimingDelta {
  baseline?: number | null;
  candidate?: number | null;
  /** candidate - baseline, seconds (positive: the candidate is slower). */
  delta?: number;
  /** The most the candidate may take before it counts as slower. */
  allowed?: number;
  slower: boolean;
}

export interface VetRow {
  name: string;
  baseline?: ExperimentSummary;
  candidate?: ExperimentSummary;
  detection: TimingDelta;
  recovery: TimingDelta;
  verdict: RowVerdict;
  reasons: string[];
}

export interface VetComparison {
  baseline: { version: string; runDirs?: string[] };
  candidate: { version: string; runDirs?: string[] };
  options: VetOptions;
  rows: VetRow[];
  verdict: 'flagged' | 'clean';
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
  const pass = r.result.verdict === 'pass' && failedChecks.length === 0;
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
    out.push({
      name: caseName(c),
      pass: c.status === 'passed',
      ...(c.status === 'failed' ? { reason: failureLine(c) ?? 'failed' } : {}),
      ...(timed ? timingsOf(timed) : {}),
      ...(rs.length ? { reports: rs.map((r) => r.result.experiment) } : {}),
    });
  }
  for (const r of orphans) {
    const p = runPassed(r);
    out.push({
      name: r.result.experiment,
      pass: p.pass,
      ...(p.reason ? { reason: p.reason } : {}),
      ...timingsOf(r),
      reports: [r.result.experiment],
    });
  }
  return out;
}

function timing(b: number | null | undefined, c: number | null | undefined, o: VetOptions): TimingDelta {
  const d: TimingDelta = { slower: false };
  if (b !== undefined) d.baseline = b;
  if (c !== undefined) d.candidate = c;
  if (typeof b === 'number') {
    d.allowed = b + Math.max(b * o.tolerance, o.slackSeconds);
    if (typeof c === 'number') {
      d.delta = Math.round((c - b) * 1000) / 1000;
      d.slower = c > d.allowed;
    } else if (c === null) {
      d.slower = true; // it happened on the baseline and never on the candidate
    }
  }
  return d;
}

function compareRow(name: string, b: ExperimentSummary | undefined, c: ExperimentSummary | undefined, o: VetOptions): VetRow {
  const detection = timing(b?.detectionSeconds, c?.detectionSeconds, o);
  const recovery = timing(b?.recoverySeconds, c?.recoverySeconds, o);
  const row: VetRow = { name, ...(b ? { baseline: b } : {}), ...(c ? { candidate: c } : {}), detection, recovery, verdict: 'ok', reasons: [] };
  if (!c) {
    row.verdict = b!.pass ? 'regression' : 'missing';
    row.reasons.push(`${b!.pass ? 'passed' : 'failed'} on the baseline, did not run on the candidate`);
    return row;
  }
  if (!b) {
    row.verdict = 'new';
    row.reasons.push(`not run on the baseline; ${c.pass ? 'passes' : 'fails'} on the candidate${c.reason ? `: ${c.reason}` : ''}`);
    return row;
  }
  if (b.pass && !c.pass) {
    row.verdict = 'regression';
    row.reasons.push(`fails on the candidate where the baseline passed: ${c.reason ?? 'failed'}`);
    return row;
  }
  if (!b.pass && !c.pass) {
    row.verdict = 'both-fail';
    row.reasons.push(`fails on both: baseline ${b.reason ?? 'failed'}; candidate ${c.reason ?? 'failed'}`);
    return row;
  }
  if (!b.pass && c.pass) {
    row.verdict = 'fixed';
    row.reasons.push(`fails on the baseline (${b.reason ?? 'failed'}), passes on the candidate`);
    return row;
  }
  for (const [what, t] of [['detection', detection], ['recovery', recovery]] as const) {
    if (!t.slower) continue;
    row.verdict = 'regression';
    row.reasons.push(
      t.candidate === null
        ? `${what}: ${secs(t.baseline)} on the baseline, never on the candidate`
        : `${what} slower: ${secs(t.candidate)} against ${secs(t.baseline)} (allowed up to ${secs(t.allowed)})`,
    );
  }
  return row;
}

/** Compares each experiment of the candidate with the same one on the baseline. */
export function compareVet(
  baseline: readonly ExperimentSummary[],
  candidate: readonly ExperimentSummary[],
  opts: Partial<VetOptions> = {},
  versions: { baseline: string; candidate: string; baselineRunDirs?: string[]; candidateRunDirs?: string[]; notes?: string[] } = { baseline: 'baseline', candidate: 'candidate' },
): VetComparison {
  const o: VetOptions = { ...DEFAULT_VET_OPTIONS, ...opts };
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
    verdict: rows.some((r) => r.verdict === 'regression') ? 'flagged' : 'clean',
    notes: versions.notes ?? [],
    createdAt: new Date().toISOString(),
  };
}

const passText = (s: ExperimentSummary | undefined) => (s ? (s.pass ? 'pass' : 'fail') : 'not run');
const deltaText = (t: TimingDelta) => (t.delta === undefined ? (t.slower ? 'never on the candidate' : '–') : `${t.delta > 0 ? '+' : ''}${t.delta.toFixed(2)} s`);

/** The comparison as a plain-text table for the terminal. */
export function vetTable(v: VetComparison): string {
  const head = ['experiment', `baseline ${v.baseline.version}`, `candidate ${v.candidate.version}`, 'Δ detection', 'Δ recovery', 'verdict'];
  const rows = v.rows.map((r) => [r.name, passText(r.baseline), passText(r.candidate), deltaText(r.detection), deltaText(r.recovery), r.verdict]);
  const width = head.map((h, i) => Math.min(90, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (c.length > width[i] ? `${c.slice(0, width[i] - 1)}…` : c.padEnd(width[i]))).join('  ');
  const reasons = v.rows.filter((r) => r.verdict !== 'ok').map((r) => `  ${r.name}: ${r.reasons.join('; ')}`);
  return [line(head), ...rows.map(line), '', ...v.notes.map((n) => `note: ${n}`), `vet ${v.verdict.toUpperCase()}: candidate ${v.candidate.version} against baseline ${v.baseline.version}`, ...reasons].join('\n');
}

/** `dir`: where the page is written, so links to the run reports are relative (the folder can be moved). */
export function renderVetHtml(v: VetComparison, dir?: string): string {
  const timingCell = (t: TimingDelta) =>
    `<span class="nw">${secs(t.baseline, t.baseline === null ? 'never' : '–')} → ${secs(t.candidate, t.candidate === null ? 'never' : '–')}</span><br><span class="note nw">${esc(deltaText(t))}${t.allowed !== undefined ? `, allowed ≤ ${secs(t.allowed)}` : ''}</span>`;
  const rows = v.rows.map((r) => ({
    tone: toneOf(r.verdict),
    cells: [
      `<div class="name">${esc(r.name)}</div>`,
      badge(passText(r.baseline)),
      badge(passText(r.candidate)),
      timingCell(r.detection),
      timingCell(r.recovery),
      badge(r.verdict),
      // Reasons quote assertion messages, which can run long: each is cut so the table stays readable.
      `<div class="why">${r.reasons.map((x) => esc(x.length > 360 ? `${x.slice(0, 360)}…` : x)).join('<br>')}</div>`,
    ],
  }));
  const dirs = (side: { runDirs?: string[] }) => (side.runDirs?.length ? side.runDirs.map((d) => `<a href="${esc(dir ? relative(dir, join(d, REPORT_FILE)) : join(d, REPORT_FILE))}">${esc(basename(d))}</a>`).join(', ') : '–');
  const body = `<h1>vitess-chaos vet: ${esc(v.candidate.version)} against ${esc(v.baseline.version)} ${badge(v.verdict)}</h1>
<p class="meta">${v.rows.length} experiments; ${v.rows.filter((r) => r.verdict === 'regression').length} regressions, ${v.rows.filter((r) => r.verdict === 'both-fail').length} failing on both. Written ${esc(v.createdAt)}.</p>
${v.notes.map((n) => `<div class="problems"><b>Note</b>: ${esc(n)}</div>`).join('\n')}
<p class="note">A regression: the candidate fails where the baseline passed, or detects or recovers more slowly than max(${v.options.tolerance * 100} % of the baseline, ${v.options.slackSeconds} s) beyond the baseline. Failing on both is reported, not flagged. Detection: injection to the first alarm; recovery: remediation to the heartbeat back at baseline.</p>
${table(['experiment', `baseline ${v.baseline.version}`, `candidate ${v.candidate.version}`, 'detection', 'recovery', 'verdict', 'why'], rows)}
<h3>Run reports</h3>
${table(['side', 'version', 'run folders'], [
    { cells: ['baseline', esc(v.baseline.version), dirs(v.baseline)] },
    { cells: ['candidate', esc(v.candidate.version), dirs(v.candidate)] },
  ])}`;
  return page(`vitess-chaos vet ${v.candidate.version} vs ${v.baseline.version}`, body);
}

/** Writes <dir>/vet.json and <dir>/vet.html; returns both paths. */
export async function writeVetReport(dir: string, comparison: VetComparison): Promise<{ json: string; html: string }> {
  await fs.mkdir(dir, { recursive: true });
  const json = join(dir, 'vet.json');
  const html = join(dir, 'vet.html');
  await fs.writeFile(json, `${JSON.stringify(comparison, null, 2)}\n`);
  await fs.writeFile(html, renderVetHtml(comparison, dir));
  return { json, html };
}
