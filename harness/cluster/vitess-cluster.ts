// A Vitess cluster on any target: etcd, vtctld, tablets, vtgate and VTOrc, brought up stage by
// stage, each stage gated on a real health signal. A target (Docker, Kubernetes) only says how
// a node is started, reached and removed.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { Pool, Connection } from 'mysql2/promise';
import { type Cluster, type ClusterNode, type ClusterOptions, ClusterStartError, type TabletHandle, type TabletRole } from './cluster';
import type { ImageSet } from './docker/images';
import { BaseCluster } from './base-cluster';
import { ReadinessError, waitFor } from './readiness';
import { replicaThreads } from './replication';
import { defaultTopology } from './default-topology';
import { planTablets, TabletPlan, Topology, validateTopology } from './topology';
import { ExecVtctldClient, tabletRole, TopoTablet } from './vtctld-client';
import { TABLET_MYSQL_USER, tabletConnection } from './pool';
import { servedVSchema } from './vschema';
import { runDir } from '../paths';
import { resolveSettings, type Settings } from '../settings';

/** What every target takes, beside the cluster options. */
export interface VitessClusterOptions extends ClusterOptions {
  /**
   * Tablets started at most this many at a time; a slot frees once the tablet's mysqld answers.
   * Default: all at once (measured faster on 2 cores, see README "Bring-up").
   */
  tabletStartConcurrency?: number;
  /** Tablets start with etcd and vtctld (default), or only once the keyspaces exist (false). */
  tabletsWithControlPlane?: boolean;
  /** Times a tablet whose node exits during bring-up is started again (its log kept each time) before the cluster fails. */
  bringUpRetries?: number;
  /** Skip image checks (the caller already ran ensureImages for these settings). */
  images?: ImageSet;
}

export const PORTS = { tabletHttp: 15100, mysql: 3306, vtgateMysql: 15306, vtgateHttp: 15001, vtctldHttp: 15000, vtctldGrpc: 15999, vtorcHttp: 16000, etcd: 2379 };

export type Component = 'etcd' | 'vtctld' | 'vtgate' | 'vtorc' | 'tablet';

/** One node to start, as the cluster asks a target for it. */
export interface NodeLaunch {
  component: Component;
  /** Its name in the cluster (etcd, vtctld, tablet-100): node names are vc-<run id>-<alias>. */
  alias: string;
  image: string;
  env: Record<string, string>;
  /** An environment variable the target sets to the node's own address (a tablet's hostname in the topology). */
  selfAddressEnv?: string;
  command?: string[];
  /** Ports the host reaches, each published on 127.0.0.1. */
  ports: number[];
  /** The tablet this node runs, if it is one. */
  tablet?: TabletPlan;
}

