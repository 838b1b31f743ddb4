// An experiment's middle as the incident's steps, in order: inject, wait for the page, act,
// wait for recovery, and whatever the incident did besides (restart the old primary, let a
// rebuild propagate, redeploy an app). Each step is typed, stamps its start and end on the
// timeline, and writes what it did there as events, so measuring reads one record. The
// lifecycle around the steps (setup, steady state, tail, verify, heal) is fixed: run.ts.
import { waitFor } from '../cluster/readiness';
import type { Timeline } from '../observe/timeline';
import type { ExperimentContext } from './experiment';
import { baseline, recoveredOnAverage } from './timings';

/** What a step sees: the run's context, plus the run's own instants and detectors. */
export interface StepContext extends ExperimentContext {
  /** When the fault's action was issued (after the inject step; undefined before). */
  injectAt(): number | undefined;
  /** When the fault's effect was observed, where it was; else its issue. */
  harmAt(): number | undefined;
  /** The alarm of a detector since it was armed (by the inject step, or again by rearm), if it fired. */
  alarm(name: string): number | undefined;
  /**
   * Arms detectors again from now: their next alarm is recorded too. For a fault whose harm
   * starts later than its injection (a dormant change that a later step propagates), so an
   * alarm the machine caused before that harm is not taken for it.
   */
  rearm(names: string[]): void;
  /** When the remediation was issued (after a remediate step; undefined when the system heals itself). */
  remediationAt(): number | undefined;
  /** Arms the detectors and injects the fault (the inject step). */
  injectFault(): Promise<void>;
  /** The fault's heal (the default remediation). */
  healFault(): Promise<void>;
}

export type StepKind = 'inject' | 'await-alarm' | 'hold' | 'remediate' | 'await-recovery' | 'act';

export interface Step {
  readonly kind: StepKind;
  /** As the report shows it: what the operator or the system did. */
  readonly what: string;
  /**
   * Runs even when an earlier step failed. A step that only makes sense after the ones before
   * it (remediate after the page) does not; one that puts the system back (restart the old
   * primary) does.
   */
  readonly always?: boolean;
  /** Throws to fail the run: the error's message is its problem. */
  run(ctx: StepContext): Promise<void>;
}

/** The fault's action: its own events stamp when it was issued and when its effect was seen. */
export function injectFault(): Step {
  return { kind: 'inject', what: 'inject the fault', run: (ctx) => ctx.injectFault() };
}

/**
 * Waits for the page: the first alarm of any of `detectors` after the fault. None within the
 * timeout fails the run, and nobody acts on a page that never came (later steps are skipped).
 */
export function awaitAlarm(detectors: string | string[], o: { timeoutSeconds: number }): Step {
  const names = ([] as string[]).concat(detectors);
  return {
    kind: 'await-alarm',
    what: `an alarm from ${names.join(' or ')}`,
    run: async (ctx) => {
      await waitFor({
        what: `an alarm from ${names.join(' or ')}`,
        timeoutMs: o.timeoutSeconds * 1000,
        intervalMs: 50,
        check: async () => ({ ready: names.some((n) => ctx.alarm(n) !== undefined), status: 'no alarm yet' }),
      });
    },
  };
}

/** The fault lasts `ms` from its observed effect (a pause of fixed length), then the next step. */
export function holdFor(ms: number): Step {
  return {
    kind: 'hold',
    what: `hold the fault for ${ms / 1000} s`,
    run: async (ctx) => {
      const from = ctx.harmAt() ?? ctx.timeline.now();
      await new Promise((r) => setTimeout(r, Math.max(0, from + ms - ctx.timeline.now())));
    },
  };
}

/**
 * The remediation: `action`, or the fault's heal. Its instant is the first 'remediation' event
 * the action stamps, else the moment it was issued (stamped here).
 */
export function remediate(what: string, action?: (ctx: StepContext) => Promise<void>): Step {
  return {
    kind: 'remediate',
    what,
    run: async (ctx) => {
      const issued = ctx.timeline.now();
      await (action ?? ((c: StepContext) => c.healFault()))(ctx);
      if (!ctx.timeline.firstEvent('remediation', undefined, issued)) ctx.timeline.event('remediation', what, {}, issued);
    },
  };
}

export interface RecoverySignal {
  what: string;
  /** When it held, reading the timeline from `from` on (undefined: not yet). */
  at(timeline: Timeline, from: number): number | undefined;
}

/**
 * Until the system is back: by default the heartbeat's mean over `sustainMs` at `fraction` of
 * the steady-state baseline (80 %: the heartbeat is a count over 1 s of ~100 writes, whose
 * noise alone is ~10 %); an experiment whose harm was not the heartbeat names its own signal.
 * Counts from the remediation, or from the fault's observed effect when the system heals itself.
 */
