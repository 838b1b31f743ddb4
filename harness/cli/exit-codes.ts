// What `vitess-chaos` exits with, decided in one place (README "Running, reports, vetting"):
//   0  every test passed
//   1  a test failed
//   2  usage or environment error: bad arguments, unknown version, no Docker engine, a catalog
//      that will not load, or nothing could run
//   130 interrupted
import type { JestCase } from '../report/cases';
import { caseNotRun } from '../report/not-run';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * A run's code from Jest's exit and its cases. A case that failed before its experiment started
 * (its cluster never came up, its file could not run) did not run: when no case ran at all
 * (no Docker, an image that would not build, every bring-up failing), that is an environment
 * error, not a result.
 */
export function exitCodeOf(jestExit: number | null, cases: readonly JestCase[]): number {
  if (jestExit === 0) return EXIT.ok;
  const ran = cases.filter((c) => (c.status === 'passed' || c.status === 'failed') && !caseNotRun(c));
  if (ran.length === 0) return EXIT.usage;
  // A case that never started still failed the run; Jest failing with nothing failed is its own error.
  return cases.some((c) => c.status === 'failed') ? EXIT.failed : EXIT.usage;
}
