// Two faults in a row on one shard (Vitess issue 21092). First the replicas' appliers stop on
// a row that drifted (deleted on the replicas alone) while their IO threads go on receiving,
// and under semi-sync acknowledging, the primary's writes; then replication is cut (the
// replication user locked on the primary, its dump threads killed, the replicas' IO threads
// stopped) and the primary dies. Where VTOrc's repair of a stopped replica re-points it with
// CHANGE REPLICATION SOURCE TO, MySQL deletes the relay logs that held those writes, and the
// failover promotes a replica that never had them. Each stage is its own method: the
// experiment runs them as the incident's steps and each stamps its events.
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TabletHandle } from '../cluster/cluster';
import { waitFor } from '../cluster/readiness';
import { replicasCaughtUp } from '../cluster/replication';
import { gtidCount } from '../cluster/gtid';
import { vtorcProblems } from '../observe/failover-probes';
import { type Fault, type FaultContext, issued } from './fault';
import { rejoinAsReplica } from './rejoin';

export interface BrokenReplicationOptions {
  keyspace: string;
  shard: string;
  /** The row is not deleted on the replicas, so nothing stops: the experiment must then fail. */
  broken?: boolean;
}

/** The drifted row lives in a table of its own, outside the VSchema: the workload never reads it. */
const DRIFT_TABLE = 'chaos_drift';
/** Vitess's replication user (its init_db.sql). */
const REPL_USER = 'vt_repl';
/** MySQL's "can't find record" on a replicated UPDATE whose row is missing. */
export const ROW_NOT_FOUND = 1032;

/** Event names this fault writes on the timeline (kind 'fault' or 'note'), read back by measuring. */
export const EVENTS = {
  appliersStopped: 'appliers stopped',
  appliersRan: 'appliers kept running',
  cut: 'replication cut',
  held: 'held only in the relay log',
  purged: 'relay log purged',
  kept: 'relay log kept',
  killed: 'primary killed',
  newPrimary: 'new primary',
  noFailover: 'no failover',
  primaryAfterHeal: 'primary after the heal',
} as const;

interface ReplicaStatus {
  sqlRunning: boolean;
  ioRunning: boolean;
  sqlErrno: number;
  relayLogFile: string;
  retrieved: string;
}

async function replicaStatus(conn: Connection): Promise<ReplicaStatus | undefined> {
  const [rows] = await conn.query<RowDataPacket[]>('SHOW REPLICA STATUS');
  const r = rows[0];
  if (!r) return undefined;
  return {
    sqlRunning: r.Replica_SQL_Running === 'Yes',
    ioRunning: r.Replica_IO_Running === 'Yes',
    sqlErrno: Number(r.Last_SQL_Errno),
    relayLogFile: String(r.Relay_Log_File),
    retrieved: String(r.Retrieved_Gtid_Set ?? '').replace(/\s+/g, ''),
  };
}

/** What a replica received and has not applied: GTID_SUBTRACT(retrieved, executed). */
async function unapplied(conn: Connection, retrieved: string): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT GTID_SUBTRACT(?, @@global.gtid_executed) AS g', [retrieved]);
  return String(rows[0].g ?? '').replace(/\s+/g, '');
}

/** Runs `statements` (then `more`) on a tablet as a local change: out of the binlog, super_read_only lifted for them alone. */
async function locally(t: TabletHandle, statements: string[], more?: (conn: Connection) => Promise<void>): Promise<void> {
  const conn = await t.mysql();
  try {
    await conn.query('SET SESSION sql_log_bin = 0');
    const [[ro]] = await conn.query<RowDataPacket[]>('SELECT @@global.super_read_only AS s');
    if (Number(ro.s)) await conn.query('SET GLOBAL super_read_only = 0');
    try {
      for (const s of statements) await conn.query(s);
      await more?.(conn);
    } finally {
      if (Number(ro.s)) await conn.query('SET GLOBAL super_read_only = 1');
    }
  } finally {
    conn.destroy();
  }
}

/** The replication user locked or unlocked on every host it is defined for (the caller keeps it out of the binlog). */
async function lockReplicationUser(conn: Connection, how: 'LOCK' | 'UNLOCK'): Promise<void> {
  const [hosts] = await conn.query<RowDataPacket[]>('SELECT host FROM mysql.user WHERE user = ?', [REPL_USER]);
  if (!hosts.length) throw new Error(`no replication user ${REPL_USER} on this mysqld`);
  for (const h of hosts) await conn.query(`ALTER USER ?@? ACCOUNT ${how}`, [REPL_USER, String(h.host)]);
}

const since = (t: number, from: number) => Math.round(t - from) / 1000;

export class BrokenReplicationThenPrimaryDeath implements Fault {
  readonly name: string;
  readonly description: string;
  victim?: TabletHandle;
  replicas: TabletHandle[] = [];
  private cutDone = false;
  private killed = false;
  private healed = false;

