import { operatorLabels, shardFromLabel, shardLabel } from '../harness/cluster/k8s/operator-labels';

describe("the vitess-operator's pod labels", () => {
  test('shards open at an end get an x there (a label value cannot start or end with "-"), and read back', () => {
    expect(['-80', '80-', '0', '40-80', '-'].map(shardLabel)).toEqual(['x-80', '80-x', '0', '40-80', 'x-x']);
    for (const s of ['-80', '80-', '0', '40-80']) expect(shardFromLabel(shardLabel(s))).toBe(s);
  });

  test('a tablet carries its cell, keyspace, shard, type and uid; etcd only its component', () => {
    const tablet = { uid: 300, alias: 'zone1-0000000300', keyspace: 'customer', shard: '-80', hostname: 'tablet-300', initialPrimary: true };
    expect(operatorLabels('zone1', 'tablet', tablet)).toEqual({
      'planetscale.com/component': 'vttablet',
      'planetscale.com/cell': 'zone1',
      'planetscale.com/keyspace': 'customer',
      'planetscale.com/shard': 'x-80',
      'planetscale.com/tablet-type': 'replica',
      'planetscale.com/tablet-uid': '300',
    });
    expect(operatorLabels('zone1', 'etcd')).toEqual({ 'planetscale.com/component': 'etcd' });
    expect(operatorLabels('zone1', 'vtgate')).toEqual({ 'planetscale.com/component': 'vtgate', 'planetscale.com/cell': 'zone1' });
  });
});
