// A vet comparison for people: a table on the terminal, vet.json and a self-contained vet.html.
import { promises as fs } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { REPORT_FILE } from './html';
import { badge, esc, page, secs, table, Tone, toneOf } from './html-kit';
import type { ExperimentSummary, TimingDelta, VetComparison, VetRow } from './vet';
import { CheckRow, checkFigure } from './vet-checks';
import { isFlaky } from './vet-repeats';

/** pass / fail / not run, with "k/n" passed when the case ran more than once ("flaky 2/3"). */
function sideText(s: ExperimentSummary | undefined): string {
  if (!s) return 'no result';
  if (s.notRun) return 'not run';
  const r = s.repeats;
  const word = isFlaky(r) ? 'flaky' : s.pass ? 'pass' : 'fail';
  return r ? `${word} ${r.passed}/${r.runs}` : word;
}
const deltaText = (t: TimingDelta) => (t.delta === undefined ? (t.slower ? 'never on the candidate' : '–') : `${t.delta > 0 ? '+' : ''}${t.delta.toFixed(2)} s`);

/** "11 ok, 1 regression" over a case's checks ('–' when it has none). */
function checksText(checks: readonly CheckRow[]): string {
  if (!checks.length) return '–';
  const by = new Map<string, number>();
  for (const c of checks) by.set(c.verdict, (by.get(c.verdict) ?? 0) + 1);
  return [...by].map(([verdict, n]) => `${n} ${verdict}`).join(', ');
}

/** What the verdict means, in one line: the last line a terminal user reads. */
export function verdictLine(v: VetComparison): string {
  const { cases, compared, notCompared, regressions, bothFail, flaky } = v.counts;
  const parts = [`${compared} of ${cases} case${cases === 1 ? '' : 's'} compared`];
  if (regressions) parts.push(`${regressions} regressed`);
  if (notCompared) parts.push(`${notCompared} not compared`);
  if (bothFail) parts.push(`${bothFail} failing on both`);
  if (flaky) parts.push(`${flaky} flaky`);
  return `vet ${v.verdict.toUpperCase()}: candidate ${v.candidate.version} against baseline ${v.baseline.version} (${parts.join(', ')})`;
}

