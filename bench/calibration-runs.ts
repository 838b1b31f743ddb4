// The calibration experiment run n times on one cluster: how far the measured outage is from
// the pause that was injected (the engine's error), for bench.json on either target.
import type { Cluster } from '../harness/cluster/cluster';
import { runExperiment } from '../harness/experiment/experiment';
import { calibration, PAUSE_SECONDS } from '../experiments/calibration';

export interface CalibrationRun {
  outageSeconds?: number;
  pauseSeconds?: number;
  errorSeconds?: number;
  detectionSeconds: number | null;
  lost: number;
  verdict: string;
}

export async function calibrationRuns(cluster: Cluster, runs: number, say: (line: string) => void) {
  const list: CalibrationRun[] = [];
  for (let i = 0; i < runs; i++) {
    say(`calibration ${i + 1}/${runs}`);
    const r = await runExperiment(calibration, { cluster, progress: () => undefined });
    const outage = r.timings.outageSeconds;
    list.push({
      outageSeconds: outage,
      pauseSeconds: r.timings.remediationSeconds,
      errorSeconds: outage === undefined ? undefined : Math.round((outage - PAUSE_SECONDS) * 1000) / 1000,
      detectionSeconds: r.timings.detectionSeconds['heartbeat-anomaly'] ?? null,
      lost: r.ledger?.lost.length ?? -1,
      verdict: r.verdict,
    });
    say(`  outage ${outage} s for a ${PAUSE_SECONDS} s pause (interval between pause and unpause calls ${r.timings.remediationSeconds} s), detection ${r.timings.detectionSeconds['heartbeat-anomaly']} s, lost ${r.ledger?.lost.length}`);
  }
  // A run without an outage figure is NaN here, so the max says so rather than hiding it.
  const errs = list.map((c) => Math.abs(c.errorSeconds ?? NaN));
  return {
    pauseSeconds: PAUSE_SECONDS,
    runs: list,
    maxAbsErrorSeconds: Math.max(...errs),
    meanAbsErrorSeconds: Math.round((errs.reduce((a, b) => a + b, 0) / errs.length) * 1000) / 1000,
    tolerance: 0.5,
  };
}
