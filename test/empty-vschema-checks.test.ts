// Case 2's checks on a recorded run: the hog soak of 3 Dec, where the machine (not the fault)
// dipped the heartbeat under half its baseline 0.85 s after the empty VSchema was stored, while
// it was still dormant; the guard restored the snapshot at 2.76 s and the rebuild found the
// good VSchema at 9.17 s. Only an alarm at or after the propagation is the outage's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResult } from '../harness/experiment/experiment';
import { CHECK, latent } from '../experiments/empty-vschema';

const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures/run-empty-vschema/latent-guarded-machine-dip.json'), 'utf8')) as ExperimentResult;
const checksOf = (guarded: boolean, r: ExperimentResult) => latent(guarded).checks!(r);
const check = (guarded: boolean, r: ExperimentResult, what: string) => checksOf(guarded, r).find((c) => c.what === what)!;

/** The recorded run with one more heartbeat alarm, `after` seconds from the injection. */
function withAlarm(after: number): ExperimentResult {
  const t = recorded.timings.injectAt! + after * 1000;
  return { ...recorded, events: [...recorded.events, { t, kind: 'alarm' as const, name: 'heartbeat-anomaly' }].sort((a, b) => a.t - b.t) };
}

describe('empty VSchema, case 2 checks', () => {
  test('guarded: a heartbeat dip while the VSchema was dormant is not the outage', () => {
    // As recorded, the run failed on "no heartbeat alarm"; the alarm came 8.3 s before the propagation.
    expect(recorded.problems.join()).toMatch(/no heartbeat alarm/);
    expect(check(true, recorded, CHECK.noOutageAlarm).pass).toBe(true);
    expect(check(true, recorded, CHECK.restoredFirst).pass).toBe(true);
    expect(check(true, recorded, CHECK.leadTime).pass).toBe(true);
  });

  test('guarded: an alarm after the propagation fails the check', () => {
    expect(check(true, withAlarm(10.5), CHECK.noOutageAlarm).pass).toBe(false);
  });

  test('unguarded: only an alarm after the propagation shows the outage it caused', () => {
    expect(check(false, recorded, CHECK.outageAfterPropagation).pass).toBe(false);
    expect(check(false, withAlarm(11), CHECK.outageAfterPropagation).pass).toBe(true);
  });

  test('no propagation recorded: neither check can pass', () => {
    const r = { ...recorded, events: recorded.events.filter((e) => e.name !== 'vschema-propagated') };
    expect(check(true, r, CHECK.noOutageAlarm).pass).toBe(false);
    expect(check(false, r, CHECK.outageAfterPropagation).pass).toBe(false);
  });
});