/** The comparison as a plain-text table for the terminal, the verdict, then each row's reasons one a line. */
export function vetTable(v: VetComparison): string {
  const head = ['experiment', `baseline ${v.baseline.version}`, `candidate ${v.candidate.version}`, 'Δ detection', 'Δ recovery', 'checks', 'verdict'];
  const rows = v.rows.map((r) => [r.name, sideText(r.baseline), sideText(r.candidate), deltaText(r.detection), deltaText(r.recovery), checksText(r.checks), r.verdict]);
  const width = head.map((h, i) => Math.min(90, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (c.length > width[i] ? `${c.slice(0, width[i] - 1)}…` : c.padEnd(width[i]))).join('  ');
  const reasons = v.rows.filter((r) => r.reasons.length).map((r) => [`  ${r.name}:`, ...r.reasons.map((x) => `    - ${x}`)].join('\n'));
  return [line(head), ...rows.map(line), '', ...v.notes.map((n) => `note: ${n}`), verdictLine(v), ...reasons].join('\n');
}

/** Tones of the vet's own words (the kit knows the run report's). */
function tone(verdict: string): Tone {
  if (verdict.startsWith('flaky')) return 'warn';
  if (verdict === 'not-compared' || verdict === 'incomplete' || verdict === 'not run' || verdict === 'no result' || verdict === 'unmeasured') return 'warn';
  return toneOf(verdict);
}

const cutText = (x: string, max = 360) => (x.length > max ? `${x.slice(0, max)}…` : x);

/** Each case's checks, side by side: the vet's evidence beyond pass and fail. */
function checksSection(rows: readonly VetRow[]): string {
  const withChecks = rows.filter((r) => r.checks.length);
  if (!withChecks.length) return '';
  const figure = (c: CheckRow['baseline']) => (c ? esc(checkFigure(c)) : '–');
  const body = withChecks.flatMap((r) =>
    r.checks.map((c, i) => ({
      tone: tone(c.verdict),
      cells: [i === 0 ? `<div class="name">${esc(r.name)}</div>` : '', esc(c.name), figure(c.baseline), figure(c.candidate), badge(c.verdict, tone(c.verdict))],
    })),
  );
  return `<h3>Checks, case by case</h3>\n${table(['experiment', 'check', 'baseline', 'candidate', 'verdict'], body)}`;
}

/** `dir`: where the page is written, so links to the run reports are relative (the folder can be moved). */
export function renderVetHtml(v: VetComparison, dir?: string): string {
  const runs = (xs: (number | null)[] | undefined) => (xs && xs.length > 1 ? ` [${xs.map((x) => (x === null ? 'never' : x.toFixed(2))).join(', ')}]` : '');
  const timingCell = (t: TimingDelta) =>
    `<span class="nw">${secs(t.baseline, t.baseline === null ? 'never' : '–')} → ${secs(t.candidate, t.candidate === null ? 'never' : '–')}</span><br><span class="note nw">${esc(deltaText(t))}${t.allowed !== undefined ? `, allowed ≤ ${secs(t.allowed)}` : ''}</span>${t.baselineRuns ? `<br><span class="note">runs: ${esc(runs(t.baselineRuns))} → ${esc(runs(t.candidateRuns))}</span>` : ''}`;
  const rows = v.rows.map((r) => ({
    tone: tone(r.verdict),
    cells: [
      `<div class="name">${esc(r.name)}</div>`,
      badge(sideText(r.baseline), tone(sideText(r.baseline))),
      badge(sideText(r.candidate), tone(sideText(r.candidate))),
      timingCell(r.detection),
      timingCell(r.recovery),
      esc(checksText(r.checks)),
      badge(r.verdict, tone(r.verdict)),
      // Reasons quote assertion messages, which can run long: each is cut so the table stays readable.
      `<div class="why">${r.reasons.map((x) => esc(cutText(x))).join('<br>')}</div>`,
    ],
  }));
  const dirs = (side: { runDirs?: string[] }) => (side.runDirs?.length ? side.runDirs.map((d) => `<a href="${esc(dir ? relative(dir, join(d, REPORT_FILE)) : join(d, REPORT_FILE))}">${esc(basename(d))}</a>`).join(', ') : '–');
  const c = v.counts;
  const body = `<h1>vitess-chaos vet: ${esc(v.candidate.version)} against ${esc(v.baseline.version)} ${badge(v.verdict, tone(v.verdict))}</h1>
<p class="meta">${c.cases} cases: ${c.compared} compared, ${c.regressions} regressions, ${c.notCompared} not compared, ${c.bothFail} failing on both, ${c.flaky} flaky. Written ${esc(v.createdAt)}.</p>
${v.notes.map((n) => `<div class="problems"><b>Note</b>: ${esc(n)}</div>`).join('\n')}
<p class="note">A regression: the candidate fails a case or a check the baseline passed, or detects or recovers more slowly than max(${v.options.tolerance * 100} % of the baseline, ${v.options.slackSeconds} s) beyond the baseline. A case that did not run on a side (its cluster never came up, its run reached no verdict or stopped before the fault), or a check measured on one side only, is not compared, and the vet is then incomplete, never clean. Failing on both, with every check alike, is reported, not flagged. Each case may run several times a side (--repeat): a case or check that passed on some runs of a side and failed on others is flaky, never a regression or a fix; a timing is slower only when every candidate run is beyond the baseline's slowest run by that allowance; a case expected to fail (a negative control, a known bug) is not compared on timings. Detection: injection to the first alarm; recovery: remediation to the heartbeat back at baseline.</p>
${table(['experiment', `baseline ${v.baseline.version}`, `candidate ${v.candidate.version}`, 'detection', 'recovery', 'checks', 'verdict', 'why'], rows)}
${checksSection(v.rows)}
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
