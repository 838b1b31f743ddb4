// The run report: reports/<run-id>/report.html, one self-contained page for every experiment
// JSON in the run folder (experiments that shared a cluster share the folder). Charts are
// inline SVG (charts.ts); no script, stylesheet, font or image is fetched from anywhere.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { JestCase } from './cases';
import { failureLine, plain } from './cases';
import { firstAlarm } from '../experiment/timings';
import { renderChart, MARKER_COLORS } from './charts';
import { badge, esc, figure, flatten, kv, num, page, secs, table, toneOf } from './html-kit';
import { count, ExperimentReport, readRun, RunReport } from './run-report';
import { chartsOf, faultWindow, MARKER_KINDS, markersOf, runEnd } from './series';

export const REPORT_FILE = 'report.html';

const anchor = (name: string) => `exp-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function caseFor(run: RunReport, name: string): JestCase | undefined {
  return run.tests?.find((c) => c.experiments?.includes(name));
}

function versionsHtml(r: ExperimentReport | undefined): string {
  const v = r?.versions;
  if (!v) return `<p class="note">No versions recorded.</p>`;
  return table(
    ['component', 'version'],
    [
      { cells: ['Vitess', `${esc(v.vitess?.release ?? r?.result.vitess ?? '?')}${v.vitess?.module ? ` <span class="note">(Go module ${esc(v.vitess.module)})</span>` : ''}`] },
      { cells: ['database', `${esc(v.database?.id ?? r?.result.database ?? '?')}${v.database?.packages ? ` <span class="note">(${esc(v.database.packages.join(', '))})</span>` : ''}`] },
    ],
  );
}

function topologyHtml(r: ExperimentReport | undefined): string {
  const t = r?.topology;
  if (!t) return `<p class="note">No topology recorded.</p>`;
  const rows = t.keyspaces.map((k) => ({
    cells: [
      esc(k.name),
      k.sharded ? 'sharded' : 'unsharded',
      esc(k.durability),
      esc(k.shards.map((s) => `${s.name}: primary + ${s.replicas} replica${s.replicas === 1 ? '' : 's'}`).join('; ')),
      esc(Object.keys(k.vschema?.tables ?? {}).join(', ') || '–'),
    ],
  }));
  return `<p class="meta">cell ${esc(t.cell)}</p>${table(['keyspace', 'kind', 'durability', 'shards', 'tables (VSchema)'], rows)}`;
}

function overviewHtml(run: RunReport): string {
  // The test column only when `run` recorded the Jest cases (a report re-rendered from JSON alone has none).
  const withTests = Boolean(run.tests?.length);
  const rows = run.experiments.map((r) => {
    const c = caseFor(run, r.result.experiment);
    const t = r.result.timings;
    const test = c ? badge(c.status) : '<span class="note">–</span>';
    return {
      cells: [
        `<a href="#${anchor(r.result.experiment)}">${esc(r.result.experiment)}</a>`,
        verdictHtml(r.result),
        ...(withTests ? [test] : []),
        secs(firstAlarm(r.result.timings?.detectionSeconds ?? {})),
        secs(t?.recoverySeconds),
        secs(t?.timeToRecoverSeconds),
        secs(t?.outageSeconds),
        r.result.ledger ? badge(r.result.ledger.verdict) : '–',
      ],
    };
  });
  return table(['experiment', 'run verdict', ...(withTests ? ['test'] : []), 'first detection', 'recovery', 'time to recover', 'outage', 'ledger'], rows);
}

function testsHtml(tests: JestCase[]): string {
  const rows = tests.map((c) => ({
    tone: toneOf(c.status),
    cells: [
      esc(c.file),
      esc([...c.ancestorTitles, c.title].join(' › ')),
      badge(c.status),
      c.duration === null ? '–' : `${(c.duration / 1000).toFixed(1)} s`,
      esc((c.experiments ?? []).join(', ') || '–'),
      c.failureMessages.length ? `<details><summary>${esc(failureLine(c) ?? 'failed')}</summary><pre>${esc(plain(c.failureMessages.join('\n\n')))}</pre></details>` : '',
    ],
  }));
  return table(['file', 'test', 'outcome', 'duration', 'experiment reports', 'failure'], rows);
}

function timingsHtml(r: ExperimentReport): string {
  const t = r.result.timings;
  if (!t) return `<p class="note">No timings recorded.</p>`;
  const rows: { cells: string[] }[] = [];
  for (const [detector, s] of Object.entries(t.detectionSeconds ?? {})) rows.push({ cells: [`detection: ${esc(detector)}`, 'injection → first alarm', s === null ? '<b>never fired</b>' : secs(s)] });
  rows.push({ cells: ['remediation', 'injection → remediation', secs(t.remediationSeconds)] });
  rows.push({ cells: ['recovery', 'remediation → heartbeat back at baseline', secs(t.recoverySeconds)] });
  rows.push({ cells: ['time to recover', 'injection → recovered', secs(t.timeToRecoverSeconds)] });
  rows.push({ cells: ['outage', 'longest stretch without a successful request', secs(t.outageSeconds, 'none')] });
  if (t.outageStallSeconds) rows.push({ cells: ['of which stalled', 'the harness or the app itself not running within that stretch (a busy host)', secs(t.outageStallSeconds)] });
  rows.push({ cells: ['error window', 'first to last failed request', secs(t.errorWindowSeconds, 'no failed request')] });
  return table(['timing', 'from → to', 'measured'], rows.map((x) => ({ cells: [x.cells[0], esc(x.cells[1]), `<span class="n">${x.cells[2]}</span>`] })));
}

const COMPARE: Record<string, string> = { 'at-most': '≤', 'at-least': '≥', equals: '=' };


function checksHtml(r: ExperimentReport): string {
  const checks = r.result.checks;
  if (!checks) return `<p class="note">This report records no thresholds (written before checks were recorded); the experiment's assertions are in its Jest file.</p>`;
  if (!checks.length) return `<p class="note">No checks.</p>`;
  return table(
    ['check', 'measured', 'threshold', 'result'],
    checks.map((c) => ({
      tone: c.pass ? ('pass' as const) : ('fail' as const),
      cells: [
        esc(c.what),
        c.measured === null ? `<b>not measured</b>${c.why ? `: ${esc(c.why)}` : ''}` : `${num(c.measured, 3)} ${esc(c.unit)}`,
        c.comparison === 'within' ? `${num(c.min ?? 0, 3)}–${num(c.limit, 3)} ${esc(c.unit)}` : `${COMPARE[c.comparison] ?? esc(c.comparison)} ${num(c.limit, 3)} ${esc(c.unit)}`,
        c.status === 'not-measured' ? badge('not measured', 'fail') : badge(c.pass ? 'pass' : 'fail'),
      ],
    })),
  );
}

