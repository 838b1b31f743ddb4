// A vet runs each case several times a side (--repeat): one run per side cannot tell a
// regression from this machine's noise. Here the runs of one case on one side are folded into
// one summary that keeps every run's figures: how many passed (some but not all: flaky), each
// run's detection and recovery, and each check's passes. Pure logic.
import type { ExperimentSummary } from './vet';
import type { NamedCheck } from './vet-checks';

/** How the runs of one case (or one check) went on one side. */
export interface Repeats {
  /** Runs that measured something (a run whose cluster never came up is not one). */
  runs: number;
  passed: number;
}

/** Some runs passed and some did not. */
export const isFlaky = (r: Repeats | undefined): boolean => !!r && r.passed > 0 && r.passed < r.runs;

/** A timing's runs as one figure: the median of those measured, null when none was (it never happened). */
export function typical(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (!xs.length) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : Math.round(((xs[mid - 1] + xs[mid]) / 2) * 1000) / 1000;
}

/** The same check over several runs: its worst figure (a failed run's, when one failed), with how many passed. */
function foldCheck(name: string, runs: readonly NamedCheck[]): NamedCheck {
  const passed = runs.filter((c) => c.pass).length;
  const shown = runs.find((c) => !c.pass && c.measured !== null) ?? runs.find((c) => c.measured !== null) ?? runs[0];
  return { ...shown, name, pass: passed === runs.length, repeats: { runs: runs.length, passed } };
}

function foldChecks(perRun: readonly (readonly NamedCheck[])[]): NamedCheck[] {
  const names = [...new Set(perRun.flatMap((cs) => cs.map((c) => c.name)))];
  return names.map((n) => foldCheck(n, perRun.flatMap((cs) => cs.filter((c) => c.name === n))));
}

function fold(runs: readonly ExperimentSummary[]): ExperimentSummary {
  if (runs.length === 1) return runs[0];
  const first = runs[0];
  const ran = runs.filter((r) => !r.notRun);
  if (!ran.length) return { ...first, notRun: `${first.notRun} (all ${runs.length} runs)` };
  const passed = ran.filter((r) => r.pass).length;
  const failed = ran.find((r) => !r.pass);
  const detection = ran.filter((r) => r.detectionSeconds !== undefined).map((r) => r.detectionSeconds as number | null);
  const recovery = ran.filter((r) => r.recoverySeconds !== undefined).map((r) => r.recoverySeconds as number | null);
  const reports = [...new Set(ran.flatMap((r) => r.reports ?? []))];
  const withChecks = ran.filter((r) => r.checks);
  const { reason: _r, notRun: _n, detectionSeconds: _d, recoverySeconds: _s, checks: _c, reports: _p, ...rest } = first;
  return {
    ...rest,
    name: first.name,
    pass: passed === ran.length,
    ...(failed ? { reason: `${ran.length - passed} of ${ran.length} runs failed; first: ${failed.reason ?? 'failed'}` } : {}),
    ...(detection.length ? { detectionSeconds: typical(detection) } : {}),
    ...(recovery.length ? { recoverySeconds: typical(recovery) } : {}),
    ...(reports.length ? { reports } : {}),
    ...(withChecks.length ? { checks: foldChecks(withChecks.map((r) => r.checks!)) } : {}),
    ...(ran.some((r) => r.expectedToFail) ? { expectedToFail: true } : {}),
    repeats: { runs: ran.length, passed, detection, recovery, ...(runs.length > ran.length ? { notRun: runs.length - ran.length } : {}) },
  };
}

/** The summaries of one side, one per case: runs of the same case (same name) folded together, in first-seen order. */
export function foldRepeats(summaries: readonly ExperimentSummary[]): ExperimentSummary[] {
  const groups = new Map<string, ExperimentSummary[]>();
  for (const s of summaries) groups.set(s.name, [...(groups.get(s.name) ?? []), s]);
  return [...groups.values()].map((g) => fold(g));
}

/**
 * Whether the candidate's timings are clear of the baseline's spread: the baseline measured on
 * every run, and every candidate run either never got there (null) or took longer than the
 * baseline's slowest run plus the allowance. One run a side reduces to the plain comparison.
 */
export function clearlySlower(baseline: readonly (number | null)[], candidate: readonly (number | null)[], allowance: (slowest: number) => number): { slower: boolean; allowed?: number } {
  if (!baseline.length || baseline.some((b) => b === null)) return { slower: false };
  const slowest = Math.max(...(baseline as number[]));
  const allowed = slowest + allowance(slowest);
  return { slower: candidate.length > 0 && candidate.every((c) => c === null || c > allowed), allowed };
}
