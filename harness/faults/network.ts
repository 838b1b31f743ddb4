// Network faults: one node cut off (a partition) or losing packets, from the rest of the
// cluster or from everything, on every port or on some. Rules are iptables rules in the node's
// own network namespace, in a chain of their own, so healing is dropping that chain.
// Latency is not offered: it needs the kernel's netem queueing discipline, which the kernels
// of the machines this was built on do not have (tc answers "Specified qdisc kind is unknown").
import type { ClusterNode } from '../cluster/cluster';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';

export interface NetworkTarget {
  node: ClusterNode;
  alias?: string;
}

export type NetworkEffect = { kind: 'partition' } | { kind: 'loss'; percent: number };

export interface NetworkFaultOptions {
  /** Names the fault: `partition-<label>` or `loss-<label>`. */
  label: string;
  /** What is cut off: a node, with the tablet's alias when it is one (stamped on the fault's event). */
  pick: (ctx: FaultContext) => NetworkTarget | Promise<NetworkTarget>;
  /**
   * 'cluster': every other node of the cluster, while the host (the apps and the harness, which
   * reach nodes through published ports) still gets through, as clients on another network
   * segment would; 'everything': the host too.
   */
  from: 'cluster' | 'everything';
  /** Only TCP traffic to or from these ports (e.g. 3306: replication cut, vttablet's gRPC left open). */
  ports?: number[];
  effect: NetworkEffect;
}

/** The chain every rule goes in; its name marks the rules as this harness's. */
export const CHAIN = 'VITESS_CHAOS';

/** Validates options before anything is touched: bad input leaves the cluster as it was. */
export function checkNetworkOptions(o: Pick<NetworkFaultOptions, 'ports' | 'effect'>): void {
  for (const p of o.ports ?? []) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`network fault: port ${p} is not a TCP port (1-65535)`);
  }
  if (o.ports && o.ports.length === 0) throw new Error('network fault: an empty port list would affect nothing; leave ports out to affect every port');
  if (o.effect.kind === 'loss' && !(o.effect.percent > 0 && o.effect.percent <= 100)) throw new Error(`network fault: loss of ${o.effect.percent} % is not in (0, 100]`);
}

/**
 * The host's address as the node sees it: its default gateway, read from the kernel's route
 * table of the node's namespace (/proc/net/route: hex, least significant byte first), so no
 * network tool is needed beyond iptables.
 */
export function parseGateway(routeTable: string): string {
  for (const line of routeTable.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || !/^[0-9A-Fa-f]{8}$/.test(gateway) || gateway === '00000000') continue;
    const bytes = gateway.match(/../g)!.map((h) => parseInt(h, 16));
    return bytes.reverse().join('.');
  }
  throw new Error(`no IPv4 default route in the node's namespace: ${routeTable.trim().split('\n').slice(1).join('; ') || '(none)'}`);
}

/** The iptables commands (arguments after `iptables -w`) that inject the fault, in order. */
export function injectRules(o: Pick<NetworkFaultOptions, 'from' | 'ports' | 'effect'>, gateway?: string): string[][] {
  const act = o.effect.kind === 'partition' ? ['-j', 'DROP'] : ['-m', 'statistic', '--mode', 'random', '--probability', String(o.effect.percent / 100), '-j', 'DROP'];
  const rules: string[][] = [['-N', CHAIN]];
  // The node's own loopback (vttablet to its mysqld) is never touched.
  rules.push(['-A', CHAIN, '-i', 'lo', '-j', 'RETURN'], ['-A', CHAIN, '-o', 'lo', '-j', 'RETURN']);
  if (o.from === 'cluster') {
    if (!gateway) throw new Error('a partition from the cluster alone needs the host\'s address (the gateway)');
    rules.push(['-A', CHAIN, '-s', gateway, '-j', 'RETURN'], ['-A', CHAIN, '-d', gateway, '-j', 'RETURN']);
  }
  if (o.ports) {
    // Both directions, whether the node is the client or the server on the port.
    for (const p of o.ports) rules.push(['-A', CHAIN, '-p', 'tcp', '--dport', String(p), ...act], ['-A', CHAIN, '-p', 'tcp', '--sport', String(p), ...act]);
  } else {
    rules.push(['-A', CHAIN, ...act]);
  }
  // Hooked in last: the chain is complete before any packet goes through it.
  rules.push(['-I', 'INPUT', '1', '-j', CHAIN], ['-I', 'OUTPUT', '1', '-j', CHAIN]);
  return rules;
}

/** Removes the hooks and the chain; each step may fail harmlessly when already gone. */
export const HEAL_RULES: string[][] = [
  ['-D', 'INPUT', '-j', CHAIN],
  ['-D', 'OUTPUT', '-j', CHAIN],
  ['-F', CHAIN],
  ['-X', CHAIN],
];

export class NetworkFault implements Fault {
  readonly name: string;
  readonly description: string;
  /** The node the rules went into, once they did. */
  private applied?: ClusterNode;

  constructor(private readonly o: NetworkFaultOptions) {
    checkNetworkOptions(o);
    const what = o.effect.kind === 'partition' ? 'partitioned' : `losing ${o.effect.percent} % of its packets`;
    const whom = o.from === 'cluster' ? 'from every other node of the cluster (the host still reaches it)' : 'from everything, the host included';
    this.name = `${o.effect.kind}-${o.label}`;
    this.description = `${o.label} ${what} ${whom}${o.ports ? `, TCP ports ${o.ports.join(', ')} only` : ''}`;
  }

  async inject(ctx: FaultContext): Promise<void> {
    const target = await this.o.pick(ctx);
    const node = target.node;
    const gateway = this.o.from === 'cluster' ? parseGateway((await node.execInNetwork(['cat', '/proc/net/route'])).output) : undefined;
    const rules = injectRules(this.o, gateway);
    // Rules a failed heal left would make -N fail: cleared first (the node is this run's own).
    await this.clear(node);
    issued(ctx, this.name, { node: node.name, ...(target.alias ? { tablet: target.alias } : {}), from: this.o.from, ...(this.o.ports ? { ports: this.o.ports } : {}), effect: this.o.effect.kind });
    this.applied = node;
    for (const r of rules) {
      const out = await node.execInNetwork(['iptables', '-w', ...r]);
      if (out.exitCode !== 0) throw new Error(`fault ${this.name}: iptables ${r.join(' ')} failed in ${node.name}'s network namespace: ${out.output.trim()}`);
    }
    observedEffect(ctx, this.name, 'rules in place', { node: node.name, rules: rules.length });
  }

  async heal(ctx: FaultContext): Promise<void> {
    const node = this.applied;
    if (!node) return;
    this.applied = undefined;
    // A node that stopped has lost its namespace, and the rules with it.
    if (!(await node.running())) return;
    await this.clear(node);
    // Each removal may fail harmlessly on its own; what must hold is that none of the rules is left.
    const left = await node.execInNetwork(['iptables', '-w', '-S']);
    if (left.exitCode !== 0 || left.output.includes(CHAIN)) throw new Error(`fault ${this.name}: the rules are still in ${node.name}'s network namespace after the heal: ${left.output.trim().slice(0, 400)}`);
    ctx.timeline.event('remediation', this.name, { node: node.name, action: 'rules removed' });
  }

  private async clear(node: ClusterNode): Promise<void> {
    for (const r of HEAL_RULES) await node.execInNetwork(['iptables', '-w', ...r]);
  }
}
