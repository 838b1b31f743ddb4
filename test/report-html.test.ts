// The HTML run report, from real experiment JSON (trimmed copies under test/fixtures/).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JestCase } from '../harness/report/cases';
import { renderHtmlReport, writeHtmlReport } from '../harness/report/html';
import { readRun, RunReport } from '../harness/report/run-report';

// Rendering charts (vega) takes seconds on a busy 2-core machine, past Jest's default 5 s.
jest.setTimeout(60_000);

const INT_SEQUENCE = join(__dirname, 'fixtures', 'run-int-sequence');
const EMPTY_VSCHEMA = join(__dirname, 'fixtures', 'run-empty-vschema');

const svgs = (html: string) => html.match(/<svg[\s>]/g)?.length ?? 0;

describe('HTML run report', () => {
  let intSeq: RunReport;
  let html: string;

  beforeAll(async () => {
    intSeq = await readRun(INT_SEQUENCE);
    html = await renderHtmlReport(intSeq);
  });

  test('one chart per sampled quantity: throughput, latency, error rate, replica lag, sequence headroom', () => {
    expect(svgs(html)).toBe(5);
    for (const id of ['throughput', 'latency', 'errors', 'replica-lag', 'sequence-headroom']) {
      expect(html).toContain(`id="exp-int-sequence-exhaustion-${id}"`);
    }
    expect(html).toContain('seconds since the run started');
  });

  test('every chart carries the lifecycle markers with their labels', () => {
    // Both headroom alarms fired at the same instant: one merged label.
    for (const label of ['inject: sequence-near-int-max', 'detect: integer-headroom-80, integer-headroom-95', 'detect: event-heartbeat', 'remediate: killswitch on', 'recover: heartbeat at baseline']) {
      expect(html.split(label).length - 1).toBeGreaterThanOrEqual(5);
    }
  });

  test('self-contained: no script, no external stylesheet, font, image or URL', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|url\((?!#)/i); // url(#clipN): the SVG's own clip paths
    expect(html).not.toMatch(/https?:\/\//);
    // Inline SVGs share one document: their clip-path ids must not collide.
    const ids = [...html.matchAll(/<clipPath id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('timings, the incident timeline beside the measured one, versions, topology and ledger', () => {
    expect(html).toContain('detection: event-heartbeat');
    expect(html).toMatch(/11\.(39|40) s/); // event-heartbeat detection
    expect(html).toContain('21.40 s'); // time to recover
    expect(html).toContain("The incident's timeline");
    expect(html).toContain('migration PR opened (INT to BIGINT)');
    expect(html).toContain("This run's timeline");
    expect(html).toContain('+0.76 s'); // the headroom alarms, after injection
    expect(html).toContain('Go module v0.24.3');
    expect(html).toContain('-80: primary + 2 replicas');
    expect(html).toContain('acknowledged writes');
    expect(html).toContain('ER_WARN_DATA_OUT_OF_RANGE');
    expect(html).toContain('This report records no thresholds');
  });

  test('checks are shown against their thresholds, pass and fail coloured', async () => {
    const withChecks: RunReport = structuredClone(intSeq);
    withChecks.experiments[0].result.checks = [
      { what: 'first headroom alarm before the first failed insert', measured: 8.48, limit: 0, unit: 's', comparison: 'at-least', pass: true },
      { what: 'recovery after the killswitch was lifted', measured: 12.5, limit: 10, unit: 's', comparison: 'at-most', pass: false },
      { what: 'acknowledged writes lost', measured: null, limit: 0, unit: 'rows', comparison: 'equals', pass: false },
    ];
    const h = await renderHtmlReport(withChecks);
    expect(h).toMatch(/<tr class="pass"><td>first headroom alarm before the first failed insert<\/td><td>8\.480 s<\/td><td>≥ 0\.000 s<\/td>/);
    expect(h).toMatch(/<tr class="fail"><td>recovery after the killswitch was lifted<\/td><td>12\.500 s<\/td><td>≤ 10\.000 s<\/td>/);
    expect(h).toContain('<b>not measured</b>');
  });

  test('several experiments in one run folder; a flat sequence headroom is a line, not a chart', async () => {
    const run = await readRun(EMPTY_VSCHEMA);
    expect(run.experiments.map((e) => e.result.experiment)).toEqual(['empty-vschema-direct', 'empty-vschema-movetables']);
    const h = await renderHtmlReport(run);
    expect(svgs(h)).toBe(8); // 4 each: throughput, latency, error rate, replica lag
    expect(h).toContain('<b>Sequence headroom</b>: not charted, every sequence kept over 99.9 %');
    expect(h).toContain('detect: vschema-drift');
    expect(h).toContain('remediate: vschema snapshot re-applied');
    expect(h).toContain('<b>never fired</b>'); // heartbeat-anomaly: restored first
  });

  test("the Jest cases recorded with a run are listed, and each experiment shows its test's outcome", async () => {
    const run = await readRun(EMPTY_VSCHEMA);
    const t0 = Date.parse(run.experiments[1].timeline!.startedAt!);
    const tests: JestCase[] = [
      {
        file: 'experiments/empty-vschema.chaos.ts',
        ancestorTitles: ['empty VSchema'],
        title: 'case 3, the real bug',
        fullName: 'empty VSchema case 3, the real bug',
        status: 'failed',
        startAt: t0 - 10,
        duration: 20_000,
        failureMessages: ['\u001b[31mError: expect(received).toEqual(expected)\u001b[39m\n- []\n+ ["the failed MoveTables changed the stored VSchema"]'],
        experiments: ['empty-vschema-movetables'],
      },
    ];
    const h = await renderHtmlReport({ ...run, tests });
    expect(h).toContain('<h3>Jest tests</h3>');
    expect(h).toContain('Error: expect(received).toEqual(expected)');
    expect(h).not.toContain('\u001b[');
  });

  test('a report without timeline or timings still renders', async () => {
    const h = await renderHtmlReport({ dir: '/nowhere', runId: 'r1', experiments: [{ file: 'x.json', result: { experiment: 'old', verdict: 'fail', problems: ['cluster never became ready'] } }] });
    expect(h).toContain('No samples in this report');
    expect(h).toContain('cluster never became ready');
    expect(svgs(h)).toBe(0);
  });

  test('writeHtmlReport writes report.html into the run folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-report-'));
    try {
      cpSync(INT_SEQUENCE, dir, { recursive: true });
      const file = await writeHtmlReport(dir);
      expect(file).toBe(join(dir, 'report.html'));
      expect(existsSync(file)).toBe(true);
      expect(svgs(readFileSync(file, 'utf8'))).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
