// The calibration experiment's definition, shared by its Jest file and the engine bench.
import { atLeast, atMost, within } from '../harness/experiment/assertions';
import type { Experiment } from '../harness/experiment/experiment';
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

export const calibration: Experiment = {
  name: 'calibration',
  title: `vtgate frozen for exactly ${PAUSE_SECONDS} s under load`,
  fault: new PauseFault((ctx) => ctx.cluster.vtgate.node, 'vtgate'),
  remediate: { afterMs: PAUSE_SECONDS * 1000 },
  // Timeouts longer than the pause: requests hang through it and complete after, so the
  // outage is purely the freeze (no timeouts that would blur its edges).
  app: { queryTimeoutMs: 20_000 },
  load: { rate: 150, timeoutSeconds: 25 },
  checks: (r) => [
    within(CHECK.outage, r.timings.outageSeconds, PAUSE_SECONDS - TOLERANCE_SECONDS, PAUSE_SECONDS + TOLERANCE_SECONDS),
    within(CHECK.detection, r.timings.detectionSeconds['heartbeat-anomaly'], 0, PAUSE_SECONDS),
    atMost(CHECK.recovery, r.timings.recoverySeconds, RECOVERY_SECONDS),
    // A ledger with nothing in it proves nothing about lost writes.
    atLeast(CHECK.acknowledged, r.ledger?.acknowledged, 1, 'writes'),
  ],
};

