// Freezes a node (docker pause: every process stopped, sockets left open) and thaws it.
// With a fixed length it is the calibration fault: an outage of known shape.
import type { ClusterNode } from '../cluster/cluster';
import type { Fault, FaultContext } from './fault';

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
    const issuedAt = ctx.timeline.now();
    const method = await node.pause();
    this.paused = true;
    // Stamped once the node is frozen (a fixed-length pause counts from there); when it was
    // asked for and how it was applied are part of the record.
    ctx.timeline.event('fault', this.name, { node: node.name, action: 'paused', method, issuedAt });
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
