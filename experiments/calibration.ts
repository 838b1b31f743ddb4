// The calibration experiment's definition, shared by its Jest file and the engine bench.
import { atLeast, atMost, within } from '../harness/experiment/assertions';
import type { Experiment } from '../harness/experiment/experiment';
import { awaitRecovery, holdFor, injectFault, remediate } from '../harness/experiment/steps';
import { PauseFault } from '../harness/faults/pause';

export const PAUSE_SECONDS = 5;
/** The tolerance the engine promises: outage = pause ± 0.5 s. */
export const TOLERANCE_SECONDS = 0.5;
/** Recovery after the unpause: vtgate drains what queued during the pause in about a second here. */
export const RECOVERY_SECONDS = 10;

/** The checks' names, for the Jest file to assert one by one. */
export const CHECK = {
  outage: 'outage seen by clients',
  detection: 'heartbeat-anomaly detection after the pause began',
  recovery: 'recovery after unpause',
  acknowledged: 'acknowledged writes',
};

/**
 * The calibration run: vtgate frozen for `pauseSeconds`, judged against the 5 s thresholds. With
 * a shorter pause it is the weak-fault control: its outage must be measured as what it was
 * (about 2 s) and the 5 s outage check must fail on that figure, not pass and not go unmeasured.
 */
function calibrationRun(pauseSeconds: number): Experiment {
  const control = pauseSeconds !== PAUSE_SECONDS;
  return {
    name: control ? `calibration-${pauseSeconds}s-pause-control` : 'calibration',
    title: control ? `vtgate frozen for ${pauseSeconds} s, judged against the ${PAUSE_SECONDS} s calibration` : `vtgate frozen for exactly ${PAUSE_SECONDS} s under load`,
    fault: new PauseFault((ctx) => ctx.cluster.vtgate.node, 'vtgate'),
    // The incident here is the fault itself: frozen, held for the pause, thawed, back.
    steps: [injectFault(), holdFor(pauseSeconds * 1000), remediate('unpause vtgate'), awaitRecovery({ timeoutSeconds: 120 })],
    // Timeouts longer than the pause: requests hang through it and complete after, so the
    // outage is purely the freeze (no timeouts that would blur its edges).
    app: { queryTimeoutMs: 20_000 },
    load: { rate: 150, timeoutSeconds: 25 },
    ...(control
      ? {
          negativeControl: {
            why: `a ${pauseSeconds} s pause against the ${PAUSE_SECONDS} s thresholds`,
            // Measured, and within ± 0.5 s of the pause it was: the check failed on a real figure.
            failsWith: new RegExp(`${CHECK.outage}: measured ${pauseSeconds - 1}\\.[5-9]\\d* s|${CHECK.outage}: measured ${pauseSeconds}(\\.[0-4]\\d*)? s`),
          },
        }
      : {}),
    checks: (r) => [
      within(CHECK.outage, r.timings.outageSeconds, PAUSE_SECONDS - TOLERANCE_SECONDS, PAUSE_SECONDS + TOLERANCE_SECONDS),
      within(CHECK.detection, r.timings.detectionSeconds['heartbeat-anomaly'], 0, PAUSE_SECONDS),
      atMost(CHECK.recovery, r.timings.recoverySeconds, RECOVERY_SECONDS),
      // A ledger with nothing in it proves nothing about lost writes.
      atLeast(CHECK.acknowledged, r.ledger?.acknowledged, 1, 'writes'),
    ],
  };
}

export const calibration: Experiment = calibrationRun(PAUSE_SECONDS);
/** The weak fault beside it: a 2 s pause the 5 s checks must report as a 2 s outage. */
export const SHORT_PAUSE_SECONDS = 2;
export const shortPauseControl: Experiment = calibrationRun(SHORT_PAUSE_SECONDS);
