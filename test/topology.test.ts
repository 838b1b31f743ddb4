import { defaultTopology, withShardedTable } from '../harness/cluster/default-topology';
import { planTablets, Topology, topologyProblems, validateTopology } from '../harness/cluster/topology';

function withCustomerShards(shards: { name: string; replicas: number }[]): Topology {
  const t = defaultTopology();
  t.keyspaces[1].shards = shards;
  return t;
}

describe('topology validation', () => {
  test('the default topology is valid and plans 8 tablets', () => {
    const t = defaultTopology();
    expect(topologyProblems(t)).toEqual([]);
    const plans = planTablets(t);
    expect(plans.map((p) => `${p.alias} ${p.keyspace}/${p.shard}${p.initialPrimary ? ' primary' : ''}`)).toEqual([
      'zone1-0000000100 commerce/0 primary',
      'zone1-0000000101 commerce/0',
      'zone1-0000000200 customer/-80 primary',
      'zone1-0000000201 customer/-80',
      'zone1-0000000202 customer/-80',
      'zone1-0000000300 customer/80- primary',
      'zone1-0000000301 customer/80-',
      'zone1-0000000302 customer/80-',
    ]);
  });

  test('no keyspaces', () => {
    expect(() => validateTopology({ cell: 'zone1', keyspaces: [] })).toThrow(/no keyspaces/);
  });

  test('a keyspace without shards', () => {
    expect(topologyProblems(withCustomerShards([]))).toEqual(['keyspace "customer" has no shards']);
  });

  test('duplicate keyspace and shard names', () => {
    const t = defaultTopology();
    t.keyspaces.push({ ...t.keyspaces[0] });
    expect(topologyProblems(t)).toContain('keyspace "commerce" is defined twice');
    expect(topologyProblems(withCustomerShards([{ name: '-80', replicas: 1 }, { name: '-80', replicas: 1 }, { name: '80-', replicas: 1 }]))).toContain(
      'keyspace "customer": shard "-80" is defined twice',
    );
  });

  test('overlapping key ranges', () => {
    const problems = topologyProblems(withCustomerShards([{ name: '-80', replicas: 1 }, { name: '40-', replicas: 1 }]));
    expect(problems).toEqual(['keyspace "customer": shards "-80" and "40-" have overlapping key ranges']);
  });

  test('key ranges that leave a gap', () => {
    expect(topologyProblems(withCustomerShards([{ name: '-40', replicas: 1 }, { name: '80-', replicas: 1 }]))).toEqual([
      'keyspace "customer": no shard covers key range(s) 40-80',
    ]);
  });

  test('semi-sync needs a replica; unsharded needs one shard named 0; vschema must agree', () => {
    const t = defaultTopology();
    t.keyspaces[0].shards = [{ name: '0', replicas: 0 }, { name: '-80', replicas: 1 }];
    t.keyspaces[1].vschema = { tables: {} };
    expect(topologyProblems(t)).toEqual([
      'keyspace "commerce": shard "0" has no replica, but semi_sync durability needs at least one',
      'keyspace "commerce" is unsharded: give it exactly one shard named "0"',
      'keyspace "customer": vschema.sharded is false but the keyspace is sharded',
    ]);
  });

  test('all problems are reported at once', () => {
    const t: Topology = { cell: 'Zone 1', keyspaces: [{ ...defaultTopology().keyspaces[0], name: 'Bad-Name', shards: [] }] };
    expect(() => validateTopology(t)).toThrow(/cell "Zone 1"[\s\S]*Bad-Name[\s\S]*no shards/);
  });

  test('withShardedTable wires a hash vindex and a sequence', () => {
    const t = withShardedTable(defaultTopology(), { name: 'events', idColumn: 'id', ddl: 'CREATE TABLE events (id INT)', start: 7, cache: 10 });
    expect(t.keyspaces[0].vschema.tables).toEqual({ events_seq: { type: 'sequence' } });
    expect(t.keyspaces[0].schema[1]).toBe('INSERT INTO events_seq (id, next_id, cache) VALUES (0, 7, 10)');
    expect(t.keyspaces[1].vschema.tables?.events).toEqual({
      column_vindexes: [{ column: 'id', name: 'hash' }],
      auto_increment: { column: 'id', sequence: 'commerce.events_seq' },
    });
  });
});
