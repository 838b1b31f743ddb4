import { judge, Ledger, StoredRow } from '../harness/workload/ledger';

function row(token: string, id: string, payload: Record<string, string> = {}): StoredRow {
  return { table: 'messages', token, id, payload };
}

function ledgerOf(n: number): Ledger {
  const l = new Ledger();
  for (let i = 1; i <= n; i++) {
    l.begin(`t${i}`, 'messages', { body: `b${i}` }, i);
    l.acknowledge(`t${i}`, String(i), i + 1);
  }
  return l;
}

describe('ledger verdict', () => {
  test('all acknowledged writes present once, unchanged, on the right shard: pass', () => {
    const rows = [row('t1', '1', { body: 'b1' }), row('t2', '2', { body: 'b2' })];
    const v = judge(ledgerOf(2).entries(), rows, [{ shard: '-80', rows, misplaced: [] }]);
    expect(v).toMatchObject({ verdict: 'pass', acknowledged: 2, lost: [], duplicated: [], altered: [] });
  });

  test('a write that was acknowledged but is not there: fail, and the verdict names it', () => {
    const rows = [row('t1', '1', { body: 'b1' })];
    const v = judge(ledgerOf(2).entries(), rows, [{ shard: '-80', rows, misplaced: [] }]);
    expect(v.verdict).toBe('fail');
    expect(v.lost).toEqual(['messages/t2']);
  });

  test('duplicated, altered and misplaced rows fail', () => {
    const a = row('t1', '1', { body: 'b1' });
    const changed = row('t2', '2', { body: 'tampered' });
    const v = judge(ledgerOf(2).entries(), [a, a, changed], [
      { shard: '-80', rows: [a, changed], misplaced: [changed] },
      { shard: '80-', rows: [a], misplaced: [] },
    ]);
    expect(v.duplicated).toEqual(['messages/t1']);
    expect(v.altered).toEqual([{ token: 'messages/t2', expected: { body: 'b2', id: '2' }, found: { body: 'tampered', id: '2' } }]);
    expect(v.misplaced).toEqual([{ shard: '-80', token: 't2', id: '2' }]);
    expect(v.verdict).toBe('fail');
  });

  test('indeterminate writes are counted as found or missing, never as lost', () => {
    const l = ledgerOf(1);
    l.begin('maybe1', 'messages', { body: 'x' }, 5);
    l.begin('maybe2', 'messages', { body: 'y' }, 6);
    const rows = [row('t1', '1', { body: 'b1' }), row('maybe1', '7', { body: 'x' })];
    const v = judge(l.entries(), rows, [{ shard: '0', rows, misplaced: [] }]);
    expect(v).toMatchObject({ verdict: 'pass', indeterminate: 2, indeterminateFound: 1, indeterminateMissing: 1, lost: [] });
  });

  test('a row on a shard that vtgate does not return is a mismatch', () => {
    const rows = [row('t1', '1', { body: 'b1' })];
    const v = judge(ledgerOf(1).entries(), [], [{ shard: '0', rows, misplaced: [] }]);
    expect(v.vtgateMismatch).toEqual(['messages/t1']);
    expect(v.verdict).toBe('fail');
  });

  test('acknowledging a write the ledger never saw is a harness bug, loudly', () => {
    expect(() => new Ledger().acknowledge('nope', '1', 0)).toThrow(/never saw/);
  });
});