export function awaitRecovery(o: { timeoutSeconds: number; fraction?: number; sustainMs?: number; signal?: RecoverySignal }): Step {
  const fraction = o.fraction ?? 0.8;
  const sustainMs = o.sustainMs ?? 2000;
  return {
    kind: 'await-recovery',
    what: o.signal?.what ?? `heartbeat back at ${fraction * 100} % of baseline`,
    run: async (ctx) => {
      // With no remediation (the system heals itself) recovery counts from the harm: an OOM fault
      // is issued with its query, and until the kernel kills mysqld the heartbeat is still fine.
      const from = ctx.remediationAt() ?? ctx.harmAt() ?? ctx.injectAt() ?? 0;
      const base = recoveryBase(ctx);
      const signal: RecoverySignal = o.signal ?? {
        what: `heartbeat back at ${fraction * 100} % of ${base.toFixed(1)} writes/s on average over ${sustainMs} ms`,
        at: (tl, f) => recoveredOnAverage(tl.series('heartbeat', 'writes_per_s'), f, base * fraction, sustainMs),
      };
      const at = await waitFor({
        what: `recovery (${signal.what})`,
        timeoutMs: o.timeoutSeconds * 1000,
        intervalMs: 100,
        check: async () => {
          const t = signal.at(ctx.timeline, from);
          return { ready: t !== undefined, status: 'not recovered yet', value: t };
        },
      });
      ctx.timeline.event('recovered', signal.what, { from, fraction }, at);
    },
  };
}

/** How long before the fault the heartbeat is read for the level recovery returns to. */
export const PRE_FAULT_MS = 5000;

/**
 * The heartbeat level recovery is measured against: the steady-state baseline, or what the
 * heartbeat did in the PRE_FAULT_MS before the fault when that was lower. The machine can slow
 * down between steady state and the fault (a neighbour starts): beside a CPU hog a 77.5
 * writes/s baseline ran at 50-55 just before the fault, and "back at 80 %" of the baseline
 * then came 40 s after the heartbeat was back where it had been (soak, 2 Dec 2026).
 */
export function recoveryBase(ctx: Pick<StepContext, 'baseline' | 'injectAt' | 'timeline'>): number {
  const steady = ctx.baseline() ?? 0;
  const injectAt = ctx.injectAt();
  if (injectAt === undefined) return steady;
  const before = baseline(ctx.timeline.series('heartbeat', 'writes_per_s'), injectAt - PRE_FAULT_MS, injectAt);
  return before === undefined ? steady : Math.min(steady, before);
}

/** Anything else the incident did, in its place in the story (restart the old primary, redeploy an app). */
export function act(what: string, action: (ctx: StepContext) => Promise<void>, o: { always?: boolean } = {}): Step {
  return { kind: 'act', what, ...(o.always ? { always: true } : {}), run: action };
}

/**
 * Runs the steps in order, each stamped on the timeline (kind 'step': start, end or failed,
 * or skipped). A step that throws is a problem of the run, and the steps after it are skipped
 * (nobody acts on a page that never came) unless marked `always`. Returns the problems.
 */
export async function runStepList(
  steps: readonly Step[],
  ctx: StepContext,
  timeline: Timeline,
  hooks: { onStart?: (step: Step) => void; onRemediated?: (at: number) => void } = {},
): Promise<string[]> {
  const problems: string[] = [];
  let failed: string | undefined;
  for (const [i, step] of steps.entries()) {
    const label = { step: i + 1, kind: step.kind, what: step.what };
    if (failed && !step.always) {
      timeline.event('step', `skipped: ${step.what}`, { ...label, skipped: true, because: failed });
      continue;
    }
    hooks.onStart?.(step);
    const started = timeline.event('step', step.what, { ...label, at: 'start' }).t;
    try {
      await step.run(ctx);
      // The remediation's instant: what its action stamped, else when it was issued.
      if (step.kind === 'remediate') hooks.onRemediated?.(timeline.firstEvent('remediation', undefined, started)?.t ?? started);
      timeline.event('step', step.what, { ...label, at: 'end', seconds: Math.round(timeline.now() - started) / 1000 });
    } catch (e) {
      const message = (e as Error).message;
      failed ??= step.what;
      problems.push(`step ${i + 1} (${step.what}): ${message}`);
      timeline.event('step', step.what, { ...label, at: 'failed', message: message.split('\n')[0] });
    }
  }
  return problems;
}
