// vitess-chaos command line. Exit codes (exit-codes.ts): 0 success, 1 a failed test or a
// flagged or incomplete vet, 2 usage or environment error, nothing could run, or a vet that
// compared nothing (130 when interrupted).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { assertEngine, docker, EngineError } from '../cluster/docker/engine';
import { ensureImages, IMAGE_REPO_PREFIX, listImages } from '../cluster/docker/images';
import { timeStamp } from '../cluster/labels';
import { removeAll } from '../cluster/docker/reaper';
import { assertApi, connect, KubeError } from '../cluster/k8s/kube';
import { LOCAL_KUBECONFIG } from '../cluster/k8s/local';
import { describeFound, discover, tabletTypes } from '../cluster/k8s/discover';
import { OPERATOR_LABEL } from '../cluster/k8s/operator-labels';
import { VersionError } from '../cluster/versions';
import { REPORTS_DIR } from '../paths';
import { writeHtmlReport } from '../report/html';
import { readRun } from '../report/run-report';
import { caseNotRun } from '../report/not-run';
import { compareVet, DEFAULT_VET_OPTIONS, ExperimentSummary, summarize, VetOptions } from '../report/vet';
import { vetTable, writeVetReport } from '../report/vet-render';
import { resolveSettings, Settings } from '../settings';
import { Catalog, CatalogError, EXPERIMENTS_ENV, Experiment, experimentList, experimentsDir, loadCatalog, resolveExperiments } from './catalog';
import { EXIT, vetExitCode } from './exit-codes';
import { RunOutcome, runChaos } from './run';
import { assertVitessAvailable } from './vitess-available';
import { runVetMatrix, VET_MATRIX_FILE } from './vet-matrix';
import { matrixReleases } from '../report/vet-matrix';

/** A mistake in how the command was called: said once, exit 2, nothing started. */
class UsageError extends Error {
  override name = 'UsageError';
}

/** Ctrl-C during a vet: said, exit 130. */
class InterruptedError extends Error {
  override name = 'InterruptedError';
}

/** A vet whose baseline ran nothing: exit 2, as an environment error. */
class NothingRanError extends Error {
  override name = 'NothingRanError';
}

