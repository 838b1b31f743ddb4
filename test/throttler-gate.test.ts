import { ThrottlerGate } from '../harness/workload/background';

/** A check whose answer the test releases by hand, to order events exactly. */
function manualChecks() {
  const pending: { started: number; resolve: (ok: boolean) => void }[] = [];
  let started = 0;
  const check = () =>
    new Promise<boolean>((resolve) => {
      started += 1;
      pending.push({ started, resolve });
    });
  return { check, pending, started: () => started };
}

describe('ThrottlerGate', () => {
  test('questions asked together share one check', async () => {
    const m = manualChecks();
    const gate = new ThrottlerGate(m.check);
    const answers = Promise.all([gate.ask(), gate.ask(), gate.ask()]);
    await Promise.resolve();
    expect(m.started()).toBe(1);
    m.pending[0].resolve(true);
    expect(await answers).toEqual(['granted', 'granted', 'granted']);
    expect(gate.checks).toBe(1);
  });

  test('a question asked while a check runs waits for a fresh check, not the running one', async () => {
    const m = manualChecks();
    const gate = new ThrottlerGate(m.check);
    const early = gate.ask();
    await Promise.resolve();
    expect(m.started()).toBe(1);
    // Asked after the first check started: they must not get that check's answer.
    const late = gate.ask();
    const late2 = gate.ask();
    expect(m.started()).toBe(1);
    m.pending[0].resolve(true);
    expect(await early).toBe('granted');
    await new Promise((r) => setImmediate(r));
    expect(m.started()).toBe(2);
    m.pending[1].resolve(false);
    expect(await late).toBe('refused');
    expect(await late2).toBe('refused');
    expect(gate.checks).toBe(2);
  });

  test('a failing check is an error, not a refusal: it does not show the throttler answered', async () => {
    const gate = new ThrottlerGate(() => Promise.reject(new Error('vtctld unreachable')));
    expect(await gate.ask()).toBe('error');
    expect(gate.errors).toBe(1);
    expect(gate.checks).toBe(1);
  });
});
