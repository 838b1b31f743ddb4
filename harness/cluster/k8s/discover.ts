// Finds a Vitess cluster among a namespace's pods by the vitess-operator's labels: what
// `vitess-chaos inspect` prints of a user's cluster (read-only), and of the harness's own.
import type { V1Pod } from '@kubernetes/client-node';
import { execInPod, type Kube } from './kube';
import { OPERATOR_LABEL, shardFromLabel } from './operator-labels';

export interface FoundPod {
  name: string;
  phase: string;
  ready: boolean;
  ip?: string;
}

export interface FoundTablet extends FoundPod {
  cell: string;
  uid: string;
}

export interface FoundCluster {
  namespace: string;
  vtgates: FoundPod[];
  vtctlds: FoundPod[];
  vtorcs: FoundPod[];
  etcd: FoundPod[];
  /** keyspace -> shard -> tablets */
  keyspaces: Record<string, Record<string, FoundTablet[]>>;
  /** Pods with the component label that are none of the above (e.g. backups). */
  other: FoundPod[];
}

function found(p: V1Pod): FoundPod {
  return {
    name: p.metadata?.name ?? '?',
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    ...(p.status?.podIP ? { ip: p.status.podIP } : {}),
  };
}

export function discover(namespace: string, pods: V1Pod[]): FoundCluster {
  const c: FoundCluster = { namespace, vtgates: [], vtctlds: [], vtorcs: [], etcd: [], keyspaces: {}, other: [] };
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    const component = labels[OPERATOR_LABEL.component];
    if (component === 'vttablet') {
      const keyspace = labels[OPERATOR_LABEL.keyspace] ?? '?';
      const shard = shardFromLabel(labels[OPERATOR_LABEL.shard] ?? '?');
      const shards = (c.keyspaces[keyspace] ??= {});
      (shards[shard] ??= []).push({ ...found(p), cell: labels[OPERATOR_LABEL.cell] ?? '?', uid: labels[OPERATOR_LABEL.tabletUid] ?? '?' });
    } else if (component === 'vtgate') c.vtgates.push(found(p));
    else if (component === 'vtctld') c.vtctlds.push(found(p));
    else if (component === 'vtorc') c.vtorcs.push(found(p));
    else if (component === 'etcd') c.etcd.push(found(p));
    else if (component) c.other.push(found(p));
  }
  return c;
}

/** Tablet alias -> type, from `vtctldclient GetTablets`'s lines ("zone1-0000000100 commerce 0 primary host:port ..."). */
export function parseTabletTypes(getTablets: string): Record<string, string> {
  const types: Record<string, string> = {};
  for (const line of getTablets.split('\n')) {
    const [alias, , , type] = line.trim().split(/\s+/);
    if (alias && type && /^[a-z0-9]+-\d+$/.test(alias)) types[alias] = type;
  }
  return types;
}

/** Each tablet's type as the topology has it, asked of a ready vtctld pod (a read: GetTablets); empty when there is none or it fails. */
export async function tabletTypes(kube: Kube, c: FoundCluster, pods: V1Pod[]): Promise<Record<string, string>> {
  const vtctld = c.vtctlds.find((p) => p.ready);
  const pod = pods.find((p) => p.metadata?.name === vtctld?.name);
  if (!pod) return {};
  const container = pod.spec?.containers[0]?.name ?? 'vtctld';
  const r = await execInPod(kube, c.namespace, pod.metadata!.name!, container, ['vtctldclient', '--server', 'localhost:15999', 'GetTablets'], 30_000).catch(() => undefined);
  return r?.exitCode === 0 ? parseTabletTypes(r.stdout) : {};
}

const aliasOf = (t: FoundTablet) => `${t.cell}-${t.uid.padStart(10, '0')}`;

/** What was found, as lines for a terminal (with each tablet's type when known); says plainly when there is no Vitess at all. */
export function describeFound(c: FoundCluster, types: Record<string, string> = {}): string {
  const pods = (list: FoundPod[]) => (list.length ? list.map((p) => `${p.name} (${p.phase}${p.ready ? ', ready' : ''})`).join(', ') : 'none');
  const tabletCount = Object.values(c.keyspaces).flatMap((s) => Object.values(s)).flat().length;
  if (!tabletCount && !c.vtgates.length && !c.vtctlds.length) {
    return `namespace ${c.namespace}: no Vitess pods found (no pod carries the ${OPERATOR_LABEL.component} label of a vttablet, vtgate or vtctld)`;
  }
  const lines = [`namespace ${c.namespace}:`, `  vtgate: ${pods(c.vtgates)}`, `  vtctld: ${pods(c.vtctlds)}`, `  vtorc: ${pods(c.vtorcs)}`, `  etcd: ${pods(c.etcd)}`];
  for (const ks of Object.keys(c.keyspaces).sort()) {
    const shards = c.keyspaces[ks];
    lines.push(`  keyspace ${ks}: ${Object.keys(shards).length} shard(s)`);
    for (const shard of Object.keys(shards).sort()) {
      const tablets = shards[shard].sort((a, b) => Number(a.uid) - Number(b.uid));
      lines.push(`    ${shard}: ${tablets.map((t) => `${aliasOf(t)}${types[aliasOf(t)] ? ` ${types[aliasOf(t)]}` : ''} ${t.name} (${t.phase}${t.ready ? ', ready' : ''})`).join('; ')}`);
    }
  }
  if (c.other.length) lines.push(`  other: ${pods(c.other)}`);
  return lines.join('\n');
}
