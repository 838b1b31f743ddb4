// A deploy that switches a running app to other code, stood for by a feature flag flipped at
// runtime; heal() is the rollback (the flag set back).
import { type Fault, type FaultContext, type FlaggedApp, issued, observedEffect } from './fault';

export interface DeployOptions {
  flag: string;
  deployed: string;
  rolledBack: string;
  description: string;
  /** Flips nothing (records the fault event only): the experiment must then fail. */
  broken?: boolean;
}

export class DeployFault implements Fault {
  readonly name: string;
  readonly description: string;
  private live = false;

  constructor(private readonly o: DeployOptions) {
    this.name = `deploy-${o.flag}-${o.deployed}${o.broken ? '-broken' : ''}`;
    this.description = o.broken ? `(broken on purpose: flips nothing) ${o.description}` : o.description;
  }

  async inject(ctx: FaultContext): Promise<void> {
    issued(ctx, this.name, { flag: this.o.flag, value: this.o.deployed, injected: !this.o.broken });
    if (!this.o.broken) {
      await appOf(ctx).setFlag(this.o.flag, this.o.deployed);
      this.live = true;
      observedEffect(ctx, this.name, 'the app took the flag', { flag: this.o.flag });
    }
  }

  async heal(ctx: FaultContext): Promise<void> {
    if (!this.live) return;
    // Stamped when the rollback is issued: a saturated app can take seconds to take the flag,
    // and that wait is part of recovering, not of deciding to roll back.
    const issuedAt = ctx.timeline.now();
    await appOf(ctx).setFlag(this.o.flag, this.o.rolledBack);
    this.live = false;
    ctx.timeline.event('remediation', `rollback ${this.o.flag}`, { flag: this.o.flag, value: this.o.rolledBack, appTookMs: Math.round(ctx.timeline.now() - issuedAt) }, issuedAt);
  }
}

function appOf(ctx: FaultContext): FlaggedApp {
  if (!ctx.app) throw new Error('a deploy fault needs the workload app in its context');
  return ctx.app;
}
