// The calibration experiment's definition, shared by its Jest file and the engine bench.
import type { Experiment } from '../harness/experiment/experiment';
import { PauseFault } from '../harness/faults/pause';

export const PAUSE_SECONDS = 5;
/** The tolerance the engine promises: outage = pause ± 0.5 s. */
export const TOLERANCE_SECONDS = 0.5;

export const calibration: Experiment = {
  name: 'calibration',
  title: `vtgate frozen for exactly ${PAUSE_SECONDS} s under load`,
  fault: new PauseFault((ctx) => ctx.cluster.vtgate.node, 'vtgate'),
  remediate: { afterMs: PAUSE_SECONDS * 1000 },
  // Timeouts longer than the pause: requests hang through it and complete after, so the
  // outage is purely the freeze (no timeouts that would blur its edges).
  app: { queryTimeoutMs: 20_000 },
  load: { rate: 150, timeoutSeconds: 25 },
};

