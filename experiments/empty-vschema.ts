// Incident 2026-01-10 (../shared/incidents/2026-01-10-empty-vschema-routing-outage.txt):
// a failed MoveTables stored an empty VSchema for a sharded keyspace; it lay dormant for
// ~13 hours until a routine reconciliation propagated it to every vtgate, which dropped all
// routes: 13 minutes of total outage, ended by re-applying a VSchema snapshot by hand.
//
// Which releases carry the MoveTables bug behind it (case 3), read from each release's own
// source (go/vt/vtctl/workflow/server.go, moveTablesCreate's deferred VSchema rollback) and
// changelogs:
//   PR 17401 (22.0.0) made the rollback's `origVSchema` a non-nil &topo.KeyspaceVSchemaInfo{}
//   whose embedded Keyspace stays nil for sharded targets; the deferred `origVSchema == nil`
//   check then never skips, and SaveVSchema writes 0 bytes: an empty VSchema (issue 19115).
//   PR 19114 declares it nil and skips sharded targets: in 22.0.3 (#19117), 23.0.1 (#19118)
//   and 24.0.0.
//   | 21.0.0, 21.0.3          | not yet regressed |
//   | 22.0.0, 22.0.1 (22.0.2?) | affected          |
//   | 22.0.4                  | fixed             |
//   | 23.0.0                  | affected          |
//   | 23.0.2, 23.0.3, 23.0.5  | fixed             |
//   | 24.0.0 - 24.0.3         | fixed             |
// With MySQL 9.7 only 23+ runs, so 23.0.0 is the affected release this harness can show.
import { atLeast, atMost, Check, equals, holds } from '../harness/experiment/assertions';
import { act, awaitAlarm, awaitRecovery, holdFor, injectFault, remediate, type StepContext } from '../harness/experiment/steps';
import { firstAlarm, outageBeyondStall } from '../harness/experiment/timings';
import type { Experiment, ExperimentContext, ExperimentResult, IncidentComparison, IncidentStep } from '../harness/experiment/experiment';
import { EmptyVSchemaFault } from '../harness/faults/vschema';
import { restoreVSchema } from '../harness/observe/vschema-store';
import { heartbeatAnomaly, vschemaDrift } from '../harness/observe/detectors';
import { SEQUENCE_KEYSPACE, SHARDED_KEYSPACE } from '../harness/cluster/default-topology';
import type { Topology } from '../harness/cluster/topology';
import { FailedMoveTablesFault, INVALID_TIME_ZONE } from '../harness/faults/movetables';
import { withInboxSchema } from '../harness/workload/schema';

export const INCIDENT = {
  file: '../shared/incidents/2026-01-10-empty-vschema-routing-outage.txt',
  // Minutes from the propagation (08:23 UTC) that started the outage.
  timeline: [
    { minute: -774, what: '(9 Jan 19:29) failed MoveTables stores an empty VSchema; dormant' },
    { minute: 0, what: 'a backup completes; reconciliation propagates the empty VSchema to the vtgates: all routes dropped' },
    { minute: 2, what: 'Inbox Heartbeat Anomaly alarms fire; incident declared' },
    { minute: 4, what: 'engaged PlanetScale, similar to the US incident the day before' },
    { minute: 13, what: 'PlanetScale re-applies the VSchema snapshot; service recovers' },
  ] satisfies IncidentStep[],
};

/**
 * Thresholds. Detection: the VSchema probe reads every second and the heartbeat rule needs
 * 1 s under half the baseline, so a working guard alarms within a few seconds (the incident's
 * alarm came after 2 minutes). Recovery: vtgate serves a rebuilt VSchema within a second or
 * two of ApplyVSchema (the incident's manual restore took 13 minutes).
 */
export const DETECT_WITHIN_SECONDS = 5;
export const RECOVER_WITHIN_SECONDS = 10;
/** How long the empty VSchema lies dormant before the "reconciliation" rebuild. */
export const DORMANT_MS = 8000;

/** Releases whose failed MoveTables wipes a sharded target's VSchema (see the table above). */
export const AFFECTED_BY_19115: readonly string[] = ['22.0.0', '22.0.1', '22.0.2', '23.0.0'];

/** Remediation: re-apply the last known-good VSchema from the snapshot store (taken at steady state). */
export async function restoreSnapshot(ctx: ExperimentContext): Promise<void> {
  const good = await ctx.vschemaStore.lastKnownGood(SHARDED_KEYSPACE);
  if (!good) throw new Error(`no steady-state VSchema snapshot of ${SHARDED_KEYSPACE} in ${ctx.vschemaStore.dir}`);
  await restoreVSchema(ctx.cluster, good);
  ctx.timeline.event('remediation', 'vschema snapshot re-applied', { keyspace: SHARDED_KEYSPACE, snapshot: good.file, takenAt: good.takenAt });
}

