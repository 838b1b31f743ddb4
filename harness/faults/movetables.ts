// A MoveTables into a sharded keyspace that fails after its streams were created: the path
// on which Vitess 22.0.0-22.0.2 and 23.0.0 (upstream PR 17401; issue 19115; fixed by PR
// 19114 in 22.0.3, 23.0.1 and 24.0.0) overwrite the target keyspace's VSchema with an empty
// one while rolling back. The failure: an invalid --source-time-zone, checked only after
// the rollback is armed (MoveTablesCreate -> checkTZConversion on each target primary).
import type { Cluster } from '../cluster/cluster';
import type { VSchemaTable } from '../cluster/topology';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';
import { applyVSchema, getVSchema, restoreVSchemaIfChanged } from '../cluster/vschema';

export interface FailedMoveTablesOptions {
  sourceKeyspace: string;
  targetKeyspace: string;
  table: string;
  /** The target VSchema entry an operator adds before moving the table. */
  targetTable: VSchemaTable;
  workflow?: string;
  /** For proving the experiment fails when the fault does nothing. */
  broken?: boolean;
}

export const INVALID_TIME_ZONE = 'Invalid/Zone';

export class FailedMoveTablesFault implements Fault {
  readonly name = 'failed-movetables';
  readonly description: string;
  /** The target VSchema just before the MoveTables (with the table's entry added). */
  before?: unknown;
  /** The target VSchema after the failed MoveTables. */
  after?: unknown;
  /** What vtctldclient printed when MoveTables create failed (undefined if it did not fail). */
  error?: string;
  private original?: unknown;

  constructor(private readonly o: FailedMoveTablesOptions) {
    this.description =
      `MoveTables ${o.sourceKeyspace}.${o.table} -> sharded ${o.targetKeyspace}, failing after its streams ` +
      `were created (--source-time-zone ${INVALID_TIME_ZONE})`;
  }

  private get workflow(): string {
    return this.o.workflow ?? `move_${this.o.table}`;
  }

  /** The operator's part before a move: the table's entry added to the target VSchema. */
  async prepare(ctx: FaultContext): Promise<void> {
    const { cluster, timeline } = ctx;
    this.original = await getVSchema(cluster, this.o.targetKeyspace);
    const prepared = this.original as { tables?: Record<string, unknown> };
    await applyVSchema(cluster, this.o.targetKeyspace, { ...prepared, tables: { ...prepared.tables, [this.o.table]: this.o.targetTable } });
    timeline.event('note', 'target VSchema prepared', { keyspace: this.o.targetKeyspace, table: this.o.table });
  }

  async inject(ctx: FaultContext): Promise<void> {
    const { cluster, timeline } = ctx;
    if (this.original === undefined) await this.prepare(ctx);
    this.before = await getVSchema(cluster, this.o.targetKeyspace);
    const args = ['MoveTables', '--workflow', this.workflow, '--target-keyspace', this.o.targetKeyspace, 'create', '--source-keyspace', this.o.sourceKeyspace, '--tables', this.o.table, '--auto-start=false'];
    if (!this.o.broken) args.push('--source-time-zone', INVALID_TIME_ZONE);
    // Stamped as the MoveTables is issued: what it does to the routing layer counts from here.
    issued(ctx, this.name, { workflow: this.workflow, sourceTimeZone: this.o.broken ? 'none' : INVALID_TIME_ZONE });
    try {
      await cluster.vtctld.run(args);
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.after = await getVSchema(cluster, this.o.targetKeyspace);
    timeline.event('note', 'MoveTables create returned', { workflow: this.workflow, failed: this.error !== undefined, error: this.error?.slice(0, 400) });
    if (this.changed()) observedEffect(ctx, this.name, 'target VSchema changed by the failed MoveTables', { keyspace: this.o.targetKeyspace });
  }

  /** The MoveTables failed as intended: on the time-zone check of the invalid zone it was given. */
  failedOnTimeZone(): boolean {
    return this.error !== undefined && /time.?zone/i.test(this.error);
  }

  /** The stored target VSchema was changed by the failed MoveTables. */
  changed(): boolean {
    return JSON.stringify(this.before) !== JSON.stringify(this.after);
  }

  /** Removes any workflow left behind and puts the target VSchema back as it was before injection. */
  async heal(ctx: FaultContext): Promise<void> {
    if (this.original === undefined) return;
    await removeWorkflow(ctx.cluster, this.o.targetKeyspace, this.workflow);
    await restoreVSchemaIfChanged(ctx.cluster, this.o.targetKeyspace, this.original);
    this.original = undefined;
  }
}

async function removeWorkflow(cluster: Cluster, keyspace: string, workflow: string): Promise<void> {
  const list = await cluster.vtctld.run(['GetWorkflows', keyspace]).catch(() => '');
  if (list.includes(`"${workflow}"`)) {
    await cluster.vtctld.run(['MoveTables', '--workflow', workflow, '--target-keyspace', keyspace, 'cancel']).catch(() => undefined);
  }
}