/** "step 3 (remediate): re-apply the VSchema snapshot", with why it failed or was skipped. */
function stepLine(e: { name: string; data?: Record<string, unknown> }): string {
  const d = e.data ?? {};
  const head = `<b>step ${esc(String(d.step ?? '?'))}</b> (${esc(String(d.kind ?? '?'))}): ${esc(String(d.what ?? e.name))}`;
  if (d.at === 'failed') return `${head} <span class="note">failed: ${esc(String(d.message ?? ''))}</span>`;
  if (d.skipped) return `${head} <span class="note">skipped (step "${esc(String(d.because ?? '?'))}" failed)</span>`;
  return head;
}

function incidentHtml(r: ExperimentReport): string {
  const inc = r.experiment?.incident;
  const injectAt = r.result.timings?.injectAt;
  const shown = new Set(['fault', 'alarm', 'clear', 'remediation', 'recovered', 'note']);
  // Each step once: where it began, or that it failed or was skipped (its end is in the JSON).
  const stepShown = (e: { kind: string; data?: Record<string, unknown> }) => e.kind === 'step' && e.data?.at !== 'end';
  const events = (r.timeline?.events ?? r.result.events ?? []).filter((e) => shown.has(e.kind) || stepShown(e));
  const rel = (t: number) => (injectAt === undefined ? `${(t / 1000).toFixed(2)} s` : `${t - injectAt >= 0 ? '+' : '−'}${(Math.abs(t - injectAt) / 1000).toFixed(2)} s`);
  const measured = events.length
    ? table(
        [injectAt === undefined ? 'time (run clock)' : 'after injection', 'event'],
        events.map((e) => ({
          tone: e.kind === 'step' && e.data?.at === 'failed' ? ('fail' as const) : undefined,
          cells: [`<span class="n">${rel(e.t)}</span>`, e.kind === 'step' ? stepLine(e) : `${esc(e.kind)}: ${esc(e.name)}${e.data?.reason ? ` <span class="note">(${esc(e.data.reason)})</span>` : ''}`],
        })),
      )
    : `<p class="note">No events.</p>`;
  const incident = inc
    ? `${table(['minute', 'what happened'], inc.timeline.map((s) => ({ cells: [`<span class="n">${s.minute}</span>`, esc(s.what)] })))}<p class="note">${esc(inc.file)}</p>`
    : `<p class="note">This experiment rehearses no recorded incident.</p>`;
  const cmp = r.result.incidentComparison?.length
    ? `<h3>The incident's figures beside this run's</h3>${table(['figure', 'incident', 'measured'], r.result.incidentComparison.map((c) => ({ cells: [esc(c.what), esc(c.incident), esc(c.measured)] })))}`
    : '';
  return `<div class="cols"><div><h3>The incident's timeline</h3>${incident}</div><div><h3>This run's timeline</h3>${measured}</div></div>${cmp}`;
}

