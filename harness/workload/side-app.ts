// A second application beside the main workload, with its own pool configuration and a
// light read-only load: how another way of holding connections lives through the same fault.
// Its live series land on the run's timeline under the probe SIDE_APP_PROBE, labelled with its
// name (so reports chart any side app without knowing it); it writes nothing, so the ledger is
// not involved.
import type { Timeline } from '../observe/timeline';
import type { AppCounters, AppOptions, PoolCheck } from './app';
import { AppProcess } from './app-process';
import { Ledger } from './ledger';
import { Load } from './load';

/** The probe every side app's load series are sampled under (label `app`: its name). */
export const SIDE_APP_PROBE = 'side_app';

export interface SideAppSpec {
  /** Also the `app` label of its load series. */
  name: string;
  description: string;
  app: AppOptions;
  /** Requests per second (reads only). */
  rate?: number;
}

export interface SideAppSummary {
  name: string;
  description: string;
  poolMode: string;
  ok: number;
  failed: number;
  /** Every pooled connection tried once, after the main workload recovered. */
  poolCheck?: PoolCheck;
  errorsByCode: Record<string, number>;
  errorSamples: Record<string, string>;
}

export class SideApp {
  private constructor(
    readonly spec: SideAppSpec,
    readonly app: AppProcess,
    readonly load: Load,
  ) {}

  static async start(spec: SideAppSpec, timeline: Timeline): Promise<SideApp> {
    const app = await AppProcess.start(spec.app);
    // A list of recent conversations: a read any shard, or one server alone, can answer.
    const load = new Load({ url: app.url, timeline, ledger: new Ledger(), rate: spec.rate ?? 40, durationSeconds: 600, timeoutSeconds: 15, probe: SIDE_APP_PROBE, labels: { app: spec.name }, mix: { create_conversation: 0, post_message: 0, read_conversation: 0, heartbeat: 0, create_event: 0, list_inbox: 1 } });
    load.start();
    return new SideApp(spec, app, load);
  }

  poolCheck(): Promise<PoolCheck> {
    return this.app.poolCheck();
  }

  async summary(poolCheck?: PoolCheck): Promise<SideAppSummary> {
    const c: AppCounters = await this.app.counters();
    return {
      name: this.spec.name,
      description: this.spec.description,
      poolMode: this.spec.app.poolMode ?? 'pool',
      ok: this.load.totals.ok,
      failed: this.load.totals.failed,
      ...(poolCheck ? { poolCheck } : {}),
      errorsByCode: c.errorsByCode,
      errorSamples: c.errorSamples,
    };
  }

  async stop(): Promise<void> {
    await this.load.stop().catch(() => undefined);
    await this.app.stop();
  }
}
