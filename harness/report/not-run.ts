// Whether a Jest case or an experiment report measured anything. A case whose cluster never
// came up fails like any other, but it says nothing about the version it ran on: a run's exit
// code and a vet must tell it apart from a case that ran and failed its checks.
import { failureLine, JestCase } from './cases';
import type { ExperimentReport } from './run-report';

/**
 * Errors thrown before an experiment's first step: the images, the engine, the settings, the
 * cluster's bring-up or attach (harness/cluster), faults refused before any load (an attached
 * cluster without --allow-faults). A readiness wait inside a running experiment throws
 * ReadinessError instead, which is a result, so it is not here.
 */
const BEFORE_START = new Set(['ClusterStartError', 'ImageBuildError', 'EngineError', 'VersionError', 'TopologyError', 'AttachError', 'FaultRefusedError']);
/** Jest's words when a beforeAll (where experiment files start their cluster) outlived its timeout. */
const HOOK_TIMEOUT = /Exceeded timeout of \d+ ms for a hook/;
/** The title cases-reporter.js gives a test file that failed before any of its tests ran. */
export const FILE_COULD_NOT_RUN = '(the test file could not run)';

const MAX_REASON = 300;
const cut = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);

/** Why a failed case never got to measure anything, or undefined when it ran (or passed). */
export function caseNotRun(c: JestCase): string | undefined {
  if (c.status !== 'failed') return undefined;
  const line = failureLine(c) ?? 'no failure message';
  if (c.title === FILE_COULD_NOT_RUN) return cut(`its test file could not run: ${line}`);
  const errorName = /^(\w+):/.exec(line)?.[1];
  if (errorName && BEFORE_START.has(errorName)) return cut(`it never started: ${line}`);
  if (c.failureMessages.some((m) => HOOK_TIMEOUT.test(m))) return cut(`its setup timed out: ${line}`);
  return undefined;
}

/**
 * Why an experiment report holds no measurement to compare, or undefined when it does: a run
 * that could not reach a verdict (verdict 'unknown', e.g. its writes could not be read back),
 * or that stopped before its fault was injected (steady state never reached, say).
 */
export function reportNotRun(r: ExperimentReport): string | undefined {
  const res = r.result;
  const problems = res.problems?.length ? res.problems.join('; ') : undefined;
  if (res.verdict === 'unknown') {
    return cut(`run ${res.runId ?? '?'} (${res.experiment}) reached no verdict: ${problems ?? res.ledger?.error ?? 'its writes could not be verified'}`);
  }
  if (res.timings?.injectAt === undefined) {
    return cut(`run ${res.runId ?? '?'} (${res.experiment}) stopped before its fault: ${problems ?? 'no fault injected'}`);
  }
  return undefined;
}
