// What the charts show, taken from one experiment's timeline: the series of each chart (only
// those sampled in the run) and the markers of the lifecycle (inject, detect, remediate,
// recover). Times in seconds since the run started, the timeline's clock.
import { seconds } from '../experiment/timings';
import type { Sample, TimelineEvent } from '../observe/timeline';
import type { ExperimentReport } from './run-report';
import { SIDE_APP_PROBE } from '../workload/side-app';

export interface Point {
  t: number;
  value: number;
  series: string;
}

export interface ChartData {
  id: string;
  title: string;
  yTitle: string;
  points: Point[];
  /** Fixed value range where the quantity has one (percentages). */
  yDomain?: [number, number];
  /** Why the chart is left out although its series exist (it would show flat lines only). */
  skipped?: string;
}

export type MarkerKind = 'inject' | 'detect' | 'remediate' | 'recover';

export interface Marker {
  t: number;
  kind: MarkerKind;
  label: string;
}

export const MARKER_KINDS: readonly MarkerKind[] = ['inject', 'detect', 'remediate', 'recover'];

const KIND_OF_EVENT: Partial<Record<TimelineEvent['kind'], MarkerKind>> = { fault: 'inject', alarm: 'detect', remediation: 'remediate', recovered: 'recover' };

interface SeriesSpec {
  probe: string;
  name: string;
  /** The legend entry: fixed, or built from the sample's labels (one line per tablet, table...). */
  legend: string | ((labels: Record<string, string>) => string);
  scale?: number;
}

interface ChartSpec {
  id: string;
  title: string;
  yTitle: string;
  series: SeriesSpec[];
  yDomain?: [number, number];
  /** A reason to leave the chart out when its points say nothing. */
  skip?: (points: Point[]) => string | undefined;
}

/** The charts a report draws, in order. Probe and series names are those of harness/observe/probes.ts and the load. */
export const CHARTS: readonly ChartSpec[] = [
  {
    id: 'throughput',
    title: 'Throughput',
    yTitle: 'per second',
    series: [
      { probe: 'load', name: 'ok_per_s', legend: 'successful requests/s' },
      { probe: 'heartbeat', name: 'writes_per_s', legend: 'heartbeat: successful writes/s' },
      { probe: 'heartbeat', name: 'event_writes_per_s', legend: 'heartbeat: event writes/s' },
      { probe: 'load', name: 'stale_reads_per_s', legend: 'stale reads/s (acknowledged conversation not found)' },
    ],
  },
  {
    id: 'write-share',
    title: "Event inserts' share of successful writes (what the event heartbeat alarm reads)",
    yTitle: 'share of writes',
    series: [{ probe: 'heartbeat', name: 'event_write_share', legend: 'event inserts / all successful writes' }],
    yDomain: [0, 1],
  },
  {
    id: 'latency',
    title: 'Latency',
    yTitle: 'milliseconds',
    series: [
      { probe: 'load', name: 'p99_ms', legend: 'p99' },
      { probe: 'load', name: 'p50_ms', legend: 'p50' },
    ],
  },
  {
    id: 'errors',
    title: 'Error rate',
    yTitle: '% of requests failed',
    series: [
      { probe: 'load', name: 'error_rate', legend: 'failed requests (%)', scale: 100 },
      // Other apps beside the main one (harness/workload/side-app.ts), under their own probe names.
      { probe: SIDE_APP_PROBE, name: 'error_rate', legend: (l) => `app ${l.app ?? '?'} (%)`, scale: 100 },
    ],
    yDomain: [0, 100],
  },
  {
    id: 'shard-writes',
    title: 'One write per shard (every 100 ms)',
    yTitle: 'milliseconds',
    series: [{ probe: 'shard_write', name: 'latency_ms', legend: (l) => `write latency, shard ${l.shard ?? '?'}` }],
  },
  {
    id: 'replica-lag',
    title: 'Replica lag',
    yTitle: 'seconds',
    series: [
      { probe: 'replication', name: 'lag_seconds', legend: (l) => `${l.tablet ?? '?'}${l.shard ? ` (${l.shard})` : ''}` },
      // Ground truth beside what the tablets report: the oldest write a replica reader cannot see yet.
      { probe: 'staleness', name: 'stale_ms', legend: (l) => `staleness probe, shard ${l.shard ?? '?'}`, scale: 1 / 1000 },
      // What the tablet throttler saw when a throttled background job asked it.
      { probe: 'deleter', name: 'throttler_lag_seconds', legend: "throttler's lag, as the deleter was told" },
    ],
  },
  {
    id: 'background-deletion',
    title: 'Background deletion',
    yTitle: 'rows deleted',
    series: [{ probe: 'deleter', name: 'rows_deleted', legend: 'rows deleted (cumulative)' }],
  },
  {
    id: 'sequence-headroom',
    title: 'Sequence headroom',
    yTitle: '% of the column type left',
    series: [{ probe: 'sequence', name: 'headroom_percent', legend: (l) => `${l.table ?? '?'}.${l.column ?? 'id'} ${l.type ?? ''}`.trim() }],
    yDomain: [0, 100],
    // In most experiments every sequence sits at ~100 % all along: say so in a line, not a chart of flat lines.
    skip: (ps) => (ps.every((p) => p.value >= 99.9) ? `every sequence kept over 99.9 % of its column type (${[...new Set(ps.map((p) => p.series))].join(', ')})` : undefined),
  },
];

function pointsOf(samples: readonly Sample[], s: SeriesSpec): Point[] {
  return samples
    .filter((x) => x.probe === s.probe && x.name === s.name && Number.isFinite(x.value))
    .map((x) => ({ t: seconds(x.t), value: x.value * (s.scale ?? 1), series: typeof s.legend === 'string' ? s.legend : s.legend(x.labels ?? {}) }))
    .sort((a, b) => a.t - b.t);
}

/** Every chart whose series were sampled in this run. */
export function chartsOf(report: ExperimentReport): ChartData[] {
  const samples = report.timeline?.samples ?? [];
  const out: ChartData[] = [];
  for (const c of CHARTS) {
    const points = c.series.flatMap((s) => pointsOf(samples, s));
    if (points.length === 0) continue;
    const skipped = c.skip?.(points);
    out.push({ id: c.id, title: c.title, yTitle: c.yTitle, points, ...(c.yDomain ? { yDomain: c.yDomain } : {}), ...(skipped ? { skipped } : {}) });
  }
  return out;
}

/** The lifecycle markers: every fault, alarm, remediation and recovery event. */
export function markersOf(report: ExperimentReport): Marker[] {
  const out: Marker[] = [];
  for (const e of report.timeline?.events ?? report.result.events ?? []) {
    const kind = KIND_OF_EVENT[e.kind];
    if (kind) out.push({ t: seconds(e.t), kind, label: `${kind}: ${e.name}` });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** The end of the run on the timeline clock, in seconds: the last sample or event. */
export function runEnd(report: ExperimentReport): number {
  let end = 0;
  for (const s of report.timeline?.samples ?? []) end = Math.max(end, s.t);
  for (const e of report.timeline?.events ?? []) end = Math.max(end, e.t);
  return seconds(end);
}

/** From the first injection to recovery (or the last remediation, or the end): the span the fault was live. */
export function faultWindow(markers: readonly Marker[], end: number): { from: number; to: number } | undefined {
  const inject = markers.find((m) => m.kind === 'inject');
  if (!inject) return undefined;
  const after = (k: MarkerKind) => markers.filter((m) => m.kind === k && m.t >= inject.t).at(-1);
  return { from: inject.t, to: (after('recover') ?? after('remediate'))?.t ?? end };
}
