// The empty-VSchema fault (incident 2026-01-10): an empty VSchema stored for a keyspace,
// either applied at once (vtgates drop every route) or stored without rebuilding the serving
// graph, dormant until a later rebuild propagates it, as the incident's reconciliation did.
import { applyVSchema, getVSchema, restoreVSchemaIfChanged } from '../cluster/vschema';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';

export interface EmptyVSchemaOptions {
  keyspace: string;
  /** Store it in topology only; vtgates keep serving the old one until a rebuild. */
  skipRebuild?: boolean;
  /** Rebuild the serving VSchema graph this long after injection (the "reconciliation"). */
  propagateAfterMs?: number;
  /** For proving the experiment fails when the fault does nothing. */
  broken?: boolean;
}

export class EmptyVSchemaFault implements Fault {
  readonly name: string;
  readonly description: string;
  private saved?: unknown;
  private timer?: NodeJS.Timeout;
  private propagation?: Promise<void>;

  constructor(private readonly o: EmptyVSchemaOptions) {
    this.name = o.skipRebuild ? 'empty-vschema-latent' : 'empty-vschema';
    this.description = o.skipRebuild
      ? `empty VSchema stored for ${o.keyspace} without rebuilding the serving graph` +
        (o.propagateAfterMs !== undefined ? `; a rebuild propagates it after ${o.propagateAfterMs / 1000} s` : '')
      : `empty VSchema applied to ${o.keyspace}: vtgates drop its routes`;
  }

  async inject(ctx: FaultContext): Promise<void> {
    this.saved = await getVSchema(ctx.cluster, this.o.keyspace);
    issued(ctx, this.name, { keyspace: this.o.keyspace, skipRebuild: Boolean(this.o.skipRebuild), broken: Boolean(this.o.broken) });
    if (!this.o.broken) {
      await applyVSchema(ctx.cluster, this.o.keyspace, {}, this.o.skipRebuild);
      observedEffect(ctx, this.name, 'empty VSchema stored', { keyspace: this.o.keyspace });
    }
    if (this.o.propagateAfterMs !== undefined) {
      this.propagation = new Promise<void>((resolve) => {
        this.timer = setTimeout(() => {
          ctx.cluster.vtctld
            .run(['RebuildVSchemaGraph'])
            .then(() => ctx.timeline.event('fault', 'vschema-propagated', { keyspace: this.o.keyspace, by: 'RebuildVSchemaGraph' }))
            .catch((e: Error) => ctx.timeline.event('error', 'vschema propagation', { message: e.message }))
            .finally(resolve);
        }, this.o.propagateAfterMs);
      });
    }
  }

  /** Resolves once the scheduled propagation ran (at once when none is scheduled). */
  propagated(): Promise<void> {
    return this.propagation ?? Promise.resolve();
  }

  /** Puts back the VSchema found before injection (the safety net; remediation restores the steady-state snapshot). */
  async heal(ctx: FaultContext): Promise<void> {
    if (this.saved === undefined) return;
    await restoreVSchemaIfChanged(ctx.cluster, this.o.keyspace, this.saved);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
