// A shard's primary dies, three ways: its container is SIGKILLed; only its mysqld dies
// (vttablet lives on); or, the incident's cause, a memory-hungry query on a memory-capped
// primary until the kernel kills mysqld. heal() brings the old primary's node back so it can
// rejoin as a replica.
import type { Connection } from 'mysql2/promise';
import type { TabletHandle } from '../cluster/cluster';
import { waitFor } from '../cluster/readiness';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';

export type PrimaryDeath = 'container' | 'mysqld' | 'oom';

export interface PrimaryDeathOptions {
  keyspace: string;
  shard: string;
  how: PrimaryDeath;
  /** oom: the cap is the primary's memory use at injection plus this much. */
  memoryHeadroomBytes?: number;
  /** Injects nothing (records the fault event only): the experiment must then fail. */
  broken?: boolean;
}

const DESCRIPTIONS: Record<PrimaryDeath, string> = {
  container: "the primary tablet's container SIGKILLed (mysqld, vttablet and all)",
  mysqld: "only the primary's mysqld killed and kept down (its supervisor mysqld_safe too); vttablet stays up",
  oom: "the primary capped in memory, then a memory-hungry query run on it until the kernel kills mysqld",
};

/**
 * A report-style query that holds everything in one string: every row of a cross join,
 * concatenated. GROUP_CONCAT keeps growing in the server's memory until the session's limit.
 */
const DIGITS = `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)`;
export const MEMORY_HUNGRY_QUERY = `SELECT LENGTH(GROUP_CONCAT(REPEAT('x', 4000))) AS bytes FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} d, ${DIGITS} e, ${DIGITS} f`;

/** A shell function: whether a live mysqld runs (a zombie is dead, only not yet reaped). */
const MYSQLD_ALIVE = `alive() { for p in $(pgrep -x mysqld); do [ "$(awk '{print $3}' /proc/$p/stat 2>/dev/null)" = Z ] || return 0; done; return 1; }`;
/** Exits 0 once no live mysqld is left, waiting up to 5 s for one the kernel just killed. */
const MYSQLD_GONE = `${MYSQLD_ALIVE}
for i in $(seq 1 25); do alive || exit 0; sleep 0.2; done; exit 1`;
/** Kills mysqld_safe and mysqld, again every 0.2 s, until no live mysqld is left (10 s at most). */
const KILL_MYSQLD = `${MYSQLD_ALIVE}
for i in $(seq 1 50); do pkill -9 -x mysqld_safe; pkill -9 -x mysqld; alive || { echo "$i kill(s)"; exit 0; }; sleep 0.2; done
ps -o pid,stat,etime,args -C mysqld; exit 1`;

export class PrimaryDeathFault implements Fault {
  readonly name: string;
  readonly description: string;
  /** The primary at injection: the tablet that died. */
  victim?: TabletHandle;
  private capped = false;
  private memory?: { used: number; cap: number };
  private killed = false;
  private downed = false;
  private console?: Connection;

  constructor(private readonly o: PrimaryDeathOptions) {
    this.name = `primary-${o.how}${o.broken ? '-broken' : ''}`;
    this.description = o.broken ? `(broken on purpose: injects nothing) ${DESCRIPTIONS[o.how]}` : DESCRIPTIONS[o.how];
  }

  /**
   * Before the detectors are armed: the victim found and, for oom, its memory capped, its
   * supervisor gone and the console open. On a busy host that work alone can lift p99 over
   * the alarm's bar; it is not the fault.
   */
  async prepare(ctx: FaultContext): Promise<void> {
    const victim = await ctx.cluster.primaryOf(this.o.keyspace, this.o.shard);
    this.victim = victim;
    if (this.o.broken || this.o.how !== 'oom') return;
    const used = (await victim.node.resources()).memoryBytes;
    this.memory = { used, cap: used + (this.o.memoryHeadroomBytes ?? 300 * 1024 ** 2) };
    await victim.node.limitMemory(this.memory.cap);
    this.capped = true;
    // Without the supervisor, the killed mysqld stays down as a crashed server does until
    // someone acts; with it, mysqld is back in about a second and VTOrc may or may not get to
    // reparent first (seen both ways), which no experiment can assert on.
    await victim.node.exec(['bash', '-c', 'pkill -9 -x mysqld_safe || true']);
    this.downed = this.killed = true;
    this.console = await victim.mysql();
    await this.console.query('SET SESSION group_concat_max_len = 4294967295');
  }

