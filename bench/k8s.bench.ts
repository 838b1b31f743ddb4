// Kubernetes figures, merged into reports/bench.json under "kubernetes": `make k8s` when the
// cluster runs and from a stopped one, moving the images into the node, bring-up of the default
// topology on Kubernetes (BENCH_RUNS, median), the pods' memory and the control plane's, teardown,
// and the calibration error there (BENCH_CALIBRATION_RUNS calibration runs, default 3).
// Run with `make bench-k8s` (needs `make k8s` once: it builds the binaries).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from '../harness/cluster/start';
import { REPO_ROOT, REPORTS_DIR } from '../harness/paths';
import { defaultTopology } from '../harness/cluster/default-topology';
import { resolveSettings } from '../harness/settings';
import { withInboxSchema } from '../harness/workload/schema';
import { calibrationRuns } from './calibration-runs';
import { median } from './examples-local';

const settings = resolveSettings({ target: 'k8s' });
const runs = Number(process.env.BENCH_RUNS ?? 3);
const CALIBRATION_RUNS = Number(process.env.BENCH_CALIBRATION_RUNS ?? 3);
const say = (s: string) => process.stderr.write(`[bench-k8s] ${s}\n`);
const round = (x: number) => Math.round(x * 100) / 100;

function timed(script: string): number {
  const t0 = Date.now();
  const r = spawnSync(join(REPO_ROOT, 'docker', 'k8s', script), { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`docker/k8s/${script} failed (exit ${r.status})`);
  return round((Date.now() - t0) / 1000);
}

/** Resident memory of the control plane's processes (containerd, etcd, apiserver, controller manager, scheduler, kubelet), MiB. */
function controlPlaneMb(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of ['containerd', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet']) {
    const pid = readFileSync(`/run/vitess-chaos-k8s/${part}.pid`, 'utf8').trim();
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    out[part] = Math.round(Number(rss) / 1024);
  }
  return out;
}

async function main(): Promise<void> {
  // From stopped: the state is removed (make clean), the binaries stay; then the images move in again.
  say('make clean of the Kubernetes cluster, then make k8s (binaries already built)');
  timed('stop-k8s.sh');
  const startFromStopped = timed('ensure-k8s.sh');
  const startWhenRunning = timed('ensure-k8s.sh');

  const bringUp: number[] = [];
  const teardown: number[] = [];
  let imagesMovedSeconds: number | undefined;
  let podMemoryMb = 0;
  let pods = 0;
  for (let i = 0; i < runs; i++) {
    say(`bring-up ${i + 1}/${runs}`);
    const t0 = Date.now();
    const cluster = await startCluster({ topology: defaultTopology(), target: 'k8s' });
    // The first start moves the images in (before its bring-up clock starts).
    if (i === 0) imagesMovedSeconds = round((Date.now() - t0) / 1000 - cluster.bringUpSeconds);
    bringUp.push(cluster.bringUpSeconds);
    if (i === 0) {
      const nodes = [cluster.etcd.node, cluster.vtctld.node, cluster.vtgate.node, cluster.vtorc.node, ...cluster.tablets.map((t) => t.node)];
      const used = await Promise.all(nodes.map((n) => n.resources()));
      podMemoryMb = Math.round(used.reduce((a, r) => a + r.memoryBytes, 0) / 2 ** 20);
      pods = nodes.length;
    }
    const t1 = Date.now();
    await cluster.stop();
    teardown.push((Date.now() - t1) / 1000);
  }
  // The calibration on a cluster of its own: it needs the inbox app's tables.
  const calCluster = await startCluster({ topology: withInboxSchema(), target: 'k8s' });
  const calibration = await calibrationRuns(calCluster, CALIBRATION_RUNS, say).finally(() => calCluster.stop());
  const plane = controlPlaneMb();
  const file = join(REPORTS_DIR, 'bench.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const kubernetes = {
    measuredAt: new Date().toISOString(),
    vitess: settings.vitess.release,
    database: settings.database.id,
    kubernetes: process.env.VITESS_CHAOS_K8S_VERSION ?? 'v1.34.4',
    makeK8sSeconds: { fromStopped: startFromStopped, whenRunning: startWhenRunning },
    imagesMovedSeconds,
    bringUpSeconds: { runs: bringUp.map(round), median: round(median(bringUp)), dockerMedian: previous.foundation?.bringUpSeconds?.median },
    teardownSeconds: { runs: teardown.map(round), median: round(median(teardown)) },
    calibration,
    memoryMb: { pods: podMemoryMb, podCount: pods, controlPlane: plane, controlPlaneTotal: Object.values(plane).reduce((a, b) => a + b, 0) },
  };
  writeFileSync(file, `${JSON.stringify({ ...previous, kubernetes }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(kubernetes, null, 2)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench-k8s failed: ${(e as Error).message}\n`);
  process.exit(1);
});
