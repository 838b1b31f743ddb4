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

/** One threshold and what was measured against it, as the report shows it. */
export interface Check {
  what: string;
  measured: number | null;
  limit: number;
  unit: string;
  comparison: 'at-most' | 'at-least' | 'equals';
  pass: boolean;
}

function check(what: string, measured: number | null | undefined, comparison: Check['comparison'], limit: number, unit: string): Check {
  const m = measured === undefined || Number.isNaN(measured) ? null : measured;
  const pass = m !== null && (comparison === 'at-most' ? m <= limit : comparison === 'at-least' ? m >= limit : m === limit);
  return { what, measured: m, limit, unit, comparison, pass };
}

export const atMost = (what: string, measured: number | null | undefined, limit: number, unit = 's'): Check => check(what, measured, 'at-most', limit, unit);
export const atLeast = (what: string, measured: number | null | undefined, limit: number, unit = 's'): Check => check(what, measured, 'at-least', limit, unit);
export const equals = (what: string, measured: number | null | undefined, limit: number, unit = ''): Check => check(what, measured, 'equals', limit, unit);

export function describeCheck(c: Check): string {
  const words = { 'at-most': 'at most', 'at-least': 'at least', equals: 'exactly' }[c.comparison];
  return `${c.what}: ${c.measured === null ? 'not measured' : `measured ${c.measured}${c.unit ? ` ${c.unit}` : ''}`}, expected ${words} ${c.limit}${c.unit ? ` ${c.unit}` : ''}`;
}
