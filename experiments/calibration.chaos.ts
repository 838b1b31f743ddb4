// Calibration: a fault of known shape. vtgate is frozen for exactly PAUSE_SECONDS under load;
// the harness must measure an outage of that length (within TOLERANCE), the heartbeat
// detector must fire while the fault lasts, recovery must be measured, and no acknowledged
// write may be lost. Every later timing is only as good as this one. The thresholds are the
// run's own checks (in its JSON and HTML); each test asserts one by name. Beside it, a weak
// fault (a shorter pause) whose outage the same checks must report as it was, and fail.
import { assertCheck, assertNoWriteLost, assertOutcome, assertPassed } from '../harness/experiment/assertions';
import { ExperimentResult, runExperiment } from '../harness/experiment/experiment';
import { withInboxSchema } from '../harness/workload/schema';
import { calibration, CHECK, PAUSE_SECONDS, SHORT_PAUSE_SECONDS, shortPauseControl, TOLERANCE_SECONDS } from './calibration';
import { sharedCluster } from './support/shared-cluster';

describe('calibration: a vtgate pause of known length', () => {
  const cluster = sharedCluster(() => withInboxSchema());
  let result: ExperimentResult;

  beforeAll(async () => {
    result = await runExperiment(calibration, { cluster: cluster() });
  }, 600_000);

  test('the run passes its own checks (steady state, detection, recovery, ledger)', () => {
    assertPassed(result);
  });

  test(`the outage is measured as ${PAUSE_SECONDS} ± ${TOLERANCE_SECONDS} s`, () => {
    assertCheck(result, CHECK.outage);
  });

  test('the heartbeat detector fires while vtgate is frozen', () => {
    assertCheck(result, CHECK.detection);
  });

  test('recovery is measured, and no acknowledged write is lost', () => {
    assertCheck(result, CHECK.recovery);
    assertCheck(result, CHECK.acknowledged);
    assertNoWriteLost(result);
  });

  test(`weak fault: a ${SHORT_PAUSE_SECONDS} s pause is measured as ${SHORT_PAUSE_SECONDS} ± ${TOLERANCE_SECONDS} s and fails the ${PAUSE_SECONDS} s outage check`, async () => {
    const r = await runExperiment(shortPauseControl, { cluster: cluster() });
    assertOutcome(r);
    assertNoWriteLost(r);
  }, 300_000);
});