function ledgerHtml(r: ExperimentReport): string {
  const l = r.result.ledger;
  if (!l) return `<p class="note">The ledger was not verified.</p>`;
  const rows: [string, string][] = [
    ['verdict', badge(l.verdict)],
    ['acknowledged writes', num(l.acknowledged)],
    ['indeterminate (found / missing)', `${num(l.indeterminate)} (${num(l.indeterminateFound)} / ${num(l.indeterminateMissing)})`],
    ['lost', num(count(l.lost))],
    ['duplicated', num(count(l.duplicated))],
    ['altered', num(count(l.altered))],
    ['on the wrong shard', num(count(l.misplaced))],
    ['vtgate vs shards mismatch', num(count(l.vtgateMismatch))],
  ];
  if (l.error) rows.push(['error', esc(l.error)]);
  return kv(rows);
}

function loadHtml(r: ExperimentReport): string {
  const load = r.result.load;
  const rows: [string, string][] = [
    [
      'rate',
      !load ? '–' : load.offeredRate !== undefined && load.offeredRate !== load.rate ? `${num(load.rate)} req/s (lowered from ${num(load.offeredRate)}: what this machine sustained)` : `${num(load.rate)} req/s`,
    ],
    ['requests ok / failed / timed out', load ? `${num(load.ok)} / ${num(load.failed)} / ${num(load.timeouts)}` : '–'],
    ['writes acknowledged', num(load?.writesAcked)],
    ['steady-state heartbeat', r.result.baselineWritesPerSec === undefined ? '–' : `${num(r.result.baselineWritesPerSec, 1)} writes/s`],
    ['cluster bring-up', secs(r.result.bringUpSeconds)],
  ];
  const errs = r.result.clientErrors;
  const errRows = Object.entries(errs?.byCode ?? {}).map(([code, n]) => ({ cells: [esc(code), num(n), figure(errs?.samples?.[code])] }));
  return `${kv(rows)}${errRows.length ? `<h3>What clients were told</h3>${table(['error code', 'count', 'sample'], errRows)}` : ''}`;
}

function measuredHtml(r: ExperimentReport): string {
  const m = r.result.measured;
  if (!m || !Object.keys(m).length) return '';
  return `<h3>The experiment's own figures</h3>${table(['figure', 'value'], flatten(m).map(([k, v]) => ({ cells: [esc(k), figure(v)] })))}`;
}

const markerLegend = `<div class="legend">${MARKER_KINDS.map((k) => `<span><i style="border-color:${MARKER_COLORS[k]}"></i>${k}</span>`).join('')}<span><i style="border-top:8px solid rgba(229,57,53,.15)"></i>fault live (inject → recover)</span></div>`;

async function chartsHtml(r: ExperimentReport): Promise<string> {
  const charts = chartsOf(r);
  if (!charts.length) return `<p class="note">No samples in this report: nothing to chart.</p>`;
  const markers = markersOf(r);
  const end = runEnd(r);
  const window = faultWindow(markers, end);
  const figures: string[] = [];
  for (const c of charts) {
    if (c.skipped) {
      figures.push(`<p class="meta"><b>${esc(c.title)}</b>: not charted, ${esc(c.skipped)}.</p>`);
      continue;
    }
    figures.push(`<figure id="${anchor(r.result.experiment)}-${c.id}" class="chart"><figcaption>${esc(c.title)}</figcaption>${await renderChart(c, markers, end, window)}</figure>`);
  }
  return `${markerLegend}${figures.join('\n')}`;
}