/** A node as a target runs it: the verbs faults use, plus what bring-up needs. */
export interface TargetNode extends ClusterNode {
  /** How the other nodes reach this one (read again after a start: it may change). */
  readonly address: string;
  /** The host port (on 127.0.0.1) of one of its ports; read again after a start. */
  hostPort(port: number): number;
  /** Why the node is not running, or undefined while it runs. */
  exitReason(): Promise<string | undefined>;
  /** A command inside it, with its output streams kept apart. */
  run(command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** What every target's start does first, before it touches anything: the topology and settings, validated. */
export function planCluster(options: ClusterOptions): { topology: Topology; settings: Settings } {
  const topology = options.topology ?? defaultTopology();
  validateTopology(topology);
  return { topology, settings: resolveSettings(options) };
}

class VitessTablet implements TabletHandle {
  readonly uid: number;
  readonly alias: string;
  readonly keyspace: string;
  readonly shard: string;
  readonly hostname: string;
  readonly initialPrimary: boolean;
  readonly dbName: string;

  constructor(
    plan: TabletPlan,
    readonly node: TargetNode,
    private readonly cluster: VitessCluster,
  ) {
    this.uid = plan.uid;
    this.alias = plan.alias;
    this.keyspace = plan.keyspace;
    this.shard = plan.shard;
    this.hostname = plan.hostname;
    this.initialPrimary = plan.initialPrimary;
    this.dbName = `vt_${plan.keyspace}`;
  }

  /** Read each time: a node started again may be published on new host ports. */
  get debugUrl(): string {
    return `http://127.0.0.1:${this.node.hostPort(PORTS.tabletHttp)}`;
  }

  role(): Promise<TabletRole> {
    return tabletRole(this.cluster.vtctld, this.alias);
  }

  get mysqlEndpoint(): { host: string; port: number; user: string } {
    return { host: '127.0.0.1', port: this.node.hostPort(PORTS.mysql), user: TABLET_MYSQL_USER };
  }

  mysql(): Promise<Connection> {
    return tabletConnection(this.mysqlEndpoint);
  }
}

export abstract class VitessCluster extends BaseCluster implements Cluster {
  override vtgate!: Cluster['vtgate'];
  override vtctld!: ExecVtctldClient & { node: TargetNode };
  vtorc!: Cluster['vtorc'];
  etcd!: { node: TargetNode };
  override tablets: VitessTablet[] = [];
  bringUpSeconds = 0;
  private readonly nodes: TargetNode[] = [];
  private vtgateNode!: TargetNode;
  private vtorcNode!: TargetNode;
  /** One small pool for readiness polls, rather than one per poll. */
  private checkPool?: Pool;
  private stopping?: Promise<void>;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.progress(`[cluster ${this.runId}] ${signal}: removing the cluster`);
    void this.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  protected constructor(
    override readonly runId: string,
    readonly topology: Topology,
    readonly settings: Settings,
    protected readonly options: VitessClusterOptions,
  ) {
    super();
  }

  get vitess() {
    return this.settings.vitess;
  }

  get database() {
    return this.settings.database;
  }

  protected progress(line: string): void {
    (this.options.progress ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  /** What the target calls its nodes, in errors and progress ("container", "pod"). */
  protected abstract readonly nodeWord: string;
  /**
   * Whether a node's address is known before it starts (Docker: its network alias). If not
   * (Kubernetes: the pod's IP), tablets start once etcd and vtctld have theirs.
   */
  protected abstract readonly addressesKnownAtStart: boolean;
  /** Creates what the run's nodes live in (a network, a namespace). */
  protected abstract prepare(): Promise<void>;
  /** Starts one node; returns once it has an address. */
  protected abstract launch(spec: NodeLaunch): Promise<TargetNode>;
  /** Removes everything of this run from the target. */
  protected abstract removeRun(): Promise<void>;

  /** Brings the cluster up; on failure, keeps its logs, removes it, and throws what failed. */
  protected async open(images: ImageSet): Promise<this> {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    try {
      await this.prepare();
      await this.bringUp(images);
      return this;
    } catch (e) {
      const logs = await this.saveLogs().catch(() => undefined);
      const subject = e instanceof ReadinessError ? e.subject : undefined;
      const tail = subject ? await this.logTail(subject) : '';
      await this.stop();
      throw new ClusterStartError(
        `cluster ${this.runId} did not come up${subject ? ` (${subject})` : ''}: ${(e as Error).message}` +
          (tail ? `\nlast lines of its log:\n${tail}` : '') +
          (logs ? `\n${this.nodeWord} logs saved in ${logs}` : '') +
          '\nnothing of this run is left running.',
      );
    }
  }

  private timeout(): number {
    return this.options.stageTimeoutMs ?? 90_000;
  }

  private async startNode(spec: NodeLaunch): Promise<TargetNode> {
    const node = await this.launch(spec);
    this.nodes.push(node);
    return node;
  }

  private async bringUp(images: ImageSet): Promise<void> {
    const t0 = Date.now();
    const stage = (name: string) => this.progress(`[cluster ${this.runId}] ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const cell = this.topology.cell;
    const flags = this.options.flags ?? {};
    const extra = (f?: string[]) => (f ?? []).join(' ');

    // Tablets start with the control plane: their mysqld needs nothing of it, and tablet.sh starts
    // vttablet only once its keyspace exists (created below), so mysqld's start overlaps etcd's and vtctld's.
    stage('starting etcd, vtctld and tablets');
    const known = this.addressesKnownAtStart;
    const etcdStarted = this.startNode({ component: 'etcd', alias: 'etcd', image: images.etcd, env: {}, ports: [] });
    const etcdAddress = known ? Promise.resolve('etcd') : etcdStarted.then((n) => n.address);
    const topoEnv = etcdAddress.then((a) => ({ CELL: cell, TOPO_ADDR: `${a}:${PORTS.etcd}` }));
    const vtctldStarted = topoEnv.then((env) =>
      this.startNode({ component: 'vtctld', alias: 'vtctld', image: images.control, command: ['/vt/config/vtctld.sh'], env: { ...env, EXTRA_FLAGS: extra(flags.vtctld) }, ports: [PORTS.vtctldHttp] }),
    );
    const vtctldAddress = known ? Promise.resolve('vtctld') : vtctldStarted.then((n) => n.address);
    const control = (async () => {
      const [etcd, vtctldNode] = await Promise.all([etcdStarted, vtctldStarted]);
      this.etcd = { node: etcd };
      this.vtctld = Object.assign(new ExecVtctldClient((command) => vtctldNode.run(command)), { node: vtctldNode });
      await waitFor({
        what: 'vtctld serving the cell',
        subject: 'vtctld',
        timeoutMs: this.timeout(),
        check: async () => {
          const names = await this.vtctld.run(['GetCellInfoNames']);
          return { ready: names.split('\n').includes(cell), status: `cells: ${names.trim() || 'none'}` };
        },
        dead: async () => (await etcd.exitReason()) ?? (await vtctldNode.exitReason()),
      });
      // Before any vttablet registers, so tablets join keyspaces that already carry their durability policy.
      for (const ks of this.topology.keyspaces) {
        await this.vtctld.run(['CreateKeyspace', `--durability-policy=${ks.durability}`, ks.name]);
      }
      stage('keyspaces created');
    })();
    const startTablets = async () => {
      const env = { ...(await topoEnv), VTCTLD_ADDR: `${await vtctldAddress}:${PORTS.vtctldGrpc}`, EXTRA_FLAGS: extra(flags.vttablet) };
      await this.startTablets(images, env);
    };
    // allSettled: a failed start must not leave other starts running past the cleanup.
    const tablets = this.options.tabletsWithControlPlane === false ? control.then(startTablets) : startTablets();
    const settled = await Promise.allSettled([control, tablets]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const controlEnv = await topoEnv;
    stage('waiting for tablets');
    await Promise.all(this.tablets.map((t) => this.waitTabletUp(t)));

    stage('electing primaries (PlannedReparentShard)');
    await Promise.all(
      this.tablets
        .filter((t) => t.initialPrimary)
        .map((p) =>
          waitFor({
            what: `PlannedReparentShard of ${p.keyspace}/${p.shard} to ${p.alias}`,
            subject: p.alias,
            timeoutMs: this.timeout(),
            intervalMs: 1000,
            check: async () => {
              await this.vtctld.run(['PlannedReparentShard', '--new-primary', p.alias, `${p.keyspace}/${p.shard}`]);
              return { ready: true, status: 'reparented' };
            },
            dead: () => p.node.exitReason(),
          }),
        ),
    );

    stage('applying schema and VSchema; starting vtgate and VTOrc');
    const [vtgateNode, vtorcNode] = await Promise.all([
      this.startNode({ component: 'vtgate', alias: 'vtgate', image: images.control, command: ['/vt/config/vtgate.sh'], env: { ...controlEnv, EXTRA_FLAGS: extra(flags.vtgate) }, ports: [PORTS.vtgateMysql, PORTS.vtgateHttp] }),
      this.startNode({ component: 'vtorc', alias: 'vtorc', image: images.control, command: ['/vt/config/vtorc.sh'], env: { ...controlEnv, EXTRA_FLAGS: extra(flags.vtorc) }, ports: [PORTS.vtorcHttp] }),
      this.applySchemas(),
    ]);
    this.vtgateNode = vtgateNode;
    this.vtorcNode = vtorcNode;
    // Getters: a node started again may be published on new host ports.
    this.vtgate = {
      host: '127.0.0.1',
      get port() {
        return vtgateNode.hostPort(PORTS.vtgateMysql);
      },
      get debugUrl() {
        return `http://127.0.0.1:${vtgateNode.hostPort(PORTS.vtgateHttp)}`;
      },
      node: vtgateNode,
    };
    this.vtorc = {
      get debugUrl() {
        return `http://127.0.0.1:${vtorcNode.hostPort(PORTS.vtorcHttp)}`;
      },
      node: vtorcNode,
    };

    stage('waiting for serving tablets, replication, routing and VTOrc');
    await Promise.all([this.waitServing(), this.waitReplicating(), this.waitRouting(), this.waitVtorc()]);
    this.bringUpSeconds = (Date.now() - t0) / 1000;
    stage(`ready in ${this.bringUpSeconds.toFixed(1)} s`);
  }

  /** Starts every tablet's node, at most `tabletStartConcurrency` mysqld starting at a time. */
  private async startTablets(images: ImageSet, env: Record<string, string>): Promise<void> {
    const plans = planTablets(this.topology);
    const limit = Math.max(1, Math.min(this.options.tabletStartConcurrency ?? plans.length, plans.length));
    const started: VitessTablet[] = [];
    let next = 0;
    const slots = await Promise.allSettled(
      Array.from({ length: limit }, async () => {
        while (next < plans.length) {
          const plan = plans[next++];
          const node = await this.startNode({
            component: 'tablet',
            alias: plan.hostname,
            image: images.tablet,
            env: { ...env, TABLET_UID: String(plan.uid), KEYSPACE: plan.keyspace, SHARD: plan.shard },
            selfAddressEnv: 'TABLET_HOSTNAME',
            ports: [PORTS.tabletHttp, PORTS.mysql],
            tablet: plan,
          });
          const tablet = new VitessTablet(plan, node, this);
          started.push(tablet);
          if (limit < plans.length) await this.waitMysqldUp(tablet);
        }
      }),
    );
    this.tablets = plans.map((p) => started.find((t) => t.uid === p.uid)).filter((t): t is VitessTablet => t !== undefined);
    const failed = slots.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The tablet's mysqld answers SQL (a start slot is then free). */
  private waitMysqldUp(t: VitessTablet): Promise<void> {
    return waitFor({
      what: `mysqld of ${t.alias} answering`,
      subject: t.alias,
      timeoutMs: this.timeout(),
      check: async () => {
        const conn = await t.mysql();
        await conn.end();
        return { ready: true, status: 'answers' };
      },
      dead: () => t.node.exitReason(),
    });
  }

  /**
   * vttablet answers HTTP and its mysqld answers SQL. A node that exits on the way (a
   * transient failure: a start that lost a race, a slow machine) is started again, its log kept,
   * up to `bringUpRetries` times; only one that keeps failing fails the cluster.
   */
  private async waitTabletUp(t: VitessTablet): Promise<void> {
    const retries = this.options.bringUpRetries ?? 2;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await waitFor({
          what: `tablet ${t.alias} (${t.keyspace}/${t.shard}) starting`,
          subject: t.alias,
          timeoutMs: this.timeout(),
          check: async () => {
            const http = await fetch(`${t.debugUrl}/debug/status`).then((r) => r.ok, () => false);
            if (!http) return { ready: false, status: 'vttablet HTTP not answering' };
            const conn = await t.mysql().catch((e: Error) => e);
            if (conn instanceof Error) return { ready: false, status: `mysqld not answering: ${conn.message}` };
            await conn.end();
            const topo = await this.vtctld.json<TopoTablet>(['GetTablet', t.alias]);
            return { ready: (topo.mysql_port ?? 0) > 0, status: `registered, mysql port in topology ${topo.mysql_port ?? 0}` };
          },
          dead: () => t.node.exitReason(),
        });
        return;
      } catch (e) {
        const exited = await t.node.exitReason();
        const err = e as ReadinessError;
        if (!exited || attempt > retries) {
          err.message += ` (${attempt} start${attempt > 1 ? 's' : ''} over ${((Date.now() - started) / 1000).toFixed(1)} s)`;
          throw err;
        }
        const kept = await this.keepLog(t.node, `start-${attempt}`);
        this.progress(`[cluster ${this.runId}] ${t.alias}: ${exited} during bring-up; starting it again (${attempt + 1} of ${retries + 1}); its log: ${kept}`);
        await t.node.start();
      }
    }
  }

  /** One node's log so far, kept under the run's logs folder as `<alias>[.<suffix>].log` (a suffix: e.g. a failed start). */
  private async keepLog(node: TargetNode, suffix?: string): Promise<string> {
    const dir = join(runDir(this.runId), 'logs');
    await fs.mkdir(dir, { recursive: true });
    const file = join(dir, `${node.name.replace(`vc-${this.runId}-`, '')}${suffix ? `.${suffix}` : ''}.log`);
    await fs.writeFile(file, await node.logs().catch((e: Error) => `(no logs: ${e.message})`));
    return file;
  }

  private async applySchemas(): Promise<void> {
    for (const ks of this.topology.keyspaces) {
      if (ks.schema.length > 0) await this.vtctld.run(['ApplySchema', '--sql', ks.schema.join(';\n'), ks.name]);
      await this.vtctld.run(['ApplyVSchema', '--vschema', JSON.stringify(ks.vschema), ks.name]);
    }
  }

  /** vtgate's own health check sees every tablet SERVING, in the role it was given. */
  private waitServing(): Promise<void> {
    return waitFor({
      what: 'every tablet serving through vtgate',
      subject: 'vtgate',
      timeoutMs: this.timeout(),
      check: async () => {
        const [rows] = await this.probePool().query<mysql.RowDataPacket[]>('SHOW VITESS_TABLETS');
        const seen = new Map(rows.map((r) => [r.Alias as string, `${r.TabletType}/${r.State}`]));
        const missing = this.tablets.filter((t) => seen.get(t.alias) !== `${t.initialPrimary ? 'PRIMARY' : 'REPLICA'}/SERVING`);
        return {
          ready: missing.length === 0,
          status: missing.length ? `not serving yet: ${missing.map((t) => `${t.alias}=${seen.get(t.alias) ?? 'unseen'}`).join(', ')}` : 'all serving',
        };
      },
      dead: () => this.vtgateNode.exitReason(),
    });
  }

  /** Every replica's IO and SQL threads run, read directly on its mysqld. */
  private waitReplicating(): Promise<void> {
    return Promise.all(
      this.tablets
        .filter((t) => !t.initialPrimary)
        .map((t) =>
          waitFor({
            what: `replication on ${t.alias}`,
            subject: t.alias,
            timeoutMs: this.timeout(),
            check: async () => {
              const r = await replicaThreads(t);
              return { ready: r.running, status: r.status };
            },
            dead: () => t.node.exitReason(),
          }),
        ),
    ).then(() => undefined);
  }

  /** vtgate serves each keyspace's VSchema and answers a query on each of its tables. */
  private waitRouting(): Promise<void> {
    return waitFor({
      what: 'vtgate routing every keyspace',
      subject: 'vtgate',
      timeoutMs: this.timeout(),
      check: async () => {
        const served = await servedVSchema(this);
        const pool = this.probePool();
        for (const ks of this.topology.keyspaces) {
          const want = Object.keys(ks.vschema.tables ?? {});
          const have = served.keyspaces?.[ks.name];
          if (!have) return { ready: false, status: `keyspace ${ks.name} not in vtgate's VSchema` };
          const absent = want.filter((t) => !have.tables?.[t]);
          if (absent.length) return { ready: false, status: `${ks.name}: tables ${absent.join(', ')} not routed yet` };
          const regular = want.filter((t) => ks.vschema.tables?.[t]?.type !== 'sequence');
          for (const table of regular) await pool.query(`SELECT 1 FROM \`${ks.name}\`.\`${table}\` LIMIT 1`);
          // A keyspace without tables: target it as the connection's database (dual is not routable in a sharded one).
          if (regular.length === 0) {
            const conn = await mysql.createConnection({ host: this.vtgate.host, port: this.vtgate.port, user: 'app', database: ks.name, connectTimeout: 5000 });
            await conn.query('SELECT 1').finally(() => conn.end());
          }
        }
        return { ready: true, status: 'routed' };
      },
      dead: () => this.vtgateNode.exitReason(),
    });
  }

  private waitVtorc(): Promise<void> {
    return waitFor({
      what: 'VTOrc healthy',
      subject: 'vtorc',
      timeoutMs: this.timeout(),
      check: async () => {
        const r = await fetch(`${this.vtorc.debugUrl}/debug/health`);
        return { ready: r.ok, status: `HTTP ${r.status}` };
      },
      dead: () => this.vtorcNode.exitReason(),
    });
  }

  private probePool(): Pool {
    this.checkPool ??= this.vtgatePool({ connectionLimit: 2 });
    return this.checkPool;
  }


  /** The last lines of one node's log (by tablet alias or component name), for error messages. */
  async logTail(subject: string, lines = 2): Promise<string> {
    const tablet = this.tablets.find((t) => t.alias === subject);
    const node = tablet?.node ?? this.nodes.find((n) => n.name === `vc-${this.runId}-${subject}`);
    const text = node ? await node.logs().catch(() => '') : '';
    return text.trimEnd().split('\n').filter((l) => l.trim()).slice(-lines).map((l) => `  ${l}`).join('\n');
  }

  async saveLogs(): Promise<string> {
    const dir = join(runDir(this.runId), 'logs');
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(
      this.nodes.map(async (n) => {
        const alias = n.name.replace(`vc-${this.runId}-`, '');
        await this.keepLog(n);
        const tablet = this.tablets.find((t) => t.node === n);
        if (tablet && (await n.running())) {
          // mysqld's own log and mysqlctld's stay inside the tablet's node.
          const dataDir = `/vt/vtdataroot/vt_${String(tablet.uid).padStart(10, '0')}`;
          const r = await n.exec(['sh', '-c', `cat /vt/vtdataroot/mysqlctld.log; echo '--- mysqld error log'; cat ${dataDir}/error.log`]).catch(() => undefined);
          if (r) await fs.writeFile(join(dir, `${alias}.mysqld.log`), r.output);
        }
      }),
    );
    return dir;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.removeListener('SIGINT', this.onSignal);
      process.removeListener('SIGTERM', this.onSignal);
      await this.closePools();
      await this.removeRun();
    })();
    return this.stopping;
  }
}