const s = (x: number | undefined | null) => (x === undefined || x === null ? 'not measured' : `${x.toFixed(2)} s`);
/** Seconds after injection of the first event of this kind and name (at or after `from`, in the same seconds). */
function at(r: ExperimentResult, kind: string, name: string, from?: number): number | undefined {
  const inject = r.timings.injectAt;
  if (inject === undefined) return undefined;
  const e = r.events.find((x) => x.kind === kind && x.name === name && (from === undefined || (x.t - inject) / 1000 >= from));
  return e ? (e.t - inject) / 1000 : undefined;
}
/** The heartbeat alarm the propagation caused: the first at or after it (one before it was the machine's, not the fault's). */
const outageAlarm = (r: ExperimentResult, propagated: number | undefined) => (propagated === undefined ? undefined : at(r, 'alarm', 'heartbeat-anomaly', propagated));
const failedRequests = (r: ExperimentResult) => Object.values(r.clientErrors?.byCode ?? {}).reduce((a, b) => a + b, 0);

/** The incident's dormancy, alarm delay and outage beside this run's. */
function compare(kind: 'direct' | 'latent'): (r: ExperimentResult) => IncidentComparison[] {
  return (r) => {
    const propagated = at(r, 'fault', 'vschema-propagated');
    const drift = r.timings.detectionSeconds['vschema-drift'];
    const heartbeat = kind === 'direct' ? r.timings.detectionSeconds['heartbeat-anomaly'] : outageAlarm(r, propagated);
    const outage = r.timings.outageSeconds;
    const wentDown = heartbeat !== null && heartbeat !== undefined;
    return [
      {
        what: 'dormancy (empty VSchema stored, not yet served)',
        incident: '~12.9 h (stored 9 Jan 19:29, propagated 10 Jan 08:23 by a backup\'s reconciliation)',
        measured: kind === 'direct' ? 'none: applied and served at once' : `${s(propagated)} (stored, then RebuildVSchemaGraph)`,
      },
      {
        what: 'alarm delay',
        incident: '2 min after propagation (Inbox Heartbeat Anomaly); nothing watched the stored VSchema',
        measured:
          kind === 'direct'
            ? `VSchema drift ${s(drift)} after injection; heartbeat anomaly ${wentDown ? s(heartbeat) : 'never (restored first)'}`
            : `VSchema drift ${s(drift)} after it was stored, ${s(propagated !== undefined && drift !== null && drift !== undefined ? propagated - drift : undefined)} before it would serve; ` +
              `heartbeat anomaly ${wentDown && propagated !== undefined ? `${s(heartbeat! - propagated)} after propagation` : 'never'}`,
      },
      {
        what: 'outage',
        incident: '13 min of total outage, ended by re-applying a VSchema snapshot by hand',
        measured: `${wentDown || kind === 'direct' ? '' : 'none: '}longest stretch without a successful request ${s(outage)}; ${failedRequests(r)} requests failed; snapshot re-applied automatically ${s(r.timings.remediationSeconds)} after injection, recovered ${s(r.timings.recoverySeconds)} later`,
      },
    ];
  };
}

/** Check names the Jest file asserts one by one. */
export const CHECK = {
  clientsFailed: 'requests that failed while the keyspace had no routes',
  detection: 'first detection (VSchema drift or heartbeat) after injection',
  recovery: 'recovery after the snapshot was re-applied',
  leadTime: 'drift alarm while the empty VSchema was still dormant (before the propagation)',
  outageAfterPropagation: 'the propagation took the routes down (heartbeat alarm after it)',
  restoredFirst: 'snapshot restored before the propagation',
  noOutageAlarm: 'no heartbeat alarm after the propagation (it found the good VSchema)',
  noOutage: 'longest stretch without a successful request after injection, beyond the harness\'s or app\'s own stall within it',
};

const isBefore = (a: number | undefined, b: number | undefined): boolean | undefined => (a === undefined || b === undefined ? undefined : a < b);

function directChecks(r: ExperimentResult): Check[] {
  return [
    atLeast(CHECK.clientsFailed, failedRequests(r), 1, 'requests'),
    atMost(CHECK.detection, firstAlarm(r.timings.detectionSeconds), DETECT_WITHIN_SECONDS),
    atMost(CHECK.recovery, r.timings.recoverySeconds, RECOVER_WITHIN_SECONDS),
  ];
}

