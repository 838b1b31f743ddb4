// One append-only record of a run: every sample and every event, from the workload, probes,
// detectors and faults alike, on one monotonic clock (milliseconds since the run began).
import { performance } from 'node:perf_hooks';

export interface Sample {
  t: number;
  probe: string;
  name: string;
  value: number;
  /** e.g. { tablet: "zone1-0000000201" } for per-tablet series. */
  labels?: Record<string, string>;
}

export type EventKind = 'phase' | 'step' | 'fault' | 'alarm' | 'clear' | 'remediation' | 'recovered' | 'note' | 'error';

export interface TimelineEvent {
  t: number;
  kind: EventKind;
  name: string;
  data?: Record<string, unknown>;
}

export class Timeline {
  /** Wall-clock time at t = 0, to place the run in the world. */
  readonly startedAt = new Date();
  private readonly origin: number;
  private readonly sampleLog: Sample[] = [];
  private readonly eventLog: TimelineEvent[] = [];

  constructor(clock: () => number = () => performance.now()) {
    this.clock = clock;
    this.origin = clock();
  }

  private readonly clock: () => number;

  /** Milliseconds since the run began. */
  now(): number {
    return this.clock() - this.origin;
  }

  sample(probe: string, name: string, value: number, labels?: Record<string, string>, t = this.now()): Sample {
    const s: Sample = labels ? { t, probe, name, value, labels } : { t, probe, name, value };
    this.sampleLog.push(s);
    return s;
  }

  event(kind: EventKind, name: string, data?: Record<string, unknown>, t = this.now()): TimelineEvent {
    const e: TimelineEvent = data ? { t, kind, name, data } : { t, kind, name };
    this.eventLog.push(e);
    return e;
  }

  samples(): readonly Sample[] {
    return this.sampleLog;
  }

  events(): readonly TimelineEvent[] {
    return this.eventLog;
  }

  /** One series as [t, value] pairs, in time order; labels must all match when given. */
  series(probe: string, name: string, labels?: Record<string, string>): [number, number][] {
    return this.sampleLog
      .filter((s) => s.probe === probe && s.name === name && matches(s.labels, labels))
      .map((s) => [s.t, s.value] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  }

  /** The label sets a series was sampled with (one per tablet, keyspace, ...). */
  labelSets(probe: string, name: string): Record<string, string>[] {
    const seen = new Map<string, Record<string, string>>();
    for (const s of this.sampleLog) {
      if (s.probe === probe && s.name === name && s.labels) seen.set(JSON.stringify(s.labels), s.labels);
    }
    return [...seen.values()];
  }

  firstEvent(kind: EventKind, name?: string, after = -Infinity): TimelineEvent | undefined {
    return this.eventLog.find((e) => e.kind === kind && (name === undefined || e.name === name) && e.t >= after);
  }

  toJSON(): { startedAt: string; samples: Sample[]; events: TimelineEvent[] } {
    return { startedAt: this.startedAt.toISOString(), samples: [...this.sampleLog], events: [...this.eventLog] };
  }
}

function matches(have: Record<string, string> | undefined, want: Record<string, string> | undefined): boolean {
  if (!want) return true;
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}
