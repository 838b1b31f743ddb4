// A Vitess the harness did not start, on a user's Kubernetes (operator-managed, or the
// harness's own run seen from outside): found in one namespace by the vitess-operator's
// labels, reached through port-forwards on 127.0.0.1, checked against the topology the
// experiment needs, and left as it was found when the run ends (nothing of it is deleted).
import { join } from 'node:path';
import { promises as fs } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import type { V1Pod } from '@kubernetes/client-node';
import type { Cluster, ClusterNode, TabletHandle, TabletRole } from '../../cluster';
import { newRunId } from '../../labels';
import { tabletAlias, type Topology } from '../../topology';
import { parseVitessVersion, type VitessVersion } from '../../versions';
import { ExecVtctldClient, primaryAlias, tabletRole } from '../../vtctld-client';
import { TABLET_MYSQL_USER, tabletConnection } from '../../pool';
import { servedVSchema } from '../../vschema';
import { runDir } from '../../../paths';
import type { Attach, Settings } from '../../../settings';
import { BaseCluster } from '../../base-cluster';
import { AttachedNode } from './attached-node';
import { discover, type FoundCluster, type FoundPod } from '../discover';
import { apiWords, type Kube, KubeError } from '../kube';
import { OPERATOR_LABEL } from '../operator-labels';
import { PortForwards } from './port-forward';

/** The ports an operator's pods name (the harness's own pods name theirs the same), and the operator's numbers when unnamed. */
const PORT_NAMES = { web: 15000, mysql: 3306 } as const;

export class AttachError extends Error {
  override name = 'AttachError';
}

export interface AttachOptions {
  kube: Kube;
  attach: Attach;
  settings: Settings;
  /** What the experiment needs of the cluster: its keyspaces, shards and tables must be there. */
  topology: Topology;
  runId?: string;
  progress?: (line: string) => void;
}

/** A pod's port by the name the operator gives it (any container), else the operator's number for it. */
export function podPort(pod: V1Pod, name: keyof typeof PORT_NAMES, container?: string): number {
  const containers = pod.spec?.containers.filter((c) => !container || c.name === container) ?? [];
  return containers.flatMap((c) => c.ports ?? []).find((p) => p.name === name)?.containerPort ?? PORT_NAMES[name];
}

/** What the found cluster lacks for this topology: every problem, so one attach says all of it. */
export function topologyGaps(found: FoundCluster, topology: Topology): string[] {
  const gaps: string[] = [];
  if (!found.vtgates.some((p) => p.ready)) gaps.push('no ready vtgate pod');
  if (!found.vtctlds.some((p) => p.ready)) gaps.push('no ready vtctld pod');
  if (!found.vtorcs.some((p) => p.ready)) gaps.push('no ready VTOrc pod (experiments read its failovers)');
  if (!found.etcd.length) gaps.push('no etcd pod');
  for (const ks of topology.keyspaces) {
    const shards = found.keyspaces[ks.name];
    if (!shards) {
      gaps.push(`no tablets of keyspace ${ks.name}`);
      continue;
    }
    for (const s of ks.shards) {
      const tablets = shards[s.name] ?? [];
      if (tablets.length < s.replicas + 1) gaps.push(`${ks.name}/${s.name}: ${tablets.length} tablet(s), the experiment needs ${s.replicas + 1}`);
      const unready = tablets.filter((t) => !t.ready).map((t) => t.name);
      if (unready.length) gaps.push(`${ks.name}/${s.name}: not ready: ${unready.join(', ')} (faults on a degraded shard would measure its damage, not theirs)`);
    }
  }
  return gaps;
}

class AttachedTablet implements TabletHandle {
  readonly initialPrimary: boolean;
  readonly dbName: string;

  constructor(
    readonly uid: number,
    readonly alias: string,
    readonly keyspace: string,
    readonly shard: string,
    readonly hostname: string,
    primary: boolean,
    readonly node: AttachedNode,
    private readonly ports: { web: number; mysql: number },
    private readonly vtctld: ExecVtctldClient,
  ) {
    this.initialPrimary = primary;
    this.dbName = `vt_${keyspace}`;
  }

  get debugUrl(): string {
    return `http://127.0.0.1:${this.ports.web}`;
  }

  get mysqlEndpoint(): { host: string; port: number; user: string } {
    return { host: '127.0.0.1', port: this.ports.mysql, user: TABLET_MYSQL_USER };
  }

  role(): Promise<TabletRole> {
    return tabletRole(this.vtctld, this.alias);
  }

  mysql(): Promise<Connection> {
    return tabletConnection(this.mysqlEndpoint);
  }
}

