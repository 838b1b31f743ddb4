// Assertions on measured timings: each names its threshold and the measured value, so a
// failure message says what was expected and what happened.
import type { ExperimentResult } from './experiment';

export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

export function assertWithin(what: string, measured: number | null | undefined, min: number, max: number, unit = 's'): void {
  if (measured === null || measured === undefined || Number.isNaN(measured)) {
    throw new ThresholdError(`${what}: not measured (threshold ${min}–${max} ${unit})`);
  }
  if (measured < min || measured > max) {
    throw new ThresholdError(`${what}: measured ${measured} ${unit}, threshold ${min}–${max} ${unit}`);
  }
}

export function assertAtMost(what: string, measured: number | null | undefined, max: number, unit = 's'): void {
  assertWithin(what, measured, -Infinity, max, unit);
}

/** The run passed its own checks, with the problems listed when it did not. */
export function assertPassed(result: ExperimentResult): void {
  if (result.verdict !== 'pass') {
    throw new ThresholdError(`run ${result.runId} verdict ${result.verdict}: ${result.problems.join('; ') || 'no problem recorded'} (report: ${result.reportFile})`);
  }
}

export function assertNoWriteLost(result: ExperimentResult): void {
  const l = result.ledger;
  if (!l || l.verdict !== 'pass') {
    throw new ThresholdError(
      `ledger ${l?.verdict ?? 'missing'}: ${l?.lost.length ?? '?'} of ${l?.acknowledged ?? '?'} acknowledged writes lost, ${l?.duplicated.length ?? '?'} duplicated, ${l?.altered.length ?? '?'} altered, ${l?.misplaced.length ?? '?'} misplaced${l?.error ? `; ${l.error}` : ''}`,
    );
  }
}
