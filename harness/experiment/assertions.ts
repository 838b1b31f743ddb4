// Assertions on measured timings: each names its threshold and the measured value, so a
// failure message says what was expected and what happened.
import type { ExperimentResult } from './experiment';
import { Figure, isMeasured, notMeasured } from './figure';

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

/**
 * Jest's side of the one verdict: the run's outcome as recorded in its JSON. A run must pass; a
 * negative control must fail for its own reason (not for another, such as a cluster that died).
 */
export function assertOutcome(result: ExperimentResult<object>): void {
  if (result.outcome === 'as-expected') return;
  const exp = result.expected;
  const what = exp ? `negative control (${exp.why}) expected to fail with /${exp.failsWith}/, verdict ${result.verdict}` : `verdict ${result.verdict}`;
  throw new ThresholdError(`run ${result.runId} ${what}: ${result.problems.join('; ') || 'no problem recorded'} (report: ${result.reportFile})`);
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
  /** null: not measured, and `why` says why; such a check never passes. */
  measured: number | null;
  limit: number;
  unit: string;
  comparison: 'at-most' | 'at-least' | 'equals' | 'within';
  /** The lower bound of a `within` check. */
  min?: number;
  /** Always set by the constructors below; absent only in reports written before it existed. */
  status?: 'pass' | 'fail' | 'not-measured';
  pass: boolean;
  /** Why the figure was not measured. */
  why?: string;
}

type Measured = Figure | null | undefined;

function check(what: string, measured: Measured, comparison: Check['comparison'], limit: number, unit: string, min?: number): Check {
  const base = { what, limit, unit, comparison, ...(min !== undefined ? { min } : {}) };
  if (!isMeasured(measured)) {
    const why = measured && typeof measured === 'object' ? measured.notMeasured : 'no value was recorded';
    return { ...base, measured: null, status: 'not-measured', pass: false, why };
  }
  const m = measured;
  const pass = comparison === 'at-most' ? m <= limit : comparison === 'at-least' ? m >= limit : comparison === 'within' ? m >= (min ?? -Infinity) && m <= limit : m === limit;
  return { ...base, measured: m, status: pass ? 'pass' : 'fail', pass };
}

export const atMost = (what: string, measured: Measured, limit: number, unit = 's'): Check => check(what, measured, 'at-most', limit, unit);
export const atLeast = (what: string, measured: Measured, limit: number, unit = 's'): Check => check(what, measured, 'at-least', limit, unit);
export const equals = (what: string, measured: Measured, limit: number, unit = ''): Check => check(what, measured, 'equals', limit, unit);
export const within = (what: string, measured: Measured, min: number, max: number, unit = 's'): Check => check(what, measured, 'within', max, unit, min);
/** A yes/no condition as a check: 1 when it held. `why` says what to look at when it is unknown (undefined). */
export const holds = (what: string, held: boolean | undefined, why = 'not observed'): Check => check(what, held === undefined ? notMeasured(why) : held ? 1 : 0, 'equals', 1, '');

export function describeCheck(c: Check): string {
  const words = { 'at-most': 'at most', 'at-least': 'at least', equals: 'exactly', within: `between ${c.min} and` }[c.comparison];
  const unit = c.unit ? ` ${c.unit}` : '';
  const measured = c.measured === null ? `not measured${c.why ? ` (${c.why})` : ''}` : `measured ${c.measured}${unit}`;
  return `${c.what}: ${measured}, expected ${words} ${c.limit}${unit}`;
}

/** Jest's side of the one verdict: the run recorded a check by this name, and it passed. */
export function assertCheck(result: ExperimentResult, what: string): Check {
  const c = result.checks?.find((x) => x.what === what);
  if (!c) throw new ThresholdError(`run ${result.runId} has no check "${what}" (checks: ${(result.checks ?? []).map((x) => x.what).join('; ') || 'none'})`);
  if (!c.pass) throw new ThresholdError(describeCheck(c));
  return c;
}
