// A fault: what it does, how to inject it, and how to heal it. heal() always runs (in a
// finally), even when inject() threw or the run was aborted, and must be safe to call twice.
import type { Cluster } from '../cluster/cluster';
import type { Timeline } from '../observe/timeline';

/** What a fault may do to the running workload app (a deploy flips its flags). */
export interface FlaggedApp {
  setFlag(name: string, value: string): Promise<void>;
}

export interface FaultContext {
  cluster: Cluster;
  timeline: Timeline;
  /** The workload app, when the run has one. */
  app?: FlaggedApp;
}

export interface Fault {
  readonly name: string;
  readonly description: string;
  inject(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
  /** Cancels anything the fault scheduled (timers); called once the run is over. */
  dispose?(): void;
}
