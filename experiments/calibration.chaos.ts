// Calibration: a fault of known shape. vtgate is frozen for exactly PAUSE_SECONDS under load;
// the harness must measure an outage of that length (within TOLERANCE), the heartbeat
// detector must fire while the fault lasts, recovery must be measured, and no acknowledged
// write may be lost. Every later timing is only as good as this one.
import { assertNoWriteLost, assertPassed, assertWithin } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { calibration, PAUSE_SECONDS, TOLERANCE_SECONDS } from './calibration';

describe('calibration: a vtgate pause of known length', () => {
  let result: ExperimentResult;

  beforeAll(async () => {
    result = await runExperiment(calibration);
  }, 600_000);

  test('the run passes its own checks (steady state, detection, recovery, ledger)', () => {
    assertPassed(result);
  });

  test(`the outage is measured as ${PAUSE_SECONDS} ± ${TOLERANCE_SECONDS} s`, () => {
    assertWithin('outage seen by clients', result.timings.outageSeconds, PAUSE_SECONDS - TOLERANCE_SECONDS, PAUSE_SECONDS + TOLERANCE_SECONDS);
  });

  test('the heartbeat detector fires while vtgate is frozen', () => {
    assertWithin('heartbeat-anomaly detection after the pause began', result.timings.detectionSeconds['heartbeat-anomaly'], 0, PAUSE_SECONDS);
  });

  test('recovery is measured, and no acknowledged write is lost', () => {
    assertWithin('recovery after unpause', result.timings.recoverySeconds, 0, 10);
    assertNoWriteLost(result);
    expect(result.ledger!.acknowledged).toBeGreaterThan(0);
  });
});
