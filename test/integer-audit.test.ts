import { classify } from '../harness/observe/integer-audit';

describe('integer key audit', () => {
  const rows = classify([
    { keyspace: 'customer', table: 'events', column: 'id', columnType: 'int', fedBy: { kind: 'sequence', sequence: 'commerce.events_seq' }, next: 2147483000n },
    { keyspace: 'customer', table: 'messages', column: 'id', columnType: 'bigint', fedBy: { kind: 'sequence', sequence: 'commerce.messages_seq' }, next: 100n },
    { keyspace: 'commerce', table: 'legacy', column: 'id', columnType: 'smallint unsigned', fedBy: { kind: 'auto_increment' }, next: 65000n },
    { keyspace: 'commerce', table: 'lookup', column: 'code', columnType: 'int', next: undefined },
  ]);

  test('flags keys narrower than BIGINT that a sequence or auto-increment feeds, with the reason', () => {
    expect(rows.map((r) => [r.table, r.flagged])).toEqual([
      ['events', true],
      ['messages', false],
      ['legacy', true],
      ['lookup', false], // nothing generates its values
    ]);
    expect(rows[0].reason).toBe('int key fed by sequence commerce.events_seq: runs out at 2147483647; use BIGINT');
  });

  test('reports headroom in ids and percent of the type', () => {
    expect(rows[0]).toMatchObject({ max: '2147483647', next: '2147483000', headroomIds: '648' });
    expect(rows[0].headroomPercent).toBeCloseTo(0, 3);
    expect(rows[2]).toMatchObject({ max: '65535', headroomIds: '536' });
    expect(rows[1].headroomPercent).toBeCloseTo(100, 3);
  });
});
