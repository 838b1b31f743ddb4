import type { V1Pod } from '@kubernetes/client-node';
import { FaultRefusedError } from '../harness/cluster/cluster';
import { defaultTopology } from '../harness/cluster/default-topology';
import { AttachedNode, recreatable } from '../harness/cluster/k8s/attach/attached-node';
import { podPort, topologyGaps } from '../harness/cluster/k8s/attach/attached-cluster';
import { discover } from '../harness/cluster/k8s/discover';
import type { Kube } from '../harness/cluster/k8s/kube';
import { resolveSettings } from '../harness/settings';

describe('attach settings', () => {
  // An environment of its own (not the process's): no VITESS_CHAOS_* leaks in.
  const base = (e: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...e });

  test('a namespace attaches (target k8s only); faults refused unless allowed; the selector kept', () => {
    expect(resolveSettings({ target: 'k8s', namespace: 'prod' }, base()).attach).toEqual({ namespace: 'prod', allowFaults: false });
    expect(resolveSettings({ target: 'k8s', namespace: 'prod', allowFaults: true, selector: 'app=x' }, base()).attach).toEqual({ namespace: 'prod', allowFaults: true, selector: 'app=x' });
    expect(resolveSettings({}, base({ VITESS_CHAOS_TARGET: 'k8s', VITESS_CHAOS_NAMESPACE: 'prod', VITESS_CHAOS_ALLOW_FAULTS: '1' })).attach?.allowFaults).toBe(true);
    expect(resolveSettings({ target: 'k8s' }, base()).attach).toBeUndefined();
  });

  test('mistakes are named before anything runs', () => {
    expect(() => resolveSettings({ namespace: 'prod' }, base())).toThrow(/is for the k8s target; the target is docker/);
    expect(() => resolveSettings({ target: 'k8s', allowFaults: true }, base())).toThrow(/name its namespace too/);
    expect(() => resolveSettings({ target: 'k8s', selector: 'a=b' }, base())).toThrow(/a selector is for a cluster the harness attaches to/);
    expect(() => resolveSettings({ target: 'k8s', namespace: 'Prod_1' }, base())).toThrow(/not a Kubernetes namespace name/);
    expect(() => resolveSettings({}, base({ VITESS_CHAOS_TARGET: 'k8s', VITESS_CHAOS_NAMESPACE: 'p', VITESS_CHAOS_ALLOW_FAULTS: 'maybe' }))).toThrow(/"maybe": use true or false/);
  });
});

function pod(name: string, labels: Record<string, string>, extra: Partial<V1Pod> = {}, ready = true): V1Pod {
  return {
    metadata: { name, namespace: 'prod', labels, uid: `uid-${name}`, resourceVersion: '42', creationTimestamp: new Date(0) },
    spec: { containers: [{ name: 'main', image: 'x' }] },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    ...extra,
  };
}
const C = 'planetscale.com/component';
const tablet = (name: string, keyspace: string, shard: string, uid: number, ready = true) =>
  pod(name, { [C]: 'vttablet', 'planetscale.com/keyspace': keyspace, 'planetscale.com/shard': shard, 'planetscale.com/cell': 'zone1', 'planetscale.com/tablet-uid': String(uid) }, {}, ready);

describe('what an attach needs of the cluster', () => {
  const control = [pod('vtgate-1', { [C]: 'vtgate' }), pod('vtctld-1', { [C]: 'vtctld' }), pod('vtorc-1', { [C]: 'vtorc' }), pod('etcd-1', { [C]: 'etcd' })];
  // The default topology: commerce/0 and customer/-80, 80- with a primary and two replicas each.
  const full = [
    ...['0'].flatMap((s, i) => [0, 1, 2].map((j) => tablet(`commerce-${j}`, 'commerce', s, 100 * (i + 1) + j))),
    ...['x-80', '80-x'].flatMap((s, i) => [0, 1, 2].map((j) => tablet(`customer-${s}-${j}`, 'customer', s, 200 + 100 * i + j))),
  ];

  test('a cluster shaped like the topology has no gaps', () => {
    expect(topologyGaps(discover('prod', [...control, ...full]), defaultTopology())).toEqual([]);
  });

  test('every gap is named at once: a missing component, a keyspace, a short shard, a tablet not ready', () => {
    const pods = [...control.filter((p) => p.metadata!.name !== 'vtorc-1'), ...full.filter((p) => !p.metadata!.name!.startsWith('commerce') && p.metadata!.name !== 'customer-80-x-2')];
    pods[pods.length - 1] = tablet('customer-80-x-1', 'customer', '80-x', 301, false);
    const gaps = topologyGaps(discover('prod', pods), defaultTopology());
    expect(gaps).toEqual([
      'no ready VTOrc pod (experiments read its failovers)',
      'no tablets of keyspace commerce',
      'customer/80-: 2 tablet(s), the experiment needs 3',
      "customer/80-: not ready: customer-80-x-1 (faults on a degraded shard would measure its damage, not theirs)",
    ]);
  });

  test("ports by the operator's names, in the container asked for; the operator's numbers when unnamed", () => {
    const p = pod('t', {}, { spec: { containers: [{ name: 'vttablet', image: 'x', ports: [{ name: 'web', containerPort: 15100 }] }, { name: 'mysqld', image: 'y', ports: [{ name: 'mysql', containerPort: 3307 }] }] } });
    expect(podPort(p, 'web', 'vttablet')).toBe(15100);
    expect(podPort(p, 'mysql')).toBe(3307);
    expect(podPort(p, 'web', 'mysqld')).toBe(15000);
    expect(podPort(pod('u', {}), 'mysql')).toBe(3306);
  });

  test('a pod is created again from its spec, without what the API filled in', () => {
    const p = pod('t', { a: 'b' });
    const again = recreatable(p);
    expect(again).toEqual({ metadata: { name: 't', namespace: 'prod', labels: { a: 'b' }, annotations: undefined }, spec: p.spec });
  });
});

describe('an attached node without --allow-faults', () => {
  // No API is reached: the consent check comes first (an empty Kube would throw on any call).
  const node = new AttachedNode({} as Kube, pod('vttablet-1', {}), false);

  test('refuses every fault, saying how to allow it', async () => {
    for (const act of [() => node.kill(), () => node.start(), () => node.pause(), () => node.limitCpu(0.5), () => node.limitMemory(1 << 30), () => node.execInNetwork(), () => node.markForReprovision()]) {
      await expect(act()).rejects.toThrow(FaultRefusedError);
      await expect(act()).rejects.toThrow(/--allow-faults/);
    }
  });

  test('heals of faults that never took are no-ops', async () => {
    await expect(node.unpause()).resolves.toBeUndefined();
    await expect(node.limitCpu(undefined)).resolves.toBeUndefined();
    await expect(node.limitMemory(undefined)).resolves.toBeUndefined();
  });

  test('with consent, verbs that need the node runtime are still refused, with the reason', async () => {
    const allowed = new AttachedNode({} as Kube, pod('vttablet-1', {}), true);
    await expect(allowed.pause()).rejects.toThrow(/node's container runtime/);
    await expect(allowed.kill('SIGSTOP')).rejects.toThrow(/node's container runtime/);
    await expect(allowed.limitMemory(1 << 30)).rejects.toThrow(/node's container runtime/);
  });
});
