// The one verdict of a run, and detection times under the one rule for time. Pure, so the
// rules are unit-tested: anything found anywhere fails the run; nothing passes unverified.
import type { LedgerVerdict } from '../workload/ledger';
import { seconds } from './timings';

export type Verdict = 'pass' | 'fail' | 'unknown';

/**
 * Set once everything that can find a problem has run (checks, heal, verify): any problem
 * fails the run; a run that never reached its verification fails; a ledger that could not be
 * read leaves it unknown (never pass).
 */
export function verdictOf(o: { problems: readonly string[]; verified: boolean; ledger?: Pick<LedgerVerdict, 'verdict'> }): Verdict {
  if (o.problems.length || !o.verified) return 'fail';
  if (!o.ledger || o.ledger.verdict === 'unknown') return 'unknown';
  return o.ledger.verdict === 'pass' ? 'pass' : 'fail';
}

/** A run is as expected when it passed, or, for a negative control, when it failed for its reason. */
export function outcomeOf(verdict: Verdict, problems: readonly string[], control?: { failsWith: RegExp }): 'as-expected' | 'unexpected' {
  if (!control) return verdict === 'pass' ? 'as-expected' : 'unexpected';
  return verdict === 'fail' && problems.some((p) => control.failsWith.test(p)) ? 'as-expected' : 'unexpected';
}

/**
 * Seconds from the fault's issue to each detector's first alarm (null: never fired). An alarm
 * before the issue (detectors are armed a moment earlier) was not caused by the fault: its
 * negative time is kept and it is named as a problem, which fails the run.
 */
export function detections(firstAlarms: Record<string, number | undefined>, injectAt: number): { seconds: Record<string, number | null>; problems: string[] } {
  const out: Record<string, number | null> = {};
  const problems: string[] = [];
  for (const [name, t] of Object.entries(firstAlarms)) {
    out[name] = t === undefined ? null : seconds(t - injectAt);
    if (t !== undefined && t < injectAt) problems.push(`detector ${name} fired ${seconds(injectAt - t)} s before the fault was issued: not a detection of it`);
  }
  return { seconds: out, problems };
}
