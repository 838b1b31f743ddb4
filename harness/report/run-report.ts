// Reading what a run wrote: reports/<run-id>/<experiment>.json (see json.ts and the end of
// runExperiment). Files from older harness versions lack some fields, so everything past the
// result's name is optional here and every reader tolerates its absence.
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentResult, IncidentStep } from '../experiment/experiment';
import type { Topology } from '../cluster/topology';
import type { Database, VitessVersion } from '../cluster/versions';
import type { Sample, TimelineEvent } from '../observe/timeline';
import { JestCase, readCases } from './cases';

/** `checks` and the rest are absent in reports written by older harness versions. */
export type ResultJson = Partial<ExperimentResult> & { experiment: string };

export interface ExperimentReport {
  /** The file it was read from. */
  file: string;
  result: ResultJson;
  experiment?: { name: string; title: string; fault?: { name: string; description?: string }; incident?: { file: string; timeline: IncidentStep[] } };
  versions?: { vitess?: VitessVersion; database?: Database };
  topology?: Topology;
  options?: Record<string, unknown>;
  phases?: Record<string, number>;
  timeline?: { startedAt?: string; samples: Sample[]; events: TimelineEvent[] };
}

/** A run folder: its experiment reports, and the Jest cases that ran them when `run` recorded them. */
export interface RunReport {
  dir: string;
  runId: string;
  experiments: ExperimentReport[];
  tests?: JestCase[];
}

/** The file next to the experiment JSONs where `run` records the Jest cases of this run. */
export const TESTS_FILE = 'tests.json';
const NOT_EXPERIMENTS = new Set([TESTS_FILE, 'vet.json']);

function parseExperimentReport(text: string, file: string): ExperimentReport | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const d = data as Partial<ExperimentReport>;
  // The one field every experiment report has had: the result with its experiment's name.
  if (!d.result || typeof d.result !== 'object' || typeof d.result.experiment !== 'string') return undefined;
  return { ...(d as ExperimentReport), file };
}

/** Reads every experiment report in a run folder (other JSON files are skipped), by start time. */
export async function readRun(dir: string): Promise<RunReport> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json') && !NOT_EXPERIMENTS.has(n)).sort();
  const experiments: ExperimentReport[] = [];
  for (const n of names) {
    const file = join(dir, n);
    const r = parseExperimentReport(await fs.readFile(file, 'utf8'), file);
    if (r) experiments.push(r);
  }
  experiments.sort((a, b) => (a.timeline?.startedAt ?? '').localeCompare(b.timeline?.startedAt ?? '') || a.result.experiment.localeCompare(b.result.experiment));
  const testsFile = join(dir, TESTS_FILE);
  // Absent (a run not made by `vitess-chaos run`) stays undefined, apart from a run with no case.
  const tests = existsSync(testsFile) ? readCases(testsFile) : undefined;
  const runId = experiments[0]?.result.runId ?? dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
  return { dir, runId, experiments, tests };
}

/** Ledger lists are arrays in the engine's result; tolerate counts too. */
export function count(x: unknown): number {
  return Array.isArray(x) ? x.length : typeof x === 'number' ? x : 0;
}
