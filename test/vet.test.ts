// The vet comparison: what flags a candidate, and what does not.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JestCase } from '../harness/report/cases';
import { readRun } from '../harness/report/run-report';
import type { NamedCheck } from '../harness/report/vet-checks';
import { vetExitCode } from '../harness/cli/exit-codes';
import type { Check } from '../harness/experiment/assertions';
import { compareVet, ExperimentSummary, summarize } from '../harness/report/vet';
import { vetTable, writeVetReport } from '../harness/report/vet-render';

const s = (name: string, pass: boolean, detectionSeconds?: number | null, recoverySeconds?: number | null, reason?: string, more: Partial<ExperimentSummary> = {}): ExperimentSummary => ({
  name,
  pass,
  ...(detectionSeconds !== undefined ? { detectionSeconds } : {}),
  ...(recoverySeconds !== undefined ? { recoverySeconds } : {}),
  ...(reason ? { reason } : {}),
  ...more,
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

  test('failing on both, where both ran, is reported, not a regression', () => {
    const v = compareVet([s('flaky', false, null, null, 'ThresholdError: first alarm: measured 3 s')], [s('flaky', false, null, null, 'ThresholdError: first alarm: measured 3.2 s')]);
    expect(v.verdict).toBe('clean');
    expect(v.rows[0].verdict).toBe('both-fail');
    expect(v.counts).toMatchObject({ cases: 1, compared: 1, bothFail: 1, notCompared: 0 });
    expect(v.rows[0].reasons[0]).toMatch(/fails on both/);
    expect(vetTable(v)).toMatch(/\n {2}flaky:\n {4}- fails on both: baseline ThresholdError/);
    expect(vetTable(v)).toMatch(/vet CLEAN: .*\(1 of 1 case compared, 1 failing on both\)/);
  });

  test('a candidate that fixes a failure is not flagged', () => {
    const v = compareVet([s('a', false)], [s('a', true)]);
    expect(v.rows[0].verdict).toBe('fixed');
    expect(v.verdict).toBe('clean');
  });

  test('a case on one side only is not compared, and the vet is incomplete, not clean', () => {
    const skipped = compareVet([s('a', true), s('b', true)], [s('a', true)]);
    expect(skipped.rows[1]).toMatchObject({ name: 'b', verdict: 'not-compared', compared: false });
    expect(skipped.rows[1].reasons).toEqual(['no result on the candidate (the case did not run there)', '(passed on the baseline)']);
    expect(skipped.verdict).toBe('incomplete');
    expect(vetExitCode(skipped)).toBe(1); // case a was compared
    const added = compareVet([s('a', true)], [s('a', true), s('new', false)]);
    expect(added.rows[1]).toMatchObject({ verdict: 'not-compared', reasons: ['no result on the baseline (the case did not run there)', '(failed on the candidate)'] });
    expect(added.verdict).toBe('incomplete');
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

const check = (what: string, measured: number | null, limit: number, comparison: Check['comparison'] = 'at-most', unit = 's'): NamedCheck => {
  const pass = measured !== null && (comparison === 'at-most' ? measured <= limit : comparison === 'at-least' ? measured >= limit : measured === limit);
  return { name: what, what, measured, limit, unit, comparison, pass };
};

describe('a case that did not run is not compared', () => {
  const notRun = (name: string, why = 'it never started: ClusterStartError: cluster x did not come up') => s(name, false, undefined, undefined, 'ClusterStartError: cluster x did not come up', { notRun: why });

  test('not run on both sides: not both-fail; nothing compared, so incomplete with exit 2', () => {
    const v = compareVet([notRun('a'), notRun('b')], [notRun('a'), notRun('b')]);
    expect(v.rows.map((r) => r.verdict)).toEqual(['not-compared', 'not-compared']);
    expect(v.rows[0].reasons).toEqual(['did not run on the baseline: it never started: ClusterStartError: cluster x did not come up', 'did not run on the candidate: it never started: ClusterStartError: cluster x did not come up']);
    expect(v).toMatchObject({ verdict: 'incomplete', counts: { cases: 2, compared: 0, notCompared: 2, bothFail: 0 } });
    expect(vetExitCode(v)).toBe(2);
  });

  test('not run on the candidate only: not a regression, not clean; exit 1 once another case was compared', () => {
    const v = compareVet([s('a', true, 0.5, 1), s('b', true, 0.5, 1)], [s('a', true, 0.5, 1), notRun('b')]);
    expect(v.rows[1]).toMatchObject({ verdict: 'not-compared', compared: false, detection: { slower: false }, checks: [] });
    expect(v.rows[1].reasons[1]).toBe('(passed on the baseline)');
    expect(v.verdict).toBe('incomplete');
    expect(vetExitCode(v)).toBe(1);
    expect(vetTable(v)).toMatch(/vet INCOMPLETE: .*\(1 of 2 cases compared, 1 not compared\)/);
    expect(vetTable(v)).toMatch(/b +pass +not run .*not-compared/);
  });

  test('a regression elsewhere still flags the vet (exit 1), the case not compared is counted', () => {
    const v = compareVet([s('a', true), s('b', true)], [s('a', false, undefined, undefined, 'boom'), notRun('b')]);
    expect(v).toMatchObject({ verdict: 'flagged', counts: { regressions: 1, notCompared: 1, compared: 1 } });
    expect(vetExitCode(v)).toBe(1);
  });

  test('no case at all is incomplete, exit 2; everything alike is clean, exit 0', () => {
    const none = compareVet([], []);
    expect(none.verdict).toBe('incomplete');
    expect(vetExitCode(none)).toBe(2);
    expect(vetExitCode(compareVet([s('a', true)], [s('a', true)]))).toBe(0);
  });
});

describe('check by check', () => {
  const withChecks = (pass: boolean, ...checks: NamedCheck[]) => s('case', pass, undefined, undefined, pass ? undefined : 'failed', { checks });

  test('a check passing on the baseline and failing on the candidate is a regression naming it, even when both cases passed', () => {
    const v = compareVet([withChecks(true, check('first alarm', 0.8, 2), check('lost writes', 0, 0, 'equals', 'writes'))], [withChecks(true, check('first alarm', 3.1, 2), check('lost writes', 0, 0, 'equals', 'writes'))]);
    expect(v.verdict).toBe('flagged');
    expect(v.rows[0].verdict).toBe('regression');
    expect(v.rows[0].checks.map((c) => [c.name, c.verdict])).toEqual([
      ['first alarm', 'regression'],
      ['lost writes', 'ok'],
    ]);
    expect(v.rows[0].reasons).toEqual(['check "first alarm" passes on the baseline (measured 0.8 s, expected at most 2 s), fails on the candidate (measured 3.1 s, expected at most 2 s)']);
  });

  test('failing on both with a check that regressed is a regression, not both-fail', () => {
    const v = compareVet([withChecks(false, check('first alarm', 0.8, 2), check('drain', 9, 5))], [withChecks(false, check('first alarm', 2.5, 2), check('drain', 9, 5))]);
    expect(v.rows[0].verdict).toBe('regression');
    expect(v.rows[0].checks.map((c) => c.verdict)).toEqual(['regression', 'both-fail']);
  });

  test('measured on one side only: not compared, with both figures; the vet is incomplete', () => {
    const v = compareVet([withChecks(true, check('a new primary serves writes', 6.4, 30))], [withChecks(true, check('a new primary serves writes', null, 30))]);
    expect(v.rows[0].verdict).toBe('not-compared');
    expect(v.rows[0].compared).toBe(true);
    expect(v.rows[0].reasons).toEqual(['check "a new primary serves writes" measured on the baseline only: baseline measured 6.4 s, expected at most 30 s; candidate not measured, expected at most 30 s']);
    expect(v.verdict).toBe('incomplete');
    expect(vetExitCode(v)).toBe(1);
  });

  test('recorded on one side only: not compared', () => {
    const v = compareVet([withChecks(true, check('x', 1, 2), check('y', 1, 2))], [withChecks(true, check('x', 1, 2))]);
    expect(v.rows[0].checks[1]).toMatchObject({ name: 'y', verdict: 'not-compared', reason: 'only on the baseline (measured 1 s, expected at most 2 s); the other side did not record it' });
    expect(v.verdict).toBe('incomplete');
  });

  test('measured on neither side: the sides agree, the vet can be clean', () => {
    const v = compareVet([withChecks(true, check('first alarm', null, 2))], [withChecks(true, check('first alarm', null, 2))]);
    expect(v.rows[0].checks[0].verdict).toBe('unmeasured');
    expect(v.verdict).toBe('clean');
  });

  test('a check fixed on the candidate is said, not flagged', () => {
    const v = compareVet([withChecks(true, check('drain', 9, 5))], [withChecks(true, check('drain', 2, 5))]);
    expect(v.rows[0].verdict).toBe('fixed');
    expect(v.rows[0].reasons[0]).toMatch(/^check "drain" fails on the baseline \(measured 9 s.*passes on the candidate/);
    expect(v.verdict).toBe('clean');
  });
});

describe('recorded runs', () => {
  const fixture = (name: string) => readRun(join(__dirname, 'fixtures', 'vet', name));
  const sides = async (name: string) => {
    const [b, c] = await Promise.all([fixture(`${name}-baseline`), fixture(`${name}-candidate`)]);
    return compareVet(summarize(b.experiments, b.tests ?? []), summarize(c.experiments, c.tests ?? []), {}, { baseline: '24.0.3', candidate: '23.0.0' });
  };

  test('the cluster never came up on either side: six cases not compared, never CLEAN, exit 2', async () => {
    const v = await sides('never-up');
    expect(v.rows).toHaveLength(6);
    expect(v.rows.every((r) => r.verdict === 'not-compared')).toBe(true);
    expect(v.rows[0].reasons[0]).toMatch(/^did not run on the baseline: it never started: ClusterStartError: cluster 20261202-120000-aa01 did not come up/);
    expect(v.verdict).toBe('incomplete');
    expect(vetExitCode(v)).toBe(2);
    const text = vetTable(v);
    expect(text).not.toMatch(/CLEAN|both-fail/);
    expect(text).toContain('vet INCOMPLETE: candidate 23.0.0 against baseline 24.0.3 (0 of 6 cases compared, 6 not compared)');
  });

  test('both ran: a check regressed, a measurement missing, a run with no verdict', async () => {
    const v = await sides('checks');
    const [kill, broken, oom] = v.rows;
    expect(kill.verdict).toBe('regression');
    expect(kill.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['VTOrc noticed the dead primary', 'regression'],
      ['a new primary serves writes', 'not-compared'],
      ['failed writes on the other shard', 'ok'],
    ]);
    expect(kill.reasons).toEqual([
      'fails on the candidate where the baseline passed: ThresholdError: run 20261202-133000-dd04 verdict fail: VTOrc noticed the dead primary: measured 14.2 s, expected at most 10 s',
      'check "VTOrc noticed the dead primary" passes on the baseline (measured 3.1 s, expected at most 10 s), fails on the candidate (measured 14.2 s, expected at most 10 s)',
      'check "a new primary serves writes" measured on the baseline only: baseline measured 6.4 s, expected at most 30 s; candidate not measured, expected at most 30 s',
    ]);
    // The broken-fault case passes on both; its detection was measured on neither side.
    expect(broken.verdict).toBe('ok');
    expect(broken.checks.map((c) => c.verdict)).toEqual(['unmeasured', 'ok']);
    // Its run reached no verdict on the candidate: not a regression, not compared.
    expect(oom).toMatchObject({ verdict: 'not-compared', compared: false });
    expect(oom.reasons[0]).toBe('did not run on the candidate: run 20261202-133000-dd04 (failover-oom) reached no verdict: ledger: could not read back the rows: Lost connection to MySQL server during query');
    expect(v).toMatchObject({ verdict: 'flagged', counts: { cases: 3, compared: 2, regressions: 1, notCompared: 1, bothFail: 0 } });
    expect(vetExitCode(v)).toBe(1);
  });

  test('vet.json carries the check rows; vet.html shows them and the incomplete verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-vet-'));
    try {
      const files = await writeVetReport(dir, await sides('checks'));
      const json = JSON.parse(readFileSync(files.json, 'utf8'));
      expect(json.rows[0].checks[0]).toMatchObject({ name: 'VTOrc noticed the dead primary', verdict: 'regression', baseline: { measured: 3.1 }, candidate: { measured: 14.2 } });
      expect(json.counts).toEqual({ cases: 3, compared: 2, notCompared: 1, regressions: 1, bothFail: 0, flaky: 0 });
      const html = readFileSync(files.html, 'utf8');
      expect(html).toContain('<h3>Checks, case by case</h3>');
      expect(html).toContain('measured 14.2 s, expected at most 10 s');
      expect(html).toContain('<span class="badge warn">not-compared</span>');
      const never = readFileSync((await writeVetReport(join(dir, 'never'), await sides('never-up'))).html, 'utf8');
      expect(never).toContain('<span class="badge warn">incomplete</span>');
      expect(never).not.toMatch(/badge pass">clean/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what did not run, from Jest cases and reports', () => {
  const failed = (title: string, message: string): JestCase => ({ file: 'experiments/smoke.chaos.ts', ancestorTitles: [], title, fullName: title, status: 'failed', startAt: null, duration: null, failureMessages: [message] });

  test('a bring-up error, a file that could not run, a setup timeout: not run; a readiness wait in a running test: ran', () => {
    const sums = summarize(
      [],
      [
        failed('up', 'ClusterStartError: cluster 1 did not come up (vtgate)\n    at start'),
        failed('(the test file could not run)', "Cannot find module './nope' from 'x.chaos.ts'"),
        failed('slow', 'thrown: "Exceeded timeout of 600000 ms for a hook.\nAdd a timeout value to this test..."'),
        failed('replicas', 'ReadinessError: every row on every replica: not within 30000 ms'),
        failed('images', 'ImageBuildError: building Vitess 99.0.0 failed (exit 2)'),
      ],
    );
    expect(sums.map((x) => x.notRun)).toEqual([
      'it never started: ClusterStartError: cluster 1 did not come up (vtgate)',
      "its test file could not run: Cannot find module './nope' from 'x.chaos.ts'",
      'its setup timed out: thrown: "Exceeded timeout of 600000 ms for a hook.',
      undefined,
      'it never started: ImageBuildError: building Vitess 99.0.0 failed (exit 2)',
    ]);
  });

  test('a report with no verdict, or stopped before its fault, measured nothing; checks travel with the summary', async () => {
    const run = await readRun(join(__dirname, 'fixtures', 'run-empty-vschema'));
    run.experiments[0].result.verdict = 'unknown';
    run.experiments[0].result.problems = ['ledger: could not read the rows'];
    delete run.experiments[1].result.timings!.injectAt;
    run.experiments[1].result.problems = ['steady state not reached within 90 s'];
    run.experiments[1].result.checks = [check('first alarm', null, 2)];
    const sums = summarize(run.experiments, []);
    expect(sums[0].notRun).toMatch(/^run \S+ \(empty-vschema-direct\) reached no verdict: ledger: could not read the rows$/);
    expect(sums[1].notRun).toMatch(/^run \S+ \(empty-vschema-movetables\) stopped before its fault: steady state not reached within 90 s$/);
    expect(sums[0].checks).toBeUndefined();
    expect(sums[1].checks).toEqual([expect.objectContaining({ name: 'first alarm', measured: null })]);
  });
});
