// Engine figures, merged into reports/bench.json under "engine":
//  - the request rate app -> vtgate -> tablets sustains at p99 < 50 ms, without and with
//    every probe running (probe cost = 1 - with/without);
//  - the error of the measured outage over CALIBRATION_RUNS calibration runs.
// Run with `make bench-engine` (one cluster, reused throughout).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerCluster } from '../harness/cluster/docker/docker-cluster';
import { ProbeRunner, standardProbes } from '../harness/observe/probes';
import { Timeline } from '../harness/observe/timeline';
import { REPORTS_DIR } from '../harness/paths';
import { AppProcess } from '../harness/workload/app-process';
import { Ledger } from '../harness/workload/ledger';
import { Load, percentile } from '../harness/workload/load';
import { withInboxSchema } from '../harness/workload/schema';
import { calibrationRuns } from './calibration-runs';

const P99_LIMIT_MS = 50;
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 10);
const WARMUP_MS = 2000;
const CALIBRATION_RUNS = Number(process.env.BENCH_CALIBRATION_RUNS ?? 5);
const say = (s: string) => process.stderr.write(`[bench] ${s}\n`);

interface Step {
  rate: number;
  achieved: number;
  p99: number;
  errors: number;
  ok: boolean;
}

async function main(): Promise<void> {
  const cluster = await DockerCluster.start({ topology: withInboxSchema() });
  const app = await AppProcess.start({ vtgate: { host: cluster.vtgate.host, port: cluster.vtgate.port } });
  try {
    const step = async (rate: number, probes: boolean): Promise<Step> => {
      const timeline = new Timeline();
      const runner = probes ? new ProbeRunner(timeline, standardProbes(cluster, () => app.counters())) : undefined;
      runner?.start();
      const load = new Load({ url: app.url, timeline, ledger: new Ledger(), rate, durationSeconds: STEP_SECONDS, connections: Math.max(16, Math.ceil(rate / 10)) });
      load.start();
      await load.done();
      await runner?.stop();
      const measured = load.latencies.filter(([t]) => t >= WARMUP_MS);
      const p99 = percentile(measured.map(([, ms]) => ms).sort((a, b) => a - b), 99);
      const achieved = measured.length / ((STEP_SECONDS * 1000 - WARMUP_MS) / 1000);
      const errors = load.failures.filter((t) => t >= WARMUP_MS).length;
      const ok = p99 < P99_LIMIT_MS && achieved >= rate * 0.95 && errors === 0;
      say(`${probes ? 'with probes   ' : 'without probes'} ${rate}/s: achieved ${achieved.toFixed(0)}/s, p99 ${p99} ms, errors ${errors} -> ${ok ? 'sustained' : 'not sustained'}`);
      return { rate, achieved: Math.round(achieved), p99, errors, ok };
    };

    /** Doubling until it fails, then bisection: the highest rate that passes. */
    const sustained = async (probes: boolean): Promise<{ rate: number; steps: Step[] }> => {
      const steps: Step[] = [];
      let good = 0;
      let bad = 0;
      for (let rate = 150; rate <= 4800; rate *= 2) {
        const s = await step(rate, probes);
        steps.push(s);
        if (!s.ok) {
          bad = rate;
          break;
        }
        good = rate;
      }
      while (bad && good && bad - good > Math.max(25, good * 0.1)) {
        const mid = Math.round((good + bad) / 2);
        const s = await step(mid, probes);
        steps.push(s);
        if (s.ok) good = mid;
        else bad = mid;
      }
      return { rate: good, steps };
    };

    const without = await sustained(false);
    const withProbes = await sustained(true);
    const cost = without.rate > 0 ? 1 - withProbes.rate / without.rate : undefined;

    const calibrationFigures = await calibrationRuns(cluster, CALIBRATION_RUNS, say);

    const file = join(REPORTS_DIR, 'bench.json');
    const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    previous.engine = {
      measuredAt: new Date().toISOString(),
      vitess: cluster.vitess.release,
      database: cluster.database.id,
      sustainedRate: {
        p99LimitMs: P99_LIMIT_MS,
        stepSeconds: STEP_SECONDS,
        withoutProbes: without.rate,
        withProbes: withProbes.rate,
        probeCostRatio: cost === undefined ? null : Math.round(cost * 1000) / 1000,
        target: 'probe cost < 0.05',
        steps: { withoutProbes: without.steps, withProbes: withProbes.steps },
      },
      calibration: calibrationFigures,
    };
    writeFileSync(file, `${JSON.stringify(previous, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(previous.engine, null, 2)}\n`);
  } finally {
    await app.stop();
    await cluster.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
