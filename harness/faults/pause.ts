// Freezes a node (docker pause: every process stopped, sockets left open) and thaws it.
// With a fixed length it is the calibration fault: an outage of known shape.
import type { ClusterNode } from '../cluster/cluster';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';

export class PauseFault implements Fault {
  readonly name: string;
  readonly description: string;
  private paused = false;

  constructor(
    private readonly pick: (ctx: FaultContext) => ClusterNode,
    label: string,
  ) {
    this.name = `pause-${label}`;
    this.description = `${label} frozen (all its processes stopped, connections left open)`;
  }

  async inject(ctx: FaultContext): Promise<void> {
    const node = this.pick(ctx);
    issued(ctx, this.name, { node: node.name, action: 'pause' });
    const method = await node.pause();
    this.paused = true;
    // The fixed-length pause counts from here (remediation is `afterMs` from injection).
    observedEffect(ctx, this.name, 'frozen', { node: node.name, method });
    if (method !== 'freezer') ctx.timeline.event('note', `${node.name}: docker pause refused; stopped with SIGSTOP instead`, { node: node.name });
  }

  async heal(ctx: FaultContext): Promise<void> {
    if (!this.paused) return;
    const node = this.pick(ctx);
    await node.unpause();
    this.paused = false;
    ctx.timeline.event('remediation', this.name, { node: node.name, action: 'unpaused' });
  }
}
