// Running experiments the way `make experiment` does (Jest, chaos project, in band), as a
// child process with its output streamed, then finding the run folders it wrote, recording
// which Jest case wrote which experiment report, and writing each folder's report.html.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_ID_PATTERN } from '../cluster/labels';
import { matchCases, JestCase, readCases } from '../report/cases';
import { writeHtmlReport } from '../report/html';
import { ExperimentReport, readRun, TESTS_FILE } from '../report/run-report';
import { REPO_ROOT, REPORTS_DIR } from '../paths';
import type { Settings } from '../settings';
import type { Experiment } from './catalog';
import { exitCodeOf } from './exit-codes';

export { exitCodeOf };

export interface RunOutcome {
  /** 0 every test passed, 1 a test failed, 2 nothing could run (environment), 130 interrupted. */
  code: number;
  jestExit: number | null;
  cases: JestCase[];
  /** Run folders this run wrote (new since it started), oldest first. */
  runDirs: string[];
  /** report.html of each run folder that holds an experiment report. */
  reports: string[];
  /** The experiment reports of those folders, as read to write report.html. */
  experiments: ExperimentReport[];
}

/** Run folders under `root`, with their modification times. */
export function listRunDirs(root: string = REPORTS_DIR): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root)) {
    if (!RUN_ID_PATTERN.test(name)) continue;
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
}

/** Exact paths, not patterns: a name must not also select the files it is a prefix of. */
function jestArgs(paths: string[]): string[] {
  return [require.resolve('jest/bin/jest', { paths: [REPO_ROOT] }), '--selectProjects', 'chaos', '--runInBand', '--runTestsByPath', ...paths];
}

/**
 * After a run: the run folders it made under `root`, each given tests.json (the Jest cases of
 * the files whose reports it holds, with the reports each case wrote) and report.html.
 */
export async function collectRuns(
  root: string,
  before: ReadonlyMap<string, number>,
  startedAt: number,
  cases: readonly JestCase[],
  say: (line: string) => void,
): Promise<{ runDirs: string[]; reports: string[]; experiments: ExperimentReport[] }> {
  const runDirs = newRunDirs(before, listRunDirs(root), startedAt).map((n) => join(root, n));
  const reports: string[] = [];
  const experiments: ExperimentReport[] = [];
  for (const dir of runDirs) {
    const run = await readRun(dir);
    if (!run.experiments.length) {
      say(`${dir}: no experiment report (logs only)`);
      continue;
    }
    // Cases that wrote no report but ran on the same cluster (an audit, say) belong with their file's.
    const matched = matchCases(cases, run.experiments);
    const files = new Set(matched.filter((c) => c.experiments!.length).map((c) => c.file));
    const tests = matched.filter((c) => files.has(c.file));
    await fs.writeFile(join(dir, TESTS_FILE), `${JSON.stringify(tests, null, 2)}\n`);
    reports.push(await writeHtmlReport(dir, { ...run, tests }));
    experiments.push(...run.experiments);
  }
  return { runDirs, reports, experiments };
}

/** Runs the experiments' Jest files against one version; never throws for a failed test. */
export async function runChaos(entries: readonly Experiment[], o: RunChaosOptions): Promise<RunOutcome> {
  const files = entries.map((e) => e.path);
  const casesFile = join(tmpdir(), `vitess-chaos-cases-${process.pid}-${Date.now()}.json`);
  const before = listRunDirs();
  const startedAt = Date.now();
  const where = o.settings.attach ? `the Vitess in namespace ${o.settings.attach.namespace} (attached; faults ${o.settings.attach.allowFaults ? 'allowed' : 'refused'})` : `Vitess ${o.settings.vitess.release} with ${o.settings.database.id} on ${o.settings.target}`;
  o.say(`running ${entries.map((e) => e.name).join(', ')} on ${where} (jest, chaos project, in band)`);
  const child = spawn(process.execPath, jestArgs(files), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      VITESS_CHAOS_VITESS: o.settings.vitess.release,
      VITESS_CHAOS_DB: o.settings.database.id,
      VITESS_CHAOS_TARGET: o.settings.target,
      ...(o.settings.kubeconfig ? { VITESS_CHAOS_KUBECONFIG: o.settings.kubeconfig } : {}),
      ...(o.settings.attach
        ? {
            VITESS_CHAOS_NAMESPACE: o.settings.attach.namespace,
            VITESS_CHAOS_ALLOW_FAULTS: String(o.settings.attach.allowFaults),
            ...(o.settings.attach.selector ? { VITESS_CHAOS_SELECTOR: o.settings.attach.selector } : {}),
          }
        : {}),
      VITESS_CHAOS_CASES: casesFile,
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true',
    },
    stdio: 'inherit',
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
  const { runDirs, reports, experiments } = await collectRuns(REPORTS_DIR, before, startedAt, rawCases, o.say);
  const code = interrupted ? 130 : exitCodeOf(jestExit, rawCases);
  return { code, jestExit, cases: rawCases, runDirs, reports, experiments };
}