  constructor(private readonly o: BrokenReplicationOptions) {
    this.name = `broken-replication-then-primary-death${o.broken ? '-broken' : ''}`;
    const what = `the replicas of ${o.keyspace}/${o.shard} stop applying on a drifted row while semi-sync acknowledges on; replication is cut; the primary is SIGKILLed`;
    this.description = o.broken ? `(broken on purpose: the row does not drift, nothing stops) ${what}` : what;
  }

  private table(t: TabletHandle): string {
    return `\`${t.dbName}\`.\`${DRIFT_TABLE}\``;
  }

  /** The drifted row made: written on the primary (replicated), then deleted on each replica alone. */
  async prepare(ctx: FaultContext): Promise<void> {
    const { cluster } = ctx;
    const primary = await cluster.primaryOf(this.o.keyspace, this.o.shard);
    this.victim = primary;
    const shardTablets = cluster.tablets.filter((t) => t.keyspace === this.o.keyspace && t.shard === this.o.shard && t.alias !== primary.alias);
    this.replicas = [];
    for (const t of shardTablets) if ((await t.role()) === 'replica') this.replicas.push(t);
    if (this.replicas.length === 0) throw new Error(`fault ${this.name}: ${this.o.keyspace}/${this.o.shard} has no replica to break`);
    const conn = await primary.mysql();
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS ${this.table(primary)} (id INT PRIMARY KEY, v INT NOT NULL)`);
      await conn.query(`REPLACE INTO ${this.table(primary)} VALUES (1, 0)`);
    } finally {
      conn.destroy();
    }
    await replicasCaughtUp(cluster, this.o.keyspace, this.o.shard, 30_000);
    if (this.o.broken) return;
    for (const r of this.replicas) await locally(r, [`DELETE FROM ${this.table(r)} WHERE id = 1`]);
  }

  /** The first fault: the row updated on the primary; each replica's applier stops on it. */
  async inject(ctx: FaultContext): Promise<void> {
    if (!this.victim) await this.prepare(ctx);
    const primary = this.victim!;
    const at = issued(ctx, this.name, { tablet: primary.alias, shard: `${this.o.keyspace}/${this.o.shard}`, replicas: this.replicas.map((r) => r.alias), injected: !this.o.broken });
    const conn = await primary.mysql();
    try {
      await conn.query(`UPDATE ${this.table(primary)} SET v = v + 1 WHERE id = 1`);
    } finally {
      conn.destroy();
    }
    const stopped = new Map<string, number>();
    const didStop = await waitFor({
      what: `the appliers of ${this.replicas.map((r) => r.alias).join(', ')} stopped on error ${ROW_NOT_FOUND}`,
      timeoutMs: 15_000,
      intervalMs: 100,
      check: async () => {
        for (const r of this.replicas) {
          if (stopped.has(r.alias)) continue;
          const c = await r.mysql();
          try {
            const s = await replicaStatus(c);
            if (s && !s.sqlRunning && s.sqlErrno === ROW_NOT_FOUND) stopped.set(r.alias, ctx.timeline.now());
          } finally {
            c.destroy();
          }
        }
        return { ready: stopped.size === this.replicas.length, status: `stopped: ${[...stopped.keys()].join(', ') || 'none'}`, value: true };
      },
    }).catch((e: Error) => e.message);
    // Not thrown: the cut and the kill still run, so a broken fault shows what they do to a
    // healthy shard (a failover that loses nothing), and the check on the stop fails.
    if (didStop !== true) {
      ctx.timeline.event('note', EVENTS.appliersRan, { replicas: this.replicas.map((r) => r.alias), stopped: [...stopped.keys()], status: didStop });
      return;
    }
    // Stamped when the last applier was seen stopped, not when this loop ended.
    ctx.timeline.event('fault', `${this.name}: ${EVENTS.appliersStopped}`, { replicas: Object.fromEntries([...stopped].map(([a, t]) => [a, since(t, at)])), errno: ROW_NOT_FOUND, stamp: 'effect observed' }, Math.max(...stopped.values()));
  }

  /**
   * The replicas cut off from the primary: the replication user locked and its dump threads
   * killed there (out of the binlog), each replica's IO thread stopped. With the IO thread
   * running, VTOrc's CHANGE REPLICATION SOURCE TO is refused (MySQL error 3081) and nothing is
   * purged. Records what each replica held only in its relay log at that moment.
   */
  async cutReplication(ctx: FaultContext): Promise<void> {
    const primary = this.victim!;
    const at = ctx.timeline.event('fault', EVENTS.cut, { tablet: primary.alias, stamp: 'issued' }).t;
    this.cutDone = true;
    const conn = await primary.mysql();
    try {
      await conn.query('SET SESSION sql_log_bin = 0');
      await lockReplicationUser(conn, 'LOCK');
      const [dumps] = await conn.query<RowDataPacket[]>("SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'");
      for (const d of dumps) await conn.query(`KILL ${Number(d.id)}`).catch(() => undefined);
    } finally {
      conn.destroy();
    }
    for (const r of this.replicas) {
      const c = await r.mysql();
      try {
        await c.query('STOP REPLICA IO_THREAD');
        const s = await replicaStatus(c);
        const held = s ? await unapplied(c, s.retrieved) : '';
        ctx.timeline.event('note', EVENTS.held, { tablet: r.alias, gtids: held, transactions: gtidCount(held), relayLogFile: s?.relayLogFile }, at);
      } finally {
        c.destroy();
      }
    }
  }

  /**
   * Until every replica's relay log no longer holds what it had not applied (purged), or
   * `timeoutMs` passed (kept): one event per replica either way.
   */
  async awaitRelayLogs(ctx: FaultContext, timeoutMs: number): Promise<void> {
    const cutAt = ctx.timeline.firstEvent('fault', EVENTS.cut)?.t ?? ctx.timeline.now();
    // A replica that held nothing at the cut has nothing to lose.
    const held = ctx.timeline.events().filter((e) => e.kind === 'note' && e.name === EVENTS.held && e.t >= cutAt && Number(e.data?.transactions) > 0);
    const pending = new Set(held.map((e) => String(e.data?.tablet)));
    await waitFor({
      what: 'relay logs purged',
      timeoutMs,
      intervalMs: 200,
      check: async () => {
        for (const r of this.replicas.filter((x) => pending.has(x.alias))) {
          const c = await r.mysql();
          try {
            const s = await replicaStatus(c);
            if (s && gtidCount(await unapplied(c, s.retrieved)) === 0) {
              pending.delete(r.alias);
              const t = ctx.timeline.now();
              ctx.timeline.event('note', EVENTS.purged, { tablet: r.alias, seconds: since(t, cutAt), relayLogFile: s.relayLogFile }, t);
            }
          } finally {
            c.destroy();
          }
        }
        return { ready: pending.size === 0, status: `still held on ${[...pending].join(', ')}` };
      },
    }).catch(() => undefined);
    for (const alias of pending) ctx.timeline.event('note', EVENTS.kept, { tablet: alias, waitedSeconds: timeoutMs / 1000 });
  }

  /** The second fault: the primary's container SIGKILLed. */
  async killPrimary(ctx: FaultContext): Promise<void> {
    const primary = this.victim!;
    ctx.timeline.event('fault', EVENTS.killed, { tablet: primary.alias, stamp: 'issued' });
    this.killed = true;
    await primary.node.kill('SIGKILL');
  }

  /** Until the topology names another primary (an event with when), or `timeoutMs` (an event saying none came). */
  async awaitFailover(ctx: FaultContext, timeoutMs: number): Promise<void> {
    const killedAt = ctx.timeline.firstEvent('fault', EVENTS.killed)?.t ?? ctx.timeline.now();
    const victim = this.victim!.alias;
    const found = await waitFor({
      what: `a primary of ${this.o.keyspace}/${this.o.shard} other than ${victim}`,
      timeoutMs,
      intervalMs: 250,
      check: async () => {
        const p = await ctx.cluster.primaryOf(this.o.keyspace, this.o.shard);
        return { ready: p.alias !== victim, status: `primary ${p.alias}`, value: p.alias };
      },
    }).catch(() => undefined);
    const t = ctx.timeline.now();
    if (found) ctx.timeline.event('note', EVENTS.newPrimary, { tablet: found, seconds: since(t, killedAt) }, t);
    else ctx.timeline.event('note', EVENTS.noFailover, { waitedSeconds: timeoutMs / 1000 }, t);
  }

  /**
   * Puts the shard back, whichever way it went: the drifted row restored on the replicas and
   * their replication started; the old primary started again and, while still the primary in
   * the topology, its replication user unlocked. Then the shard settles: on a release that did
   * not fail over, the pending failover may now succeed (the replicas can apply their relay
   * logs). Whichever tablet is primary then, a dead primary that lost the role rejoins under it,
   * re-provisioned when vttablet refuses it for errant GTIDs (writes only it has: acknowledged
   * ones the new primary lost, or ones semi-sync never acknowledged). Ends when every replica has
   * caught up with the shard's primary.
   */
  async heal(ctx: FaultContext): Promise<void> {
    const victim = this.victim;
    if (!victim || this.healed) return;
    this.healed = true;
    const tl = ctx.timeline;
    if (this.killed && !(await victim.node.running())) {
      await victim.node.start();
      tl.event('remediation', `restart ${victim.alias}`, { tablet: victim.alias });
    }
    const answers = (t: TabletHandle) =>
      waitFor({ what: `${t.alias}'s mysqld answering`, timeoutMs: 120_000, intervalMs: 250, check: async () => ((await t.mysql()).destroy(), { ready: true, status: 'answers' }), dead: async () => ((await t.node.running()) ? undefined : 'its container exited') });
    const shard = () => ctx.cluster.primaryOf(this.o.keyspace, this.o.shard);
    const others = this.replicas.filter((r) => r.alias !== victim.alias);
    // vttablet restarts its mysqld super-read-only: locally() lifts that for the statement.
    if (this.cutDone && (await shard()).alias === victim.alias) {
      await answers(victim);
      await locally(victim, [], (conn) => lockReplicationUser(conn, 'UNLOCK'));
    }
    // The drifted row back where it is missing, so the stopped appliers can go on.
    for (const r of others) {
      await locally(r, [`INSERT IGNORE INTO ${this.table(r)} VALUES (1, 0)`]).catch(() => undefined);
      const c = await r.mysql();
      await c.query('START REPLICA').catch(() => undefined);
      c.destroy();
    }
    tl.event('remediation', 'drifted row restored, replication started', { replicas: others.map((r) => r.alias) });
    // Settled: VTOrc diagnoses no dead primary on the shard any more, and the topology's primary
    // answers writable, the same tablet for 2 s. Until then a failover may still be under way:
    // with the replicas able to apply again, a pending one completes and demotes the restarted
    // old primary (seen 22 ms after it read writable).
    let candidate: { alias: string; since: number } | undefined;
    const settled = await waitFor({
      what: `a settled, writable primary of ${this.o.keyspace}/${this.o.shard}`,
      timeoutMs: 120_000,
      intervalMs: 250,
      check: async () => {
        const dead = await this.deadPrimaryDiagnosed(ctx);
        if (dead) return { ready: false, status: `VTOrc still diagnoses ${dead}` };
        const p = await shard();
        const conn = await p.mysql();
        try {
          const [[ro]] = await conn.query<RowDataPacket[]>('SELECT @@global.super_read_only AS s, @@global.read_only AS r');
          const writable = !Number(ro.s) && !Number(ro.r);
          if (!writable || candidate?.alias !== p.alias) candidate = writable ? { alias: p.alias, since: Date.now() } : undefined;
          return { ready: !!candidate && Date.now() - candidate.since >= 2000, status: `${p.alias}: super_read_only ${ro.s}, read_only ${ro.r}`, value: p };
        } finally {
          conn.destroy();
        }
      },
    });
    tl.event('note', EVENTS.primaryAfterHeal, { tablet: settled.alias });
    if (this.killed && settled.alias !== victim.alias) {
      ctx.timeline.event('remediation', `${victim.alias} rejoins under ${settled.alias}`, { tablet: victim.alias });
      await rejoinAsReplica(ctx, victim, { keyspace: this.o.keyspace, shard: this.o.shard, patienceMs: 60_000 });
    }
    const conn = await settled.mysql();
    try {
      // Through the binlog, so the replicas drop it too.
      await conn.query(`DROP TABLE IF EXISTS ${this.table(settled)}`);
    } finally {
      conn.destroy();
    }
    for (const r of ctx.cluster.tablets.filter((t) => t.keyspace === this.o.keyspace && t.shard === this.o.shard && t.alias !== settled.alias)) await answers(r);
    await replicasCaughtUp(ctx.cluster, this.o.keyspace, this.o.shard, 120_000);
    // And vtgate routes to it again (the ledger is read back through vtgate next).
    const pool = ctx.cluster.vtgatePool({ connectionLimit: 1 });
    try {
      await waitFor({
        what: `vtgate serving ${this.o.keyspace}/${this.o.shard} from its primary`,
        timeoutMs: 60_000,
        intervalMs: 250,
        check: async () => {
          const conn = await pool.getConnection();
          try {
            await conn.query(`USE \`${this.o.keyspace}:${this.o.shard}@primary\``);
            await conn.query('SELECT 1');
            return { ready: true, status: 'serving' };
          } finally {
            conn.release();
          }
        },
      });
    } finally {
      await pool.end();
    }
    tl.event('remediation', 'shard healed: every replica caught up', { primary: settled.alias });
  }

  /** The dead-primary analysis VTOrc lists on the shard now (DeadPrimary, DeadPrimaryAndReplicas...), if any. */
  private async deadPrimaryDiagnosed(ctx: FaultContext): Promise<string | undefined> {
    return (await vtorcProblems(ctx.cluster, this.o.keyspace, this.o.shard)).find((p) => p.analysis.startsWith('DeadPrimary'))?.analysis;
  }
}
