// Foundation figures, written to reports/bench.json: image build times, cluster bring-up,
// resident memory of the running cluster, teardown. Run with `make bench`.
//   BENCH_RUNS=3     bring-ups to measure (median reported)
//   BENCH_CONCURRENCY="8 4 after"  also bring the cluster up with tablets started at most N at a time
//                    ("after": all at once, but only once etcd, vtctld and the keyspaces are up)
//                    (each value BENCH_RUNS times, interleaved), to compare with all at once
//   BENCH_COLD=1     also measure a build from nothing (empty Go caches, no images) and a
//                    rebuild with warm Go caches; slow (minutes), and removes this version's images
//   BENCH_EXAMPLES=1 after each bring-up, Vitess's own examples/local 101 script in one container
//                    (bench/examples-local.ts): both times, the ratio and the bring-up targets
//                    into foundation.versusExamplesLocal
//   BENCH_HOG=1      every bring-up with a niced busy loop on one core (BENCH_HOG_SECONDS bounds it,
//                    default 3600); with BENCH_EXAMPLES=1 the figures go under `withHog`, else `idle`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerCluster } from '../harness/cluster/docker/docker-cluster';
import { docker } from '../harness/cluster/docker/engine';
import { BASE_IMAGE, imageTags, ensureExamplesLocalImage, ensureImages } from '../harness/cluster/docker/images';
import { defaultTopology } from '../harness/cluster/default-topology';
import { RUN_LABEL } from '../harness/cluster/labels';
import { REPO_ROOT, REPORTS_DIR } from '../harness/paths';
import { resolveSettings } from '../harness/settings';
import { bringUpTargets, ComparisonPair, ExamplesLocalRun, runExamplesLocal, summarizeComparison } from './examples-local';
import { startHog } from './hog';

const settings = resolveSettings();
const runs = Number(process.env.BENCH_RUNS ?? 3);
const say = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function timeCli(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = Date.now();
  const r = spawnSync(join(REPO_ROOT, 'bin', 'vitess-chaos'), args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`vitess-chaos ${args.join(' ')} failed (exit ${r.status})`);
  return (Date.now() - t0) / 1000;
}

async function removeImages(withBase: boolean): Promise<void> {
  const tags = Object.values(imageTags(settings.vitess, settings.database));
  for (const tag of withBase ? [...tags, BASE_IMAGE] : tags) await docker().getImage(tag).remove({ force: true }).catch(() => undefined);
}

/** Resident memory of the run's containers, from the engine's cgroup stats. */
async function clusterMemory(runId: string): Promise<{ rssMb: number; usageMb: number; containers: number }> {
  const list = await docker().listContainers({ filters: { label: [`${RUN_LABEL}=${runId}`] } });
  let rss = 0;
  let usage = 0;
  for (const c of list) {
    const s = (await docker().getContainer(c.Id).stats({ stream: false })) as unknown as {
      memory_stats: { usage?: number; stats?: Record<string, number> };
    };
    rss += s.memory_stats.stats?.rss ?? s.memory_stats.stats?.anon ?? 0;
    usage += (s.memory_stats.usage ?? 0) - (s.memory_stats.stats?.cache ?? s.memory_stats.stats?.inactive_file ?? 0);
  }
  return { rssMb: Math.round(rss / 1e6), usageMb: Math.round(usage / 1e6), containers: list.length };
}

