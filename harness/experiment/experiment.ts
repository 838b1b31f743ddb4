// An experiment as a typed object: the incident's steps in order (steps.ts), measuring and
// checking as functions of what the run recorded, and slots with defaults around them. The one
// lifecycle around the steps: setup -> steady state -> the steps -> tail -> verify, heal always.
// Every phase and step is stamped on the timeline clock.
import type { Cluster } from '../cluster/cluster';
import type { Topology } from '../cluster/topology';
import type { Fault, FaultContext } from '../faults/fault';
import type { Detector } from '../observe/detectors';
import type { Probe, VSchemaProbe } from '../observe/probes';
import type { TimelineEvent } from '../observe/timeline';
import type { VSchemaStore } from '../observe/vschema-store';
import type { AppOptions } from '../workload/app';
import type { AppProcess } from '../workload/app-process';
import type { Ledger, LedgerVerdict } from '../workload/ledger';
import type { Load, LoadOptions } from '../workload/load';
import type { LedgerTable } from '../workload/schema';
import type { SideApp, SideAppSpec } from '../workload/side-app';
import type { Check } from './assertions';
import type { Step } from './steps';
import { ExperimentRun } from './run';

export interface IncidentStep {
  /** Minutes from the incident's start (the fault), as the write-up tells it. */
  minute: number;
  what: string;
}

export interface ExperimentContext extends FaultContext {
  app: AppProcess;
  sideApps: SideApp[];
  ledger: Ledger;
  load: Load;
  vschema: VSchemaProbe;
  /** Every keyspace's VSchema with a timestamp, at steady state and on every change seen. */
  vschemaStore: VSchemaStore;
  /** Steady-state heartbeat (successful writes per second), known once steady state is reached. */
  baseline(): number | undefined;
  /** Steady-state mean of any series, known once steady state is reached. */
  baselineOf(probe: string, series: string): number | undefined;
}

/** One figure of the incident beside the same figure measured in the run. */
export interface IncidentComparison {
  what: string;
  incident: string;
  measured: string;
}

/** `M`: the experiment's own figures, as its `measure` returns them (typed, no casts). */
export interface Experiment<M extends object = Record<string, unknown>> {
  name: string;
  title: string;
  incident?: { file: string; timeline: IncidentStep[] };
  /** The incident's figures (dormancy, alarm delay, outage...) beside the measured ones. */
  compare?: (result: ExperimentResult<M>) => IncidentComparison[];
  topology?: () => Topology;
  app?: Partial<Omit<AppOptions, 'vtgate'>>;
  load?: Partial<Omit<LoadOptions, 'url' | 'timeline' | 'ledger'>>;
  /**
   * The heartbeat must settle for `seconds`; `retargets`: times the load may be lowered to what
   * the cluster sustained; `minWritesPerSec`: an absolute floor (none by default).
   */
  steadyState?: { seconds?: number; timeoutSeconds?: number; minWritesPerSec?: number; retargets?: number };
  fault: Fault;
  /**
   * The incident's steps, in order (steps.ts): inject, await the page, remediate, await
   * recovery, and whatever else it did. Each stamps its start and end on the timeline.
   */
  steps: Step[];
  /** `baseline`: the steady-state heartbeat; `baselineOf`: the steady-state mean of any series. */
  detectors?: (ctx: { baseline: () => number | undefined; baselineOf: (probe: string, series: string) => number | undefined }) => Detector[];
  /** The detector(s) whose alarm counts as "detected" (default: heartbeat-anomaly; a list: any of them); null: none required. */
  primaryDetector?: string | string[] | null;
  /** Load kept running after the last step, before the ledger is verified. */
  tailSeconds?: number;
  /** Probes beside the defaults. */
  probes?: (ctx: ExperimentContext) => Probe[];
  /** Set-up on the running cluster before the workload starts (seed data, plan checks). */
  prepare?: (cluster: Cluster) => Promise<void>;
  /** Other apps beside the main workload (other pool configurations), started with it. */
  sideApps?: (cluster: Cluster) => SideAppSpec[] | Promise<SideAppSpec[]>;
  /** Thresholds on the result, each recorded in result.checks; a failed one fails the run. */
  checks?: (result: ExperimentResult<M>) => Check[];
  /**
   * A negative control (a broken fault that injects nothing): the run must fail, and for the
   * reason given (`failsWith`, matched against its problems). Its outcome is then "as expected".
   */
  negativeControl?: { why: string; failsWith: RegExp };
  /** Tables the ledger checks (default: the inbox's). */
  ledgerTables?: LedgerTable[];
  /** The experiment's own figures, computed after the run (before cleanup) into result.measured. */
  measure?: (ctx: ExperimentContext, result: ExperimentResult<M>) => Promise<M> | M;
}

