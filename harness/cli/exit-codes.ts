// What `vitess-chaos` exits with, decided in one place (README "Running, reports, vetting"):
//   0  every test passed / the vet is clean
//   1  a test failed / the vet flagged the candidate, or is incomplete but compared something
//   2  usage or environment error: bad arguments, unknown version, no Docker engine, a catalog
//      that will not load, nothing could run, or a vet that compared nothing
//   130 interrupted
import type { JestCase } from '../report/cases';
import { caseNotRun } from '../report/not-run';
import type { VetComparison } from '../report/vet';

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

/** A vet's code: clean 0; flagged 1; incomplete 1, or 2 when not one case ran on both sides. */
export function vetExitCode(v: Pick<VetComparison, 'verdict' | 'counts'>): number {
  if (v.verdict === 'clean') return EXIT.ok;
  if (v.verdict === 'flagged') return EXIT.failed;
  return v.counts.compared === 0 ? EXIT.usage : EXIT.failed;
}
