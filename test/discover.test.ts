import type { V1Pod } from '@kubernetes/client-node';
import { describeFound, discover, parseTabletTypes } from '../harness/cluster/k8s/discover';

function pod(name: string, labels: Record<string, string>, ready = true): V1Pod {
  return {
    metadata: { name, namespace: 'prod', labels },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const tablet = (name: string, keyspace: string, shard: string, uid: string, ready = true) =>
  pod(name, { 'planetscale.com/component': 'vttablet', 'planetscale.com/keyspace': keyspace, 'planetscale.com/shard': shard, 'planetscale.com/cell': 'uscentral1a', 'planetscale.com/tablet-uid': uid }, ready);

describe('discovery by the operator labels', () => {
  const pods = [
    pod('example-zone1-vtgate-1', { 'planetscale.com/component': 'vtgate', 'planetscale.com/cell': 'uscentral1a' }),
    pod('example-vtctld-1', { 'planetscale.com/component': 'vtctld' }),
    pod('example-etcd-1', { 'planetscale.com/component': 'etcd' }),
    tablet('example-vttablet-b', 'customer', '80-x', '2', false),
    tablet('example-vttablet-a', 'customer', 'x-80', '1'),
    tablet('example-vttablet-c', 'customer', 'x-80', '3'),
    tablet('example-vttablet-d', 'commerce', '0', '4'),
    pod('example-backup', { 'planetscale.com/component': 'vtbackup' }),
  ];

  test('tablets grouped by keyspace and shard (the shard label read back: x-80 is -80), the rest by component', () => {
    const c = discover('prod', pods);
    expect(Object.keys(c.keyspaces).sort()).toEqual(['commerce', 'customer']);
    expect(Object.keys(c.keyspaces.customer).sort()).toEqual(['-80', '80-']);
    expect(c.keyspaces.customer['-80'].map((t) => t.name).sort()).toEqual(['example-vttablet-a', 'example-vttablet-c']);
    expect(c.keyspaces.customer['80-'][0].ready).toBe(false);
    expect([c.vtgates.length, c.vtctlds.length, c.etcd.length, c.vtorcs.length, c.other.length]).toEqual([1, 1, 1, 0, 1]);
  });

  test('printed with tablet aliases in uid order; a namespace without Vitess says so', () => {
    const text = describeFound(discover('prod', pods));
    expect(text).toContain('keyspace customer: 2 shard(s)');
    expect(text).toContain('-80: uscentral1a-0000000001 example-vttablet-a (Running, ready); uscentral1a-0000000003 example-vttablet-c (Running, ready)');
    expect(text).toContain('80-: uscentral1a-0000000002 example-vttablet-b (Running)');
    expect(text).toContain('vtorc: none');
    // With vtctld's GetTablets lines, each tablet shows its type.
    const types = parseTabletTypes('uscentral1a-0000000001 customer -80 primary 10.0.0.1:15000 10.0.0.1:3306 [] 2026-12-05T05:00:00Z\nuscentral1a-0000000003 customer -80 replica 10.0.0.3:15000 10.0.0.3:3306 [] <null>\n');
    expect(types).toEqual({ 'uscentral1a-0000000001': 'primary', 'uscentral1a-0000000003': 'replica' });
    expect(describeFound(discover('prod', pods), types)).toContain('-80: uscentral1a-0000000001 primary example-vttablet-a (Running, ready); uscentral1a-0000000003 replica example-vttablet-c');
    expect(describeFound(discover('empty', [pod('web', { app: 'web' })]))).toMatch(/^namespace empty: no Vitess pods found/);
  });
});