export interface RunOptions {
  vitess?: string;
  database?: string;
  progress?: (line: string) => void;
  /** An already running cluster (then the experiment's topology is not used). */
  cluster?: Cluster;
  /** Leave out the probes that do not feed the detectors (for measuring probe cost). */
  minimalProbes?: boolean;
}

export type Phase = 'setup' | 'steady-state' | 'inject' | 'detect' | 'remediate' | 'recover' | 'verify';

export interface ExperimentResult<M extends object = Record<string, unknown>> {
  runId: string;
  experiment: string;
  title: string;
  vitess: string;
  database: string;
  verdict: 'pass' | 'fail' | 'unknown';
  /**
   * The verdict against what was expected of it: a run passes, a negative control fails for its
   * reason. What Jest asserts (assertOutcome) and what a vet compares; absent in older reports.
   */
  outcome?: 'as-expected' | 'unexpected';
  /** A negative control's expectation, as recorded. */
  expected?: { verdict: 'fail'; why: string; failsWith: string };
  problems: string[];
  baselineWritesPerSec?: number;
  timings: {
    injectAt?: number;
    /** Seconds from injection to each detector's first alarm (null: never fired). */
    detectionSeconds: Record<string, number | null>;
    remediationAt?: number;
    /** Seconds from injection to remediation. */
    remediationSeconds?: number;
    recoveredAt?: number;
    /** Seconds from remediation until the heartbeat was back at baseline. */
    recoverySeconds?: number;
    /** Seconds from injection to recovery. */
    timeToRecoverSeconds?: number;
    /** Longest stretch without any successful request around the fault, as clients saw it. */
    outageSeconds?: number;
    /** When that stretch began (timeline ms). */
    outageAt?: number;
    /** How much of it the harness or the app (the instrument) was itself stalled, as their stall meters read. */
    outageStallSeconds?: number;
    /** From the first to the last failed request after injection. */
    errorWindowSeconds?: number;
  };
  /** `rate`: the rate the run was measured at; `offeredRate`: the experiment's, when the machine could not carry it. */
  load: Load['totals'] & { rate: number; offeredRate?: number };
  /** What clients were told when a request failed: app error codes, counts, a sample message. */
  clientErrors?: { byCode: Record<string, number>; samples: Record<string, string> };
  /** vtgate's API error counts by code at the end of the run. */
  vtgateErrors?: Record<string, number>;
  ledger?: LedgerVerdict;
  /** Every event of the run (phases, faults, alarms, remediation), on the timeline clock. */
  events: TimelineEvent[];
  incidentComparison?: IncidentComparison[];
  /** What the experiment's own `measure` slot computed. */
  measured?: M;
  /** Every threshold the experiment set, with the measured value. */
  checks?: Check[];
  reportFile?: string;
  bringUpSeconds?: number;
}

export async function runExperiment<M extends object>(exp: Experiment<M>, options: RunOptions = {}): Promise<ExperimentResult<M>> {
  const run = await ExperimentRun.begin<M>(exp, options);
  try {
    await run.setUp(options);
    await run.reachSteadyState();
    const injectAt = await run.runSteps();
    await run.finishLoad(injectAt);
    await run.verify();
  } catch (e) {
    run.fail(e as Error);
  } finally {
    await run.end();
  }
  return run.result;
}