export class AttachedCluster extends BaseCluster implements Cluster {
  override vtgate!: Cluster['vtgate'];
  override vtctld!: ExecVtctldClient & { node: ClusterNode };
  vtorc!: Cluster['vtorc'];
  etcd!: { node: ClusterNode };
  override tablets: AttachedTablet[] = [];
  vitess: VitessVersion;
  /** Seconds to find the cluster and check it serves what the experiment needs (nothing was brought up). */
  bringUpSeconds = 0;
  private readonly nodes: AttachedNode[] = [];
  private readonly forwards: PortForwards;
  private stopping?: Promise<void>;
  /** Ctrl-C or a kill of the run: the cluster is left as found before the process exits. */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.say(`[cluster ${this.runId}] ${signal}: leaving namespace ${this.namespace} as it was found`);
    void this.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  private constructor(
    private readonly kube: Kube,
    readonly attached: Attach,
    override readonly runId: string,
    readonly topology: Topology,
    private readonly settings: Settings,
    private readonly say: (line: string) => void,
  ) {
    super();
    this.forwards = new PortForwards(kube);
    this.vitess = settings.vitess;
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  get database() {
    return this.settings.database;
  }

  get namespace(): string {
    return this.attached.namespace;
  }

  protected override get scope(): string {
    return `namespace ${this.namespace}`;
  }

  /** Finds the cluster, opens port-forwards, checks it has what the experiment needs; touches nothing of it. */
  static async attach(o: AttachOptions): Promise<AttachedCluster> {
    const t0 = Date.now();
    const say = o.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
    const { namespace, selector } = o.attach;
    const labelSelector = [OPERATOR_LABEL.component, selector].filter(Boolean).join(',');
    let pods: V1Pod[];
    try {
      pods = (await o.kube.core.listNamespacedPod(namespace, undefined, undefined, undefined, undefined, labelSelector)).body.items;
    } catch (e) {
      throw new AttachError(`listing the pods of namespace ${namespace} (${labelSelector}) failed: ${apiWords(e)}`);
    }
    const found = discover(namespace, pods);
    const gaps = topologyGaps(found, o.topology);
    if (gaps.length) {
      throw new AttachError(`the Vitess in namespace ${namespace} (pods matching ${labelSelector}) lacks what the experiment needs: ${gaps.join('; ')}. 'vitess-chaos inspect --namespace ${namespace}' shows what is there.`);
    }
    const cell = Object.values(found.keyspaces).flatMap((s) => Object.values(s)).flat()[0]?.cell ?? o.topology.cell;
    const cluster = new AttachedCluster(o.kube, o.attach, o.runId ?? newRunId(), { ...o.topology, cell }, o.settings, say);
    try {
      await cluster.open(found, pods);
    } catch (e) {
      await cluster.stop();
      throw e instanceof AttachError || e instanceof KubeError ? e : new AttachError(`attaching to the Vitess in namespace ${namespace} failed: ${(e as Error).message}`);
    }
    cluster.bringUpSeconds = (Date.now() - t0) / 1000;
    say(`[cluster ${cluster.runId}] attached to namespace ${namespace} in ${cluster.bringUpSeconds.toFixed(1)} s: Vitess ${cluster.vitess.release}, ${cluster.tablets.length} tablets; faults ${o.attach.allowFaults ? 'allowed (--allow-faults)' : 'refused'}`);
    return cluster;
  }

  private node(pod: V1Pod): AttachedNode {
    const n = new AttachedNode(this.kube, pod, this.attached.allowFaults);
    this.nodes.push(n);
    return n;
  }

  private async open(found: FoundCluster, pods: V1Pod[]): Promise<void> {
    const byName = new Map(pods.map((p) => [p.metadata!.name!, p]));
    const first = (list: FoundPod[]) => byName.get((list.find((p) => p.ready) ?? list[0]).name)!;
    const forward = (pod: V1Pod, name: keyof typeof PORT_NAMES, container?: string) => this.forwards.open(this.namespace, pod.metadata!.name!, podPort(pod, name, container));

    const vtctldPod = first(found.vtctlds);
    const vtctldNode = this.node(vtctldPod);
    this.vtctld = Object.assign(new ExecVtctldClient((command) => vtctldNode.run(command)), { node: vtctldNode });
    this.vitess = await this.readVersion(vtctldNode);

    const vtgatePod = first(found.vtgates);
    const [vtgateMysql, vtgateWeb] = [await forward(vtgatePod, 'mysql'), await forward(vtgatePod, 'web')];
    this.vtgate = { host: '127.0.0.1', port: vtgateMysql, debugUrl: `http://127.0.0.1:${vtgateWeb}`, node: this.node(vtgatePod) };
    const vtorcPod = first(found.vtorcs);
    this.vtorc = { debugUrl: `http://127.0.0.1:${await forward(vtorcPod, 'web')}`, node: this.node(vtorcPod) };
    this.etcd = { node: this.node(first(found.etcd)) };

    for (const ks of this.topology.keyspaces) {
      for (const s of ks.shards) {
        const primary = await primaryAlias(this.vtctld, ks.name, s.name).catch((e: Error) => {
          throw new AttachError(`${e.message}: attach to a cluster that serves`);
        });
        for (const t of found.keyspaces[ks.name][s.name]) {
          const pod = byName.get(t.name)!;
          const uid = Number(t.uid);
          // vttablet's web port is on its own container in an operator's pod; mysqld's on mysqld's.
          const vttablet = pod.spec!.containers.some((c) => c.name === 'vttablet') ? 'vttablet' : undefined;
          const ports = { web: await forward(pod, 'web', vttablet), mysql: await forward(pod, 'mysql') };
          const alias = tabletAlias(t.cell, uid);
          this.tablets.push(new AttachedTablet(uid, alias, ks.name, s.name, t.name, alias === primary, this.node(pod), ports, this.vtctld));
        }
      }
    }
    await this.checkServing();
  }

  /** The release vtctld's binary says it is; the settings' when it says nothing parseable (a build of the user's own). */
  private async readVersion(vtctld: AttachedNode): Promise<VitessVersion> {
    const r = await vtctld.run(['vtctld', '--version']).catch(() => undefined);
    const m = /Version: v?(\d+\.\d+\.\d+)/.exec(`${r?.stdout ?? ''}${r?.stderr ?? ''}`);
    if (m) return parseVitessVersion(m[1]);
    this.say(`[cluster ${this.runId}] vtctld did not say its release; reports name the settings' ${this.settings.vitess.release}`);
    return this.settings.vitess;
  }

  /** vtgate routes every table the experiment uses, and each tablet's mysqld answers the harness's user. */
  private async checkServing(): Promise<void> {
    const served = await servedVSchema(this).catch((e: Error) => {
      throw new AttachError(`vtgate's /debug/vschema through the port-forward: ${e.message}${this.forwardErrors()}`);
    });
    const missing = this.topology.keyspaces.flatMap((ks) => Object.keys(ks.vschema.tables ?? {}).filter((t) => !served.keyspaces?.[ks.name]?.tables?.[t]).map((t) => `${ks.name}.${t}`));
    if (missing.length) throw new AttachError(`vtgate does not route the tables the experiment uses: ${missing.join(', ')} (the harness applies no schema to a cluster it did not start)`);
    const pool = this.vtgatePool({ connectionLimit: 1 });
    await pool.query('SELECT 1').catch((e: Error) => {
      throw new AttachError(`vtgate refused a query through the port-forward as user app: ${e.message}${this.forwardErrors()}`);
    });
    for (const t of this.tablets) {
      const conn = await t.mysql().catch((e: Error) => {
        throw new AttachError(`mysqld of ${t.alias} (pod ${t.hostname}) refused user ${TABLET_MYSQL_USER} through the port-forward: ${e.message}${this.forwardErrors()}`);
      });
      await conn.end();
    }
  }

  private forwardErrors(): string {
    return this.forwards.errors.length ? ` (port-forward: ${this.forwards.errors.at(-1)})` : '';
  }


  async saveLogs(): Promise<string> {
    const dir = join(runDir(this.runId), 'logs');
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(this.nodes.map(async (n) => fs.writeFile(join(dir, `${n.name}.log`), await n.logs().catch((e: Error) => `(no logs: ${e.message})`))));
    return dir;
  }

  /**
   * Leaves the cluster as it was found: a pod a kill of the run deleted and no heal brought
   * back (a heal that failed, an interrupted run) is started again; then the harness's
   * connections and port-forwards close. Nothing of the user's is deleted.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.removeListener('SIGINT', this.onSignal);
      process.removeListener('SIGTERM', this.onSignal);
      for (const n of this.nodes.filter((x) => x.downByUs)) {
        this.say(`[cluster ${this.runId}] pod ${n.name} was deleted by this run and is not back: starting it again`);
        await n.start().catch((e: Error) => this.say(`[cluster ${this.runId}] could not start pod ${n.name} again: ${e.message}`));
      }
      await this.closePools();
      await this.forwards.close();
    })();
    return this.stopping;
  }
}