function latentChecks(guarded: boolean): (r: ExperimentResult) => Check[] {
  return (r) => {
    const drift = at(r, 'alarm', 'vschema-drift');
    const propagated = at(r, 'fault', 'vschema-propagated');
    const heartbeat = outageAlarm(r, propagated);
    const lead = holds(CHECK.leadTime, isBefore(drift, propagated), drift === undefined ? 'no drift alarm' : 'the propagation did not run');
    if (!guarded) {
      return [lead, holds(CHECK.outageAfterPropagation, propagated === undefined ? undefined : heartbeat !== undefined, propagated === undefined ? 'the propagation did not run' : 'no heartbeat alarm after it'), atMost(CHECK.recovery, r.timings.recoverySeconds, RECOVER_WITHIN_SECONDS)];
    }
    const restored = at(r, 'remediation', 'vschema snapshot re-applied');
    return [
      lead,
      holds(CHECK.restoredFirst, isBefore(restored, propagated), restored === undefined ? 'the snapshot was not re-applied' : 'the propagation did not run'),
      holds(CHECK.noOutageAlarm, propagated === undefined ? undefined : heartbeat === undefined, 'the propagation did not run'),
      // A host stall blinds the instrument too (1.45 s read, 0.9 s of it the harness's own stall, in the soak of 3 Dec); a real outage here lasts until the rebuild is undone, seconds longer.
      atMost(CHECK.noOutage, outageBeyondStall(r.timings), 1),
    ];
  };
}

const common = {
  incident: INCIDENT,
  detectors: ({ baseline }: { baseline: () => number | undefined }) => [heartbeatAnomaly(baseline), vschemaDrift()],
  load: { rate: 150 },
} satisfies Partial<Experiment>;

/** The guard's remediation: the last known-good VSchema re-applied, then back at baseline. */
const restoreAndRecover = [remediate('re-apply the VSchema snapshot', restoreSnapshot), awaitRecovery({ timeoutSeconds: 120 })];

/** Case 1: the empty VSchema is applied and served at once; the guard restores the snapshot on the first alarm. */
export function direct(broken = false): Experiment {
  return {
    ...common,
    name: broken ? 'empty-vschema-direct-broken-fault' : 'empty-vschema-direct',
    ...(broken ? { negativeControl: { why: 'the fault stores no VSchema', failsWith: /no alarm|never fired/ } } : {}),
    title: 'Empty VSchema applied to the sharded keyspace, restored from snapshot on detection',
    fault: new EmptyVSchemaFault({ keyspace: SHARDED_KEYSPACE, broken }),
    compare: compare('direct'),
    primaryDetector: 'vschema-drift',
    // A broken fault raises no alarm: give up waiting quickly, the run must fail.
    steps: [injectFault(), awaitAlarm(['vschema-drift', 'heartbeat-anomaly'], { timeoutSeconds: broken ? 15 : 60 }), ...restoreAndRecover],
    checks: directChecks,
  };
}

/** Until the scheduled rebuild ran; the heartbeat rule armed again from then. */
async function propagation(ctx: StepContext, fault: EmptyVSchemaFault): Promise<void> {
  await fault.propagated();
  ctx.rearm(['heartbeat-anomaly']);
}

/**
 * Case 2: the empty VSchema is stored without rebuilding the serving graph (dormant), and a
 * rebuild propagates it DORMANT_MS later. `guarded`: the drift alarm restores the snapshot
 * before the rebuild, so the rebuild finds the good VSchema. Unguarded: nothing acts until
 * the outage trips the heartbeat alarm.
 */
export function latent(guarded: boolean): Experiment {
  const fault = new EmptyVSchemaFault({ keyspace: SHARDED_KEYSPACE, skipRebuild: true, propagateAfterMs: DORMANT_MS });
  return {
    ...common,
    name: guarded ? 'empty-vschema-latent-guarded' : 'empty-vschema-latent-unguarded',
    title: guarded
      ? 'Dormant empty VSchema caught by the drift guard before it propagates'
      : 'Dormant empty VSchema propagates; nothing acts until the outage',
    fault,
    compare: compare('latent'),
    primaryDetector: guarded ? 'vschema-drift' : 'heartbeat-anomaly',
    // The outage can start only when the rebuild propagates what is stored: the heartbeat rule is
    // armed again there, so a dip the machine caused while the VSchema was dormant is not taken
    // for it (nor, unguarded, acted on as the page).
    steps: guarded
      ? [
          injectFault(),
          awaitAlarm('vschema-drift', { timeoutSeconds: 60 }),
          ...restoreAndRecover,
          // The scheduled rebuild runs under load; 3 s of tail after it show any outage it causes.
          act('the reconciliation rebuild propagates what is stored', (ctx) => propagation(ctx, fault), { always: true }),
        ]
      : [
          injectFault(),
          act('the reconciliation rebuild propagates the dormant VSchema', (ctx) => propagation(ctx, fault)),
          awaitAlarm('heartbeat-anomaly', { timeoutSeconds: 60 }),
          ...restoreAndRecover,
        ],
    tailSeconds: 3,
    checks: latentChecks(guarded),
  };
}

