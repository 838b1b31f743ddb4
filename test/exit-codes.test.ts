// What the command exits with when cases never started, and what a vet's verdict maps to.
import { exitCodeOf, vetExitCode } from '../harness/cli/exit-codes';
import type { JestCase } from '../harness/report/cases';

const c = (status: string, message?: string, title = status): JestCase => ({
  file: 'experiments/empty-vschema.chaos.ts',
  ancestorTitles: [],
  title,
  fullName: title,
  status,
  startAt: null,
  duration: null,
  failureMessages: message ? [message] : [],
});
const neverUp = () => c('failed', 'ClusterStartError: cluster 20261202-120000-aa01 did not come up (zone1-0000000201): not serving\n    at start');

describe('run exit codes', () => {
  test('every case failed before its experiment started: nothing ran, exit 2', () => {
    expect(exitCodeOf(1, [neverUp(), neverUp(), neverUp()])).toBe(2);
    expect(exitCodeOf(1, [c('failed', "Cannot find module './x'", '(the test file could not run)')])).toBe(2);
    expect(exitCodeOf(1, [c('failed', 'thrown: "Exceeded timeout of 600000 ms for a hook.'), c('skipped')])).toBe(2);
    // An attached cluster without --allow-faults: every experiment refused before any load; or an attach that found gaps.
    const refused = () => c('failed', 'FaultRefusedError: failover-container-unbuffered injects a fault (primary-container) into the Vitess in namespace prod, which the harness did not start: pass --allow-faults');
    expect(exitCodeOf(1, [refused(), refused(), c('skipped')])).toBe(2);
    expect(exitCodeOf(1, [c('failed', 'AttachError: the Vitess in namespace prod lacks what the experiment needs: no ready VTOrc pod')])).toBe(2);
  });

  test('once something ran, a failure is exit 1, whichever case failed', () => {
    expect(exitCodeOf(1, [c('passed'), neverUp()])).toBe(1);
    expect(exitCodeOf(1, [neverUp(), c('failed', 'ThresholdError: first alarm: measured 3 s, threshold 0–2 s')])).toBe(1);
    // A readiness wait inside a running experiment is a result, not a bring-up failure.
    expect(exitCodeOf(1, [c('failed', 'ReadinessError: every row on every replica: not within 30000 ms')])).toBe(1);
  });
});

describe('vet exit codes', () => {
  const counts = (compared: number) => ({ cases: 3, compared, notCompared: 3 - compared, regressions: 0, bothFail: 0, flaky: 0 });
  test('clean 0, flagged 1, incomplete 1 once a case was compared, 2 when none was', () => {
    expect(vetExitCode({ verdict: 'clean', counts: counts(3) })).toBe(0);
    expect(vetExitCode({ verdict: 'flagged', counts: counts(1) })).toBe(1);
    expect(vetExitCode({ verdict: 'incomplete', counts: counts(1) })).toBe(1);
    expect(vetExitCode({ verdict: 'incomplete', counts: counts(0) })).toBe(2);
  });
});
