// Soak: the whole chaos suite N times in a row, to see whether it is stable (every test green
// every time) and how much its timings wander. Writes reports/soak.json and reports/soak.md
// (soak-hog.* with the hog, so the two soaks sit side by side), after every iteration since a
// soak takes hours. Run with `make soak`.
//   SOAK_RUNS=3          iterations
//   SOAK_HOG=1           a busy loop on one core beside the suite (niced, bounded in time)
//   SOAK_HOG_SECONDS     the hog's bound per iteration (default 3 h)
//   SOAK_FILES="experiments/a.chaos.ts ..."   only these experiment files
// Exit 0 every test passed every iteration, 1 one failed, 2 nothing ran (or bad input),
// 130/143 interrupted by SIGINT/SIGTERM (the summary of what finished is still written).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { constants, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { reapOrphans } from '../harness/cluster/docker/reaper';
import { listRunDirs, newRunDirs } from '../harness/cli/run';
import { REPO_ROOT, REPORTS_DIR } from '../harness/paths';
import { readRun } from '../harness/report/run-report';
import { resolveSettings, Settings } from '../harness/settings';
import { Hog, startHog } from './hog';
import { IterationInput, JestJson, SoakMeta, soakExitCode, soakMarkdown, summarize } from './soak-summary';

const say = (s: string) => process.stderr.write(`[soak] ${s}\n`);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return n;
}

/** Copies a stream line by line with a prefix, so iterations can be told apart in a long log. */
function prefixLines(from: Readable, to: Writable, prefix: string): Promise<void> {
  const rl = createInterface({ input: from, crlfDelay: Infinity });
  rl.on('line', (line) => to.write(`${prefix} ${line}\n`));
  return new Promise((resolve) => rl.on('close', resolve));
}

function readJestJson(file: string): JestJson | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JestJson;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  let runs: number;
  let hogSeconds: number;
  let settings: Settings;
  const files = (process.env.SOAK_FILES ?? '').split(/\s+/).filter(Boolean);
  try {
    runs = positiveInt('SOAK_RUNS', 3);
    hogSeconds = positiveInt('SOAK_HOG_SECONDS', 3 * 3600);
    settings = resolveSettings();
    const wrong = files.filter((f) => !f.endsWith('.chaos.ts') || !existsSync(join(REPO_ROOT, f)));
    if (wrong.length) throw new Error(`SOAK_FILES must name experiment files (experiments/<name>.chaos.ts, from the repository root): ${wrong.join(', ')}`);
  } catch (e) {
    say((e as Error).message);
    return 2;
  }
  const hog = process.env.SOAK_HOG === '1';
  const meta: SoakMeta = {
    startedAt: new Date().toISOString(),
    machine: { cores: cpus().length, loadavgBefore: loadavg().map((x) => Math.round(x * 100) / 100) },
    runs,
    hog,
    vitess: settings.vitess.release,
    database: settings.database.id,
    ...(files.length ? { files } : {}),
  };

  let interrupted: NodeJS.Signals | undefined;
  let child: ChildProcess | undefined;
  let hogProcess: Hog | undefined;
  const stopHog = () => {
    hogProcess?.stop();
  };
  process.on('exit', stopHog);
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    stopHog();
    // Ctrl-C already reaches Jest (same process group); SIGTERM was sent to this process only.
    // Jest's experiments remove their clusters on either, then it exits and we summarize.
    if (signal === 'SIGTERM') child?.kill('SIGTERM');
    say(`${signal}: no further iteration; waiting for Jest to clean up`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const stem = hog ? 'soak-hog' : 'soak';
  const jsonFile = join(REPORTS_DIR, `${stem}.json`);
  const mdFile = join(REPORTS_DIR, `${stem}.md`);
  const jestBin = require.resolve('jest/bin/jest', { paths: [REPO_ROOT] });
  const iterations: IterationInput[] = [];
  const write = async () => {
    const summary = summarize(meta, iterations, REPO_ROOT);
    mkdirSync(REPORTS_DIR, { recursive: true });
    writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
    const md = soakMarkdown(summary);
    writeFileSync(mdFile, md);
    return { summary, md };
  };

  say(`${runs} run(s) of the chaos suite${files.length ? ` (${files.join(' ')})` : ''} on Vitess ${meta.vitess} with ${meta.database}${hog ? ', CPU hog on one core' : ''}`);
  for (let i = 1; i <= runs && !interrupted; i++) {
    const prefix = `[soak ${i}/${runs}]`;
    const out = join(tmpdir(), `vitess-chaos-soak-${process.pid}-${i}.json`);
    const before = listRunDirs();
    const started = Date.now();
    hogProcess = hog ? startHog(hogSeconds, say) : undefined;
    child = spawn(process.execPath, [jestBin, '--selectProjects', 'chaos', '--runInBand', '--json', '--outputFile', out, ...files], {
      cwd: REPO_ROOT,
      env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true' },
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    const copied = Promise.all([prefixLines(child.stdout!, process.stdout, prefix), prefixLines(child.stderr!, process.stderr, prefix)]);
    const jestExit = await new Promise<number | null>((resolve) => {
      child!.on('error', (e) => {
        say(`could not start jest: ${e.message}`);
        resolve(null);
      });
      child!.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null)));
    });
    // Jest dies on SIGTERM without its afterAll hooks (and a cluster's own signal handler is not
    // reached inside Jest's sandbox): what the interrupted iteration left is removed here, as the
    // next start would (containers whose owning process is gone).
    if (interrupted) {
      const reaped = await reapOrphans().catch(() => undefined);
      if (reaped && reaped.containers.length + reaped.networks.length) say(`removed ${reaped.containers.length} container(s) and ${reaped.networks.length} network(s) the interrupted iteration left`);
    }
    // An app process Jest started inherits its stdout; one left running must not hold the soak.
    await Promise.race([copied, new Promise((r) => setTimeout(r, 5000).unref())]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    // The hog must have lasted the whole iteration for it to count as run under load.
    const hogHeld = hogProcess ? hogProcess.running() && !interrupted : undefined;
    stopHog();
    if (hogHeld === false && !interrupted) say(`the CPU hog stopped before iteration ${i} ended (SOAK_HOG_SECONDS=${hogSeconds})`);
    const seconds = (Date.now() - started) / 1000;
    const jest = readJestJson(out);
    await fs.rm(out, { force: true });
    const dirs = newRunDirs(before, listRunDirs(), started);
    const runReports = await Promise.all(dirs.map((d) => readRun(join(REPORTS_DIR, d))));
    iterations.push({ index: i, jestExit, seconds, hogHeld, jest, runs: runReports, ...(interrupted ? { interrupted: true } : {}) });
    const { summary } = await write();
    const it = summary.iterations.find((x) => x.index === i);
    say(it ? `iteration ${i}/${runs}: jest exit ${jestExit}, ${it.passed} passed, ${it.failed} failed, ${Math.round(seconds)} s, ${dirs.length} run folder(s)` : `iteration ${i}/${runs} interrupted after ${Math.round(seconds)} s: not counted`);
  }

  const { summary, md } = await write();
  process.stdout.write(`\n${md}`);
  say(`wrote ${jsonFile} and ${mdFile}`);
  if (interrupted) return interrupted === 'SIGINT' ? 130 : 143;
  return soakExitCode(summary);
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    say(`failed: ${e.stack ?? e.message}`);
    process.exit(2);
  },
);
