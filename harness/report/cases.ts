// Jest test cases and the experiment reports they wrote. An experiment's JSON says what the
// run measured; whether the experiment *passed* is its Jest case's outcome (a broken-fault
// case passes when its run fails; the MoveTables case fails on an affected release while the
// run itself completes). The cases come from cases-reporter.js.
import { existsSync, readFileSync } from 'node:fs';
import type { ExperimentReport } from './run-report';

export interface JestCase {
  /** The test file, relative to the repository root. */
  file: string;
  ancestorTitles: string[];
  title: string;
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled' | 'focused' | string;
  /** Epoch milliseconds (null when Jest did not say). */
  startAt: number | null;
  duration: number | null;
  failureMessages: string[];
  /** Experiment reports this case wrote, by experiment name (filled by matchCases). */
  experiments?: string[];
}

export function readCases(file: string): JestCase[] {
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as JestCase[]) : [];
  } catch {
    return [];
  }
}

/** How late an experiment may start after its case began and still count as the case's (clock jitter). */
const SLACK_MS = 1000;

/** The case that was running when the experiment started: it began before, and had not yet ended. */
export function caseOf(report: ExperimentReport, cases: readonly JestCase[]): JestCase | undefined {
  const started = report.timeline?.startedAt ? Date.parse(report.timeline.startedAt) : NaN;
  if (!Number.isFinite(started)) return undefined;
  let best: JestCase | undefined;
  for (const c of cases) {
    if (c.startAt === null || c.startAt > started + SLACK_MS) continue;
    const end = c.startAt + (c.duration ?? 0);
    if (end + SLACK_MS < started) continue;
    if (!best || c.startAt > best.startAt!) best = c;
  }
  return best;
}

/** Copies of the cases, each with the names of the experiment reports it wrote. */
export function matchCases(cases: readonly JestCase[], reports: readonly ExperimentReport[]): JestCase[] {
  const out = cases.map((c) => ({ ...c, experiments: [] as string[] }));
  for (const r of reports) {
    const c = caseOf(r, out);
    if (c) (c as JestCase & { experiments: string[] }).experiments.push(r.result.experiment);
  }
  return out;
}

/** Text without the terminal's colour codes (Jest colours its failure messages). */
export const plain = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/** A one-line reason a case failed: the first line of its first failure message, without colour codes. */
export function failureLine(c: JestCase): string | undefined {
  const m = c.failureMessages[0];
  if (!m) return undefined;
  return plain(m)
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
}
