// Running experiments the way `make experiment` does (Jest, chaos project, in band), as a
// child process with its output streamed, then finding the run folders it wrote, recording
// which Jest case wrote which experiment report, and writing each folder's report.html.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogEntry } from '../../experiments/catalog';
import { matchCases, JestCase, readCases } from '../report/cases';
import { writeHtmlReport } from '../report/html';
import { readRun, TESTS_FILE } from '../report/run-report';
import { REPO_ROOT, REPORTS_DIR } from '../paths';
import type { Settings } from '../settings';

/** A run folder's name: what newRunId() makes (harness/cluster/labels.ts). */
const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export interface RunOutcome {
  /** 0 every test passed, 1 a test failed, 2 nothing could run (environment), 130 interrupted. */
  code: number;
  jestExit: number | null;
  cases: JestCase[];
  /** Run folders this run wrote (new since it started), oldest first. */
  runDirs: string[];
  /** report.html of each run folder that holds an experiment report. */
  reports: string[];
}

/** Run folders under `root`, with their modification times. */
export function listRunDirs(root: string = REPORTS_DIR): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    if (!RUN_ID.test(name)) continue;
    const st = statSync(join(root, name));
    if (st.isDirectory()) out.set(name, st.mtimeMs);
  }
  return out;
}

/**
 * The folders a run made: names absent before it started, created no earlier than it
 * started. A run id is minted per cluster, so a folder that existed before is never ours.
 */
export function newRunDirs(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, startedAt: number): string[] {
  return [...after]
    .filter(([name, mtime]) => !before.has(name) && mtime >= startedAt - 1000)
    .map(([name]) => name)
    .sort();
}

export interface RunChaosOptions {
  settings: Settings;
  say: (line: string) => void;
  /** Where Jest's own output goes (default: this process's stdout/stderr). */
  quiet?: boolean;
}

function jestArgs(files: string[]): string[] {
  return [require.resolve('jest/bin/jest', { paths: [REPO_ROOT] }), '--selectProjects', 'chaos', '--runInBand', ...files];
}

/** Runs the experiments' Jest files against one version; never throws for a failed test. */
export async function runChaos(entries: readonly CatalogEntry[], o: RunChaosOptions): Promise<RunOutcome> {
  const files = entries.map((e) => e.file);
  const casesFile = join(tmpdir(), `vitess-chaos-cases-${process.pid}-${Date.now()}.json`);
  const before = listRunDirs();
  const startedAt = Date.now();
  o.say(`running ${entries.map((e) => e.name).join(', ')} on Vitess ${o.settings.vitess.release} with ${o.settings.database.id} (jest, chaos project, in band)`);
  const child = spawn(process.execPath, jestArgs(files), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      VITESS_CHAOS_VITESS: o.settings.vitess.release,
      VITESS_CHAOS_DB: o.settings.database.id,
      VITESS_CHAOS_CASES: casesFile,
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true',
    },
    stdio: o.quiet ? ['ignore', 'ignore', 'ignore'] : 'inherit',
  });
  // Ctrl-C reaches Jest too (same process group): its experiments clean up and exit; this
  // process stays to write the reports of what finished.
  let interrupted = false;
  const onSigint = () => (interrupted = true);
  process.on('SIGINT', onSigint);
  const jestExit = await new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      o.say(`could not start jest: ${e.message}`);
      resolve(null);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 2 : null)));
  }).finally(() => process.off('SIGINT', onSigint));

  const rawCases = readCases(casesFile);
  await fs.rm(casesFile, { force: true });
  const runDirs = newRunDirs(before, listRunDirs(), startedAt).map((n) => join(REPORTS_DIR, n));
  const reports: string[] = [];
  for (const dir of runDirs) {
    const run = await readRun(dir);
    if (!run.experiments.length) {
      o.say(`${dir}: no experiment report (logs only)`);
      continue;
    }
    // The cases of the files whose reports are in this folder (cases that wrote none too, e.g. an audit on the same cluster).
    const matched = matchCases(rawCases, run.experiments);
    const files = new Set(matched.filter((c) => c.experiments!.length).map((c) => c.file));
    const mine = matched.filter((c) => files.has(c.file));
    await fs.writeFile(join(dir, TESTS_FILE), `${JSON.stringify(mine, null, 2)}\n`);
    reports.push(await writeHtmlReport(dir));
  }
  const cases = rawCases;
  const failed = cases.filter((c) => c.status === 'failed');
  let code: number;
  if (interrupted) code = 130;
  else if (jestExit === 0) code = 0;
  else if (cases.length === 0 || cases.every((c) => c.status !== 'passed' && c.status !== 'failed')) code = 2; // nothing ran: global setup (engine, images) or Jest itself failed
  else code = failed.length ? 1 : 2;
  return { code, jestExit, cases, runDirs, reports };
}