/** The inbox cluster plus a table in the unsharded keyspace for case 3 to move. */
export function topology(): Topology {
  const t = withInboxSchema();
  const source = t.keyspaces.find((k) => k.name === SEQUENCE_KEYSPACE)!;
  source.schema.push('CREATE TABLE imports (id BIGINT NOT NULL, note VARCHAR(64), PRIMARY KEY (id))', "INSERT INTO imports (id, note) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  source.vschema.tables = { ...source.vschema.tables, imports: {} };
  return t;
}

/**
 * Case 3, the real bug: a MoveTables into the sharded keyspace that fails after its streams
 * were created. Affected releases (22.0.0-22.0.2, 23.0.0) wipe the target's stored VSchema;
 * fixed ones (22.0.3+, 23.0.1+, 24.x) leave it untouched. No detector is required: the
 * check is the stored VSchema itself, compared before and after.
 */
export function realBug(broken = false): { experiment: Experiment; fault: FailedMoveTablesFault } {
  const fault = new FailedMoveTablesFault({
    sourceKeyspace: SEQUENCE_KEYSPACE,
    targetKeyspace: SHARDED_KEYSPACE,
    table: 'imports',
    targetTable: { column_vindexes: [{ column: 'id', name: 'hash' }] },
    broken,
  });
  return {
    fault,
    experiment: {
      ...common,
      name: broken ? 'empty-vschema-movetables-broken-fault' : 'empty-vschema-movetables',
      ...(broken ? { negativeControl: { why: 'the MoveTables does not fail', failsWith: /MoveTables create failed on the time-zone check: measured 0/ } } : {}),
      title: 'A MoveTables into the sharded keyspace fails after creating its streams; its VSchema must survive',
      // Preparing the target VSchema (adding the table) is a legitimate change a drift guard
      // would flag; the check here is the stored VSchema compared across the MoveTables.
      detectors: ({ baseline }) => [heartbeatAnomaly(baseline)],
      primaryDetector: null,
      fault,
      compare: () => [
        {
          what: 'a failed MoveTables into a sharded keyspace',
          incident: 'on Vitess 22 (9 Jan 19:29) it stored an empty VSchema for the target keyspace',
          measured: fault.error === undefined ? 'MoveTables did not fail' : `MoveTables failed (${fault.failedOnTimeZone() ? 'time-zone check' : 'other error'}); stored VSchema ${fault.changed() ? 'WIPED' : 'unchanged'}`,
        },
      ],
      // Observe for a few seconds under load, then clean up (the heal restores anything wiped).
      steps: [injectFault(), holdFor(3000), remediate('restore anything the MoveTables changed'), awaitRecovery({ timeoutSeconds: 120 })],
      // In the result too (not only in the Jest case), so a report or a vet sees the regression.
      checks: () => [
        equals('MoveTables create failed on the time-zone check', fault.failedOnTimeZone() ? 1 : 0, 1),
        equals(`stored VSchema of ${SHARDED_KEYSPACE} unchanged by the failed MoveTables (Vitess issue 19115)`, fault.changed() ? 0 : 1, 1),
      ],
    },
  };
}


function shape(v: unknown): string {
  const k = (v ?? {}) as { sharded?: boolean; tables?: object; vindexes?: object };
  return `sharded=${Boolean(k.sharded)}, ${Object.keys(k.tables ?? {}).length} tables, ${Object.keys(k.vindexes ?? {}).length} vindexes`;
}

/** What went wrong in case 3: the MoveTables did not fail as intended, or the VSchema changed. */
export function moveTablesProblems(fault: FailedMoveTablesFault): string[] {
  const problems: string[] = [];
  if (fault.error === undefined) problems.push('MoveTables create did not fail: the fault injected nothing');
  else if (!fault.failedOnTimeZone()) problems.push(`MoveTables create failed, but not on the time-zone check (${INVALID_TIME_ZONE}): ${fault.error}`);
  if (fault.changed()) {
    problems.push(
      `the failed MoveTables changed the stored VSchema of ${SHARDED_KEYSPACE}: before ${shape(fault.before)}, after ${shape(fault.after)} ` +
        '(Vitess issue 19115, from PR 17401; affected 22.0.0-22.0.2 and 23.0.0, fixed by PR 19114)',
    );
  }
  return problems;
}