  async inject(ctx: FaultContext): Promise<void> {
    if (!this.victim) await this.prepare(ctx);
    const victim = this.victim!;
    const data = { tablet: victim.alias, shard: `${this.o.keyspace}/${this.o.shard}`, how: this.o.how };
    if (this.o.broken) {
      issued(ctx, this.name, { ...data, injected: false });
      return;
    }
    if (this.o.how === 'container') {
      issued(ctx, this.name, data);
      this.downed = this.killed = true;
      await victim.node.kill('SIGKILL');
      observedEffect(ctx, this.name, 'container killed', { tablet: victim.alias });
    } else if (this.o.how === 'mysqld') {
      issued(ctx, this.name, data);
      this.downed = this.killed = true;
      // The supervisor first: otherwise it starts mysqld again within a second, and whether VTOrc
      // reparents becomes a race against that restart.
      // SIGKILL is delivered when the process is next scheduled and tini reaps it after: on a busy
      // machine that can take more than a moment, so the kill is repeated until mysqld is gone
      // (a zombie is gone), for at most 10 s, and only then does the fault give up, saying so.
      const r = await victim.node.exec(['bash', '-c', KILL_MYSQLD]);
      if (r.exitCode !== 0) throw new Error(`fault ${this.name}: mysqld on ${victim.alias} still runs 10 s after SIGKILL: ${r.output.trim()}`);
      observedEffect(ctx, this.name, 'mysqld gone', { tablet: victim.alias, after: r.output.trim() });
    } else {
      await this.runUntilOom(ctx, victim, data);
    }
  }

  private async runUntilOom(ctx: FaultContext, victim: TabletHandle, data: Record<string, unknown>): Promise<void> {
    const conn = this.console;
    if (!conn || !this.memory) throw new Error(`fault ${this.name}: not prepared (no memory cap, no console on ${victim.alias})`);
    // Issued with the query; its effect (the kernel killing mysqld) comes when memory runs out.
    issued(ctx, this.name, { ...data, memoryCapBytes: this.memory.cap, memoryInUseBytes: this.memory.used, query: 'GROUP_CONCAT over a 10^6-row cross join' });
    let outcome: string;
    try {
      await conn.query(MEMORY_HUNGRY_QUERY);
      outcome = 'completed (the cap was not reached)';
    } catch (e) {
      outcome = (e as Error).message;
    }
    conn.destroy();
    this.console = undefined;
    const endedAt = ctx.timeline.now();
    const killed = (await victim.node.exec(['bash', '-c', MYSQLD_GONE])).exitCode === 0;
    // What the query ended with travels on the event: measuring reads it from the timeline.
    if (killed) ctx.timeline.event('fault', `${this.name}: mysqld killed for memory`, { tablet: victim.alias, query: outcome, stamp: 'effect observed' }, endedAt);
    else ctx.timeline.event('note', 'mysqld survived the query', { tablet: victim.alias, query: outcome }, endedAt);
  }

  /** Whether the fault took the primary down (a broken fault does not). */
  get died(): boolean {
    return this.killed;
  }

  async heal(ctx: FaultContext): Promise<void> {
    const victim = this.victim;
    if (!victim) return;
    this.console?.destroy();
    if (this.capped) {
      await victim.node.limitMemory(undefined).catch(() => undefined);
      this.capped = false;
    }
    if (!this.downed) return;
    this.downed = false;
    // The old primary's container is started again (after a mysqld-only death it is restarted),
    // the way an operator or an orchestrator would bring the node back.
    if (await victim.node.running()) {
      await victim.node.kill('SIGKILL');
      await waitFor({ what: `${victim.alias}'s container to stop`, timeoutMs: 30_000, intervalMs: 100, check: async () => ({ ready: !(await victim.node.running()), status: 'still running' }) });
    }
    await victim.node.start();
    ctx.timeline.event('remediation', `restart ${victim.alias}`, { tablet: victim.alias, why: 'the old primary is brought back to rejoin as a replica' });
  }
}