/** The share of the machine's CPU time spent busy (not idle or waiting on I/O) over `ms`, from /proc/stat. */
async function cpuBusy(ms: number): Promise<number | undefined> {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + (f[4] ?? 0) };
  };
  try {
    const a = sample();
    await new Promise((r) => setTimeout(r, ms));
    const b = sample();
    return b.total > a.total ? 1 - (b.idle - a.idle) / (b.total - a.total) : undefined;
  } catch {
    return undefined; // not Linux
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const images: Record<string, number> = {};
  if (process.env.BENCH_COLD === '1') {
    const cache = mkdtempSync(join(tmpdir(), 'vitess-chaos-cold-'));
    try {
      say('cold build: no images, empty Go caches (minutes)');
      await removeImages(true);
      images.coldSeconds = round(timeCli(['images', 'build'], { ...process.env, VITESS_CHAOS_CACHE: cache }));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    say('rebuild with warm Go caches and base image: Vitess images removed');
    await removeImages(false);
    images.warmCacheRebuildSeconds = round(timeCli(['images', 'build']));
  }
  await ensureImages(settings);
  images.presentCheckSeconds = round(timeCli(['images', 'build']));

  const examplesImage = process.env.BENCH_EXAMPLES === '1' ? await ensureExamplesLocalImage(settings) : undefined;
  const loadAverageAtStart = loadavg()[0];
  const cpuBusyBeforeStart = await cpuBusy(3000);
  const hog = process.env.BENCH_HOG === '1' ? startHog(Number(process.env.BENCH_HOG_SECONDS ?? 3600), say) : undefined;

  const bringUp: number[] = [];
  const teardown: number[] = [];
  const pairs: ComparisonPair[] = [];
  let lastExample: ExamplesLocalRun | undefined;
  let memory = { rssMb: 0, usageMb: 0, containers: 0 };
  for (let i = 0; i < runs; i++) {
    say(`bring-up ${i + 1}/${runs}${hog ? ' (CPU hog on one core)' : ''}`);
    const cluster = await DockerCluster.start({ topology: defaultTopology(), images: imageTags(settings.vitess, settings.database) });
    bringUp.push(cluster.bringUpSeconds);
    if (i === 0) memory = await clusterMemory(cluster.runId);
    const t0 = Date.now();
    await cluster.stop();
    teardown.push((Date.now() - t0) / 1000);
    // Interleaved: ours, the example, ours, ... so a change in the machine's load hits both alike.
    if (examplesImage) {
      say(`examples/local 101_initial_cluster.sh ${i + 1}/${runs}`);
      const example = await runExamplesLocal({ image: examplesImage });
      say(`examples/local ready in ${example.seconds.toFixed(1)} s (ours: ${cluster.bringUpSeconds.toFixed(1)} s)`);
      pairs.push({ ours: cluster.bringUpSeconds, examplesLocal: example.seconds, examplesLocalScript: example.scriptSeconds });
      lastExample = example;
    }
  }

  // Tablets started all at once against a bounded number at a time, interleaved so a change in
  // the machine's load hits every setting alike.
  // "8", "4"...: tablets at most N at a time; "after": all at once, but only once the keyspaces exist.
  const limits = (process.env.BENCH_CONCURRENCY ?? '').split(/\s+/).filter(Boolean);
  const byLimit: Record<string, number[]> = {};
  for (let i = 0; i < (limits.length ? runs : 0); i++) {
    for (const limit of limits) {
      say(`bring-up with tablets started ${limit} at a time, ${i + 1}/${runs}`);
      const cluster = await DockerCluster.start({
        topology: defaultTopology(),
        images: imageTags(settings.vitess, settings.database),
        ...(limit === 'after' ? { tabletsWithControlPlane: false } : { tabletStartConcurrency: Number(limit) }),
      });
      (byLimit[limit] ??= []).push(round(cluster.bringUpSeconds));
      await cluster.stop();
    }
  }
  const hogHeld = hog?.running();
  hog?.stop();
  const startConcurrency = Object.fromEntries(Object.entries(byLimit).map(([k, v]) => [k, { runs: v, median: median(v) }]));

  const file = join(REPORTS_DIR, 'bench.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // The comparison keeps the other condition's last figures (idle or with the hog), each with its own date.
  const versus = { ...(previous.foundation?.versusExamplesLocal ?? {}) };
  if (pairs.length) {
    versus[hog ? 'withHog' : 'idle'] = summarizeComparison(pairs, { measuredAt: new Date().toISOString(), loadAverageAtStart, cpuBusyBeforeStart, hogHeld, last: lastExample });
    versus.examplesLocal = `Vitess ${settings.vitess.release} examples/local/101_initial_cluster.sh, unchanged, in one container of ${examplesImage} (same binaries and MySQL as the tablets, Vitess's own my.cnf, SKIP_VTADMIN=1): etcd, vtctld, 3 tablets of commerce/0 (mysqlctl init each), VTOrc, vtgate`;
    versus.timedFrom = 'ours: network creation to every readiness gate passed; examples/local: container creation to the script\'s success (vtgate answering HTTP, after VTOrc elected a writable primary with its VReplication engine open and the schema and VSchema were applied)';
    versus.targets = bringUpTargets(versus.idle, versus.withHog);
  }
  const result = {
    ...previous,
    foundation: {
      measuredAt: new Date().toISOString(),
      vitess: settings.vitess.release,
      database: settings.database.id,
      topology: 'default: commerce/0 (primary + 1 replica), customer/-80 and 80- (primary + 2 replicas each)',
      images: { ...(previous.foundation?.images ?? {}), ...images },
      bringUpSeconds: { runs: bringUp.map(round), median: round(median(bringUp)), target: 45 },
      teardownSeconds: { runs: teardown.map(round), median: round(median(teardown)) },
      ...(limits.length ? { bringUpByTabletStartConcurrency: startConcurrency } : {}),
      ...(hog ? { cpuHog: { held: hogHeld } } : {}),
      clusterMemory: memory,
      ...(Object.keys(versus).length ? { versusExamplesLocal: versus } : {}),
    },
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result.foundation, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
