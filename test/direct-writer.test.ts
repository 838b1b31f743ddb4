import { countDirectWrites, type DirectWrite } from '../harness/workload/direct-writer';

const w = (token: string, sentAt: number, outcome: DirectWrite['outcome'], answeredAt?: number): DirectWrite => ({ token, sentAt, outcome, ...(answeredAt !== undefined ? { answeredAt } : {}) });

describe('countDirectWrites', () => {
  const writes = [
    w('a', 100, 'acknowledged', 110),
    w('b', 900, 'acknowledged', 30_900), // in flight at the cut (1000), answered long after
    { ...w('c', 1200, 'failed', 6200), error: 'super-read-only' },
    w('d', 1300, 'unanswered'),
    w('e', 40_000, 'acknowledged', 40_020),
  ];
  const found = new Set(['a', 'e']);

  test('before the cut: only what was answered before it', () => {
    expect(countDirectWrites(writes, found, -Infinity, 1000)).toEqual({ acknowledged: 1, missing: 0, failed: 0, unanswered: 0, lastAckSeconds: null });
  });

  test('after the cut: a write in flight at the cut counts by its answer, and is missing when not found', () => {
    expect(countDirectWrites(writes, found, 1000)).toEqual({ acknowledged: 2, missing: 1, failed: 1, unanswered: 1, lastAckSeconds: 39.02, firstError: 'super-read-only' });
  });

  test('no acknowledgement: no last one (not 0)', () => {
    expect(countDirectWrites([w('x', 5, 'failed', 6)], new Set(), 0).lastAckSeconds).toBeNull();
  });
});
