import { ReadinessError, waitFor } from '../harness/cluster/readiness';

describe('waitFor', () => {
  test('returns the value once the check is ready', async () => {
    let calls = 0;
    const v = await waitFor({
      what: 'counter',
      timeoutMs: 2000,
      intervalMs: 1,
      check: async () => ({ ready: ++calls === 3, status: `calls=${calls}`, value: calls }),
    });
    expect(v).toBe(3);
  });

  test('times out naming what it waited for and the last status seen', async () => {
    await expect(
      waitFor({ what: 'tablet zone1-100 starting', subject: 'zone1-100', timeoutMs: 30, intervalMs: 5, check: async () => ({ ready: false, status: 'mysqld not answering' }) }),
    ).rejects.toThrow(/tablet zone1-100 starting: not ready after .* last status: mysqld not answering/);
  });

  test('gives up at once when the process behind it died, keeping the subject', async () => {
    const started = Date.now();
    const err = await waitFor({
      what: 'vtgate',
      subject: 'vtgate',
      timeoutMs: 10_000,
      check: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      dead: async () => 'container vc-x-vtgate exited (code 1)',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadinessError);
    expect((err as ReadinessError).subject).toBe('vtgate');
    expect((err as Error).message).toMatch(/exited \(code 1\); last status: connect ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
