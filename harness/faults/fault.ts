// A fault: what it does, how to inject it, and how to heal it. heal() always runs (in a
// finally), even when inject() threw or the run was aborted, and must be safe to call twice.
import type { Cluster } from '../cluster/cluster';
import type { Timeline, TimelineEvent } from '../observe/timeline';

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
  /**
   * What the fault needs that is not the fault (the VSchema entry an operator adds before a
   * MoveTables): run before the detectors are armed, so its own disturbance is never taken for
   * the fault's harm. heal() undoes it too.
   */
  prepare?(ctx: FaultContext): Promise<void>;
  inject(ctx: FaultContext): Promise<void>;
  heal(ctx: FaultContext): Promise<void>;
  /** Cancels anything the fault scheduled (timers); called once the run is over. */
  dispose?(): void;
}

/**
 * The one rule for time. A fault's event (kind 'fault', the fault's name) is stamped the
 * instant its harmful action is issued, before it is awaited: detection and recovery count
 * from there. Preparation (finding the primary, capping memory) comes before the stamp.
 */
export function issued(ctx: FaultContext, name: string, data: Record<string, unknown> = {}): number {
  return ctx.timeline.event('fault', name, { ...data, stamp: 'issued' }).t;
}

/** Where the fault's effect can be observed (mysqld gone, the VSchema stored empty), the instant it was: its own event. */
export function observedEffect(ctx: FaultContext, name: string, effect: string, data: Record<string, unknown> = {}): number {
  return ctx.timeline.event('fault', `${name}: ${effect}`, { ...data, stamp: 'effect observed' }).t;
}

/** The fault's 'effect observed' event after its issue, if its effect was observed. */
export function effectEvent(events: readonly TimelineEvent[], name: string, injectAt: number): TimelineEvent | undefined {
  return events.find((e) => e.kind === 'fault' && e.t >= injectAt && e.name.startsWith(`${name}: `) && e.data?.stamp === 'effect observed');
}