async function experimentHtml(run: RunReport, r: ExperimentReport): Promise<string> {
  const res = r.result;
  const c = caseFor(run, res.experiment);
  const fault = r.experiment?.fault;
  const problems = res.problems?.length ? `<div class="problems"><b>Problems</b><ul>${res.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>` : '';
  const testLine = c
    ? `<p class="meta">Test: ${esc([...c.ancestorTitles, c.title].join(' › '))} ${badge(c.status)}${c.status === 'failed' && failureLine(c) ? ` <span class="note">${esc(failureLine(c))}</span>` : ''}</p>`
    : '';
  return `<section class="experiment" id="${anchor(res.experiment)}">
<h2>${esc(res.experiment)} ${verdictHtml(res)}</h2>${res.expected ? `\n<p class="note">Expected to fail (${esc(res.expected.why)}): it must fail with a problem matching /${esc(res.expected.failsWith)}/; outcome <b>${esc(res.outcome ?? 'not recorded')}</b>.</p>` : ''}
<p class="meta">${esc(res.title ?? r.experiment?.title ?? '')}</p>
<p class="meta">Fault <b>${esc(fault?.name ?? '?')}</b>${fault?.description ? `: ${esc(fault.description)}` : ''} · started ${esc(r.timeline?.startedAt ?? '?')} · Vitess ${esc(res.vitess ?? '?')} on ${esc(res.database ?? '?')}</p>
${testLine}${problems}
${await chartsHtml(r)}
<div class="cols"><div><h3>Timings</h3>${timingsHtml(r)}</div><div><h3>Checks against thresholds</h3>${checksHtml(r)}</div></div>
${incidentHtml(r)}
<div class="cols"><div><h3>Ledger</h3>${ledgerHtml(r)}</div><div><h3>Load</h3>${loadHtml(r)}</div></div>
${measuredHtml(r)}
<details><summary>Options and source file</summary><pre>${esc(JSON.stringify(r.options ?? {}, null, 2))}</pre><p class="note">${esc(r.file)}</p></details>
</section>`;
}

/** The run's verdict, and for a negative control whether its failure was the expected one. */
function verdictHtml(res: ExperimentReport['result']): string {
  const v = badge(res.verdict ?? 'unknown');
  if (!res.expected) return v;
  return `${v} ${badge(res.outcome === 'as-expected' ? 'as expected' : 'unexpected', res.outcome === 'as-expected' ? 'pass' : 'fail')}`;
}

export async function renderHtmlReport(run: RunReport): Promise<string> {
  const first = run.experiments[0];
  const verdicts = run.experiments.map((r) => r.result.verdict ?? 'unknown');
  const failedTests = (run.tests ?? []).filter((c) => c.status === 'failed').length;
  const head = `<h1>vitess-chaos run ${esc(run.runId)}</h1>
<p class="meta">${run.experiments.length} experiment report${run.experiments.length === 1 ? '' : 's'}: ${verdicts.filter((v) => v === 'pass').length} passed their own checks, ${verdicts.filter((v) => v !== 'pass').length} did not${run.tests ? `; ${run.tests.length} Jest tests, ${failedTests} failed` : ''}. Times are seconds on the run's clock.</p>
<p class="note">Run verdict: the experiment's own checks (steady state, detection, recovery, ledger). Test: the outcome of the Jest case that ran it, which holds the experiment's assertions (a broken-fault case passes when its run fails).</p>`;
  const body = [
    head,
    run.experiments.length ? `<h3>Experiments</h3>${overviewHtml(run)}` : `<p class="note">No experiment report in ${esc(run.dir)}.</p>`,
    `<div class="cols"><div><h3>Versions</h3>${versionsHtml(first)}</div><div><h3>Topology</h3>${topologyHtml(first)}</div></div>`,
    run.tests?.length ? `<h3>Jest tests</h3>${testsHtml(run.tests)}` : '',
  ];
  for (const r of run.experiments) body.push(await experimentHtml(run, r));
  return page(`vitess-chaos ${run.runId}`, body.join('\n'));
}

/** Writes reports/<run-id>/report.html from every experiment JSON in the folder (`run`: already read); returns its path. */
export async function writeHtmlReport(runDir: string, run?: RunReport): Promise<string> {
  const file = join(runDir, REPORT_FILE);
  await fs.writeFile(file, await renderHtmlReport(run ?? (await readRun(runDir))));
  return file;
}