let exitCode = 0;
const say = (line: string) => process.stderr.write(`[vitess-chaos] ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

const program = new Command('vitess-chaos')
  .description('Chaos experiments against a real Vitess cluster in Docker')
  .option('--experiments <dir>', `the experiments folder, holding catalog.ts (env ${EXPERIMENTS_ENV}; default: the repository's)`)
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

/** Loaded on first use, so commands that run no experiment work without a catalog. */
let loaded: Catalog | undefined;
const catalog = (): Catalog => (loaded ??= loadCatalog(experimentsDir(program.opts<{ experiments?: string }>().experiments)));

/** The experiment list for --help, which must print even when the catalog will not load. */
function helpList(): string {
  try {
    return experimentList(catalog());
  } catch (e) {
    return `  (the experiment catalog did not load: ${(e as Error).message})`;
  }
}

function pickExperiments(names: string[], all = false, fallback: string[] = []): Experiment[] {
  const cat = catalog();
  if (all) return [...cat.entries];
  const wanted = names.length ? names : fallback;
  if (!wanted.length) throw new UsageError(`name at least one experiment (or --all). Experiments:\n${experimentList(cat)}`);
  const { found, unknown } = resolveExperiments(cat, wanted);
  if (unknown.length) throw new UsageError(`unknown experiment${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Valid names:\n${experimentList(cat)}`);
  return found;
}

function fraction(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new InvalidArgumentError('must be a number >= 0, e.g. 0.5');
  return x;
}

function count(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1 || x > 20) throw new InvalidArgumentError('must be a whole number from 1 to 20, e.g. 3');
  return x;
}

/** The thresholds vet and compare share, defaulting to the comparison's own. */
function withVetOptions(cmd: Command): Command {
  return cmd
    .option('--tolerance <fraction>', 'slower beyond this fraction of the baseline is a regression', fraction, DEFAULT_VET_OPTIONS.tolerance)
    .option('--slack <seconds>', 'and beyond at least this many seconds', fraction, DEFAULT_VET_OPTIONS.slackSeconds);
}

const vetOptions = (opts: { tolerance: number; slack: number }): VetOptions => ({ tolerance: opts.tolerance, slackSeconds: opts.slack });

function runDirArg(dir: string): string {
  const path = existsSync(dir) ? resolve(dir) : join(REPORTS_DIR, dir);
  if (!existsSync(path)) throw new UsageError(`no run folder ${dir} (give a path, or a run id under ${REPORTS_DIR})`);
  return path;
}

program
  .command('list')
  .description('list the experiments, with one line each on what they rehearse')
  .action(() => {
    out(experimentList(catalog()));
  });

/** Before anything starts: every version exists (exit 2 if not), then the engine (and Kubernetes, if the target) answers. */
async function preflight(settings: Settings[]): Promise<void> {
  // An attached cluster runs its own Vitess: no release to build, no Docker engine to need.
  for (const s of settings.filter((x) => !x.attach)) await assertVitessAvailable(s.vitess, { say });
  if (settings.some((s) => !s.attach)) await assertEngine();
  for (const s of settings.filter((x) => x.target === 'k8s')) await assertApi(connect(s.kubeconfig ?? LOCAL_KUBECONFIG));
  for (const s of settings.filter((x) => !x.attach)) say(`Vitess ${s.vitess.release} (Go module ${s.vitess.module}) on ${s.database.id}`);
}

function printOutcome(o: RunOutcome): void {
  for (const r of o.reports) out(`report: ${r}`);
  if (!o.reports.length) say('no experiment report was written (see the output above)');
  const failed = o.cases.filter((c) => c.status === 'failed');
  say(`${o.cases.length} tests, ${failed.length} failed${failed.length ? `: ${failed.map((c) => c.title).join('; ')}` : ''}`);
}

program
  .command('run')
  .description('run experiments on one Vitess version, stream their progress, and write report.html for each run')
  .argument('[experiments...]', 'experiment names (see `vitess-chaos list`)')
  .option('--all', 'every experiment in the catalog')
  .option('--vitess <version>', 'Vitess release, e.g. 24.0.3 (env VITESS_CHAOS_VITESS)')
  .option('--db <database>', 'database server, e.g. mysql-9.7 (env VITESS_CHAOS_DB)')
  .option('--target <target>', 'where clusters run: docker (default) or k8s (env VITESS_CHAOS_TARGET)')
  .option('--kubeconfig <file>', 'the Kubernetes cluster for --target k8s (default: the local one `make k8s` runs; env VITESS_CHAOS_KUBECONFIG)')
  .option('--namespace <namespace>', 'attach to the Vitess already running in this namespace instead of starting one (--target k8s; env VITESS_CHAOS_NAMESPACE)')
  .option('--selector <labels>', 'with --namespace: a label selector narrowing its pods (env VITESS_CHAOS_SELECTOR)')
  .option('--allow-faults', 'with --namespace: let experiments inject faults into that cluster (refused without it; env VITESS_CHAOS_ALLOW_FAULTS=1)')
  .addHelpText('after', () => `\nExperiments:\n${helpList()}\n\nExit: 0 all tests passed; 1 a test failed; 2 usage or environment error (unknown version, no Docker engine, no Kubernetes API), or nothing ran (every case failed before its experiment started); 130 interrupted.`)
  .action(async (names: string[], opts: { all?: boolean; vitess?: string; db?: string; target?: string; kubeconfig?: string; namespace?: string; selector?: string; allowFaults?: boolean }) => {
    const entries = pickExperiments(names, opts.all);
    const settings = resolveSettings({
      vitess: opts.vitess,
      database: opts.db,
      target: opts.target,
      kubeconfig: opts.kubeconfig,
      namespace: opts.namespace,
      selector: opts.selector,
      allowFaults: opts.allowFaults,
    });
    await preflight([settings]);
    const outcome = await runChaos(entries, { settings, say });
    printOutcome(outcome);
    exitCode = outcome.code;
  });

/** One line on why a run ran nothing: the first case that never started, else Jest's exit. */
function nothingRan(label: string, settings: Settings, o: RunOutcome): string {
  const why = o.cases.map(caseNotRun).find((x) => x !== undefined) ?? `jest exit ${o.jestExit}, no test case recorded`;
  return `nothing ran on the ${label} (Vitess ${settings.vitess.release}): ${why}; see its output above`;
}

/** One side of a vet, `repeat` times in a row: every run's summaries (compareVet folds the repeats of a case). */
async function side(label: string, entries: Experiment[], settings: Settings, repeat: number): Promise<{ runDirs: string[]; summaries: ExperimentSummary[]; notes: string[] }> {
  const runDirs: string[] = [];
  const summaries: ExperimentSummary[] = [];
  for (let i = 1; i <= repeat; i++) {
    say(`${label}: Vitess ${settings.vitess.release}${repeat > 1 ? `, run ${i} of ${repeat}` : ''}`);
    const outcome = await runChaos(entries, { settings, say });
    printOutcome(outcome);
    if (outcome.code === EXIT.interrupted) throw new InterruptedError(`interrupted during the ${label} run`);
    // Cases that did not run are not compared (see compareVet); a side where nothing ran is said once, as a note, and not run again.
    if (outcome.code === EXIT.usage && !summaries.length) return { runDirs: outcome.runDirs, summaries: [], notes: [nothingRan(label, settings, outcome)] };
    runDirs.push(...outcome.runDirs);
    summaries.push(...summarize(outcome.experiments, outcome.cases));
  }
  return { runDirs, summaries, notes: [] };
}

/** Writes the comparison's report, prints its table, and sets the exit code (exit-codes.ts). */
async function finishVet(comparison: ReturnType<typeof compareVet>): Promise<void> {
  const files = await writeVetReport(join(REPORTS_DIR, `vet-${timeStamp()}`), comparison);
  out(vetTable(comparison));
  out(`vet: ${files.html}\nvet: ${files.json}`);
  exitCode = vetExitCode(comparison);
}

withVetOptions(
  program
    .command('vet')
    .description('run experiments on a baseline and a candidate Vitess version and compare them (flags regressions)')
    .argument('[experiments...]', 'experiment names (default: empty-vschema)')
    .requiredOption('--baseline <version>', 'the version in production, e.g. 24.0.3')
    .requiredOption('--candidate <version>', 'the version to vet, e.g. 23.0.0')
    .option('--db <database>', 'database server for both, e.g. mysql-9.7')
    .option('--repeat <n>', 'runs of each case on each side: a case passing on some runs and failing on others is flaky, and a timing is slower only clear of the baseline\'s spread', count, 3),
)
  .addHelpText(
    'after',
    () =>
      `\nExperiments:\n${helpList()}\n\nEach case is compared by its outcome, check by check, and by its detection and recovery times. A case that did not run on a side (its cluster never came up, its run reached no verdict or stopped before the fault), or a check measured on one side only, is not compared, and the vet is then INCOMPLETE, never CLEAN. Each case runs --repeat times a side (default 3): one that passes on some runs and fails on others is FLAKY, never a regression or a fix, and a timing is slower only when every candidate run is beyond the baseline's slowest by the allowance. When nothing ran on the baseline, the candidate is not run. Writes reports/vet-<time>/vet.json and vet.html.\n\nExit: 0 clean; 1 flagged (a regression), or incomplete with at least one case compared; 2 usage or environment error, or nothing compared (no case ran on both sides); 130 interrupted.`,
  )
  .action(async (names: string[], opts: { baseline: string; candidate: string; db?: string; repeat: number; tolerance: number; slack: number }) => {
    const entries = pickExperiments(names, false, ['empty-vschema']);
    const baseline = resolveSettings({ vitess: opts.baseline, database: opts.db });
    const candidate = resolveSettings({ vitess: opts.candidate, database: opts.db });
    await preflight([baseline, candidate]);
    const b = await side('baseline', entries, baseline, opts.repeat);
    // Nothing to compare the candidate against: stop here rather than spend its run.
    if (b.notes.length) throw new NothingRanError(`${b.notes[0]}. The candidate was not run.`);
    const c = await side('candidate', entries, candidate, opts.repeat);
    const comparison = compareVet(b.summaries, c.summaries, vetOptions(opts), {
      baseline: baseline.vitess.release,
      candidate: candidate.vitess.release,
      baselineRunDirs: b.runDirs,
      candidateRunDirs: c.runDirs,
      notes: c.notes,
    });
    await finishVet(comparison);
  });

withVetOptions(
  program
    .command('compare')
    .description('compare two run folders already written (no cluster), as vet does')
    .argument('<baseline-run>', 'run folder (path or run id) of the baseline')
    .argument('<candidate-run>', 'run folder (path or run id) of the candidate'),
).action(async (bDir: string, cDir: string, opts: { tolerance: number; slack: number }) => {
    const [b, c] = await Promise.all([readRun(runDirArg(bDir)), readRun(runDirArg(cDir))]);
    for (const r of [b, c]) if (!r.experiments.length) throw new UsageError(`${r.dir} holds no experiment report`);
    const version = (r: typeof b) => r.experiments[0].result.vitess ?? r.runId;
    // Without the Jest outcomes, pass/fail is each run's own verdict and checks: weaker than the tests.
    const untested = [b, c].filter((r) => !r.tests?.length).map((r) => r.dir);
    const notes = untested.length
      ? [`no Jest outcomes recorded in ${untested.join(' and ')} (runs not made by \`vitess-chaos run\`): pass/fail is each run's own verdict and checks, which miss assertions kept only in the test files (a broken-fault case shows as failing)`]
      : [];
    const comparison = compareVet(summarize(b.experiments, b.tests ?? []), summarize(c.experiments, c.tests ?? []), vetOptions(opts), {
      baseline: version(b),
      candidate: version(c),
      baselineRunDirs: [b.dir],
      candidateRunDirs: [c.dir],
      notes,
    });
    await finishVet(comparison);
  });

program
  .command('report')
  .description('(re)write report.html for a run folder from its experiment JSON files')
  .argument('<run-dir>', 'run folder: a path, or a run id under reports/')
  .action(async (dir: string) => {
    const path = runDirArg(dir);
    const run = await readRun(path);
    if (!run.experiments.length) throw new UsageError(`${path} holds no experiment report (<experiment>.json)`);
    out(await writeHtmlReport(path, run));
  });

program
  .command('vet-matrix')
  .description('every known regression (the catalog\'s REGRESSIONS) on every release it names and the default: caught, clean or not reproducible, with the figure measured')
  .option('--releases <list>', 'only these releases, comma-separated (default: every release the cases name that can run here, and the default release)')
  .option('--db <database>', 'database server, e.g. mysql-9.7 (env VITESS_CHAOS_DB)')
  .addHelpText('after', () => `\nBuilds each release's images when missing (a release's binaries: 14 min cold, 3-6 min beside a neighbouring release's Go build cache), then runs the regression experiment on it. Writes ${VET_MATRIX_FILE} after each release and prints a table (release x case).\n\nExit: 0 every case caught on its affected releases and clean on the others; 1 any other cell (not reproducible, failed, not run); 2 usage or environment error; 130 interrupted.`)
  .action(async (opts: { releases?: string; db?: string }) => {
    const cat = catalog();
    const catalogue = cat.regressions;
    if (!catalogue) throw new UsageError(`the experiment catalog in ${cat.dir} exports no REGRESSIONS: nothing to run`);
    const [entry] = pickExperiments([catalogue.experiment]);
    const runnable = (release: string) => whyNot(release, opts.db) === undefined;
    const picked = opts.releases
      ? { run: opts.releases.split(',').map((r) => r.trim()).filter(Boolean), skipped: [] as string[] }
      : matrixReleases(catalogue.cases, runnable, [resolveSettings({ database: opts.db }).vitess.release]);
    if (!picked.run.length) throw new UsageError('no release to run');
    const settings = picked.run.map((r) => resolveSettings({ vitess: r, database: opts.db }));
    await preflight(settings);
    const skipped = picked.skipped.map((release) => ({ release, why: whyNot(release, opts.db) ?? '' }));
    for (const s of skipped) say(`vet matrix: leaving out Vitess ${s.release}: ${s.why}`);
    const { table, code } = await runVetMatrix({ catalogue, entry, settings, skipped, say, print: printOutcome });
    out(table);
    out(`vet matrix: ${VET_MATRIX_FILE}`);
    exitCode = code;
  });

/** Why a release cannot run with this database here (undefined: it can). */
function whyNot(release: string, db?: string): string | undefined {
  try {
    resolveSettings({ vitess: release, database: db });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const images = program.command('images').description('build or list the images clusters run on');

images
  .command('build')
  .description('build the images for a Vitess version and database (only what is missing or changed)')
  .option('--vitess <version>', 'Vitess release, e.g. 24.0.3 (env VITESS_CHAOS_VITESS)')
  .option('--db <database>', 'database server, e.g. mysql-9.7 (env VITESS_CHAOS_DB)')
  .action(async (opts: { vitess?: string; db?: string }) => {
    const settings = resolveSettings({ vitess: opts.vitess, database: opts.db });
    await assertEngine();
    const set = await ensureImages(settings);
    process.stdout.write(`${Object.values(set).join('\n')}\n`);
  });

images
  .command('list')
  .description('list the images vitess-chaos built')
  .action(async () => {
    await assertEngine();
    for (const img of await listImages()) {
      process.stdout.write(`${img.tag.padEnd(44)} ${String(img.sizeMb).padStart(6)} MB  ${img.createdAt}  recipe ${img.recipe ?? '-'}\n`);
    }
  });

program
  .command('cleanup')
  .description('remove every container and network a run left behind')
  .option('--images', 'also remove every vitess-chaos image')
  .action(async (opts: { images?: boolean }) => {
    await assertEngine();
    const removed = await removeAll();
    process.stdout.write(`removed ${removed.containers.length} container(s), ${removed.networks.length} network(s)\n`);
    if (opts.images) {
      const tags = (await listImages()).map((i) => i.tag).filter((t) => t.startsWith(IMAGE_REPO_PREFIX));
      for (const tag of tags) await docker().getImage(tag).remove({ force: true });
      process.stdout.write(`removed ${tags.length} image(s)\n`);
    }
  });

program
  .command('inspect')
  .description("find Vitess on a Kubernetes cluster by the vitess-operator's pod labels and print what was found, with each tablet's type as vtctld has it (read-only: nothing is changed)")
  .option('--kubeconfig <file>', 'the cluster (default: the local one `make k8s` runs; env VITESS_CHAOS_KUBECONFIG)')
  .option('--namespace <namespace>', 'only this namespace (default: every namespace with Vitess pods)')
  .option('--selector <labels>', 'a label selector narrowing the pods', OPERATOR_LABEL.component)
  .action(async (opts: { kubeconfig?: string; namespace?: string; selector: string }) => {
    const kube = connect(opts.kubeconfig ?? process.env.VITESS_CHAOS_KUBECONFIG ?? LOCAL_KUBECONFIG);
    await assertApi(kube);
    const pods = opts.namespace
      ? (await kube.core.listNamespacedPod(opts.namespace, undefined, undefined, undefined, undefined, opts.selector)).body.items
      : (await kube.core.listPodForAllNamespaces(undefined, undefined, undefined, opts.selector)).body.items;
    const namespaces = opts.namespace ? [opts.namespace] : [...new Set(pods.map((p) => p.metadata?.namespace ?? ''))].sort();
    if (!namespaces.length) {
      out(`no pod matches ${opts.selector} in any namespace of ${kube.source}`);
      exitCode = EXIT.failed;
      return;
    }
    for (const ns of namespaces) {
      const inNs = pods.filter((p) => p.metadata?.namespace === ns);
      const found = discover(ns, inNs);
      out(describeFound(found, await tabletTypes(kube, found, inNs)));
    }
  });

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`vitess-chaos: ${(e as Error).message}\n`);
    if (e instanceof InterruptedError) return EXIT.interrupted;
    const usage = [VersionError, EngineError, KubeError, UsageError, CatalogError, NothingRanError].some((k) => e instanceof k);
    return usage ? EXIT.usage : EXIT.failed;
  }
}

void main(process.argv).then((code) => process.exit(code));
