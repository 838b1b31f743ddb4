// The step runner and the generic steps, on a real timeline: no cluster is touched by these
// steps (the context's cluster, app and load are never read here).
import { act, awaitAlarm, awaitRecovery, holdFor, injectFault, recoveryBase, remediate, runStepList, Step, StepContext } from '../harness/experiment/steps';
import { Timeline } from '../harness/observe/timeline';

function context(tl: Timeline, o: { alarms?: Record<string, number>; baseline?: number; remediationAt?: number } = {}) {
  const calls: string[] = [];
  let injectAt: number | undefined;
  const ctx = {
    timeline: tl,
    baseline: () => o.baseline,
    injectAt: () => injectAt,
    harmAt: () => injectAt,
    remediationAt: () => o.remediationAt,
    alarm: (name: string) => o.alarms?.[name],
    rearm: () => undefined,
    injectFault: async () => {
      injectAt = tl.event('fault', 'f').t;
      calls.push('inject');
    },
    healFault: async () => {
      calls.push('heal');
    },
  } as unknown as StepContext;
  return { ctx, calls };
}

describe('runStepList', () => {
  test('steps run in order and each is stamped with its start and end', async () => {
    const tl = new Timeline();
    const { ctx, calls } = context(tl);
    const problems = await runStepList([injectFault(), remediate('heal it'), act('restart', async () => void calls.push('restart'))], ctx, tl);
    expect(problems).toEqual([]);
    expect(calls).toEqual(['inject', 'heal', 'restart']);
    const steps = tl.events().filter((e) => e.kind === 'step').map((e) => `${e.data?.step} ${e.data?.at}`);
    expect(steps).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
    // The heal stamped nothing: the remediation is stamped when it was issued.
    expect(tl.firstEvent('remediation')?.name).toBe('heal it');
  });

  test('a page that never came: its step fails the run, later steps are skipped unless always', async () => {
    const tl = new Timeline();
    const { ctx, calls } = context(tl);
    const onRemediated = jest.fn();
    const steps: Step[] = [injectFault(), awaitAlarm('lag', { timeoutSeconds: 0.2 }), remediate('act on the page'), act('bring the node back', async () => void calls.push('restart'), { always: true })];
    const problems = await runStepList(steps, ctx, tl, { onRemediated });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^step 2 \(an alarm from lag\): .*no alarm yet/);
    expect(calls).toEqual(['inject', 'restart']);
    expect(onRemediated).not.toHaveBeenCalled();
    expect(tl.events().find((e) => e.data?.skipped)?.name).toBe('skipped: act on the page');
  });

  test("a remediation's instant is what its action stamped", async () => {
    const tl2 = new Timeline(() => 1000);
    const { ctx: ctx2 } = context(tl2);
    let at2 = -1;
    await runStepList([remediate('roll back', async (c) => void c.timeline.event('remediation', 'flag back', {}, 1500))], ctx2, tl2, { onRemediated: (t) => (at2 = t) });
    expect(at2).toBe(1500);
  });
});

describe('generic steps', () => {
  test('holdFor lasts from the harm, not from when it was called', async () => {
    const tl = new Timeline();
    const { ctx } = context(tl);
    await ctx.injectFault();
    const t0 = tl.now();
    await new Promise((r) => setTimeout(r, 100));
    await holdFor(300).run(ctx);
    const held = tl.now() - t0;
    expect(held).toBeGreaterThanOrEqual(290);
    expect(held).toBeLessThan(900);
  });

  test('awaitRecovery stamps the instant the timeline shows recovery, from the remediation', async () => {
    let now = 0;
    const tl = new Timeline(() => now);
    for (let t = 0; t <= 10_000; t += 250) tl.sample('heartbeat', 'writes_per_s', t < 4000 ? 100 : t < 6000 ? 10 : 95, undefined, t);
    now = 10_000;
    const { ctx } = context(tl, { baseline: 100, remediationAt: 5000 });
    await ctx.injectFault();
    await awaitRecovery({ timeoutSeconds: 1 }).run(ctx);
    const rec = tl.firstEvent('recovered');
    expect(rec?.t).toBe(6000);
    expect(rec?.data?.from).toBe(5000);
  });

  test('awaitRecovery that never sees recovery fails, saying what it waited for', async () => {
    const tl = new Timeline();
    const { ctx } = context(tl, { baseline: 100 });
    await expect(awaitRecovery({ timeoutSeconds: 0.2 }).run(ctx)).rejects.toThrow(/recovery \(heartbeat back at 80 % of 100.0 writes\/s/);
  });
});

describe('the level recovery returns to', () => {
  test('the heartbeat just before the fault when the machine slowed after steady state, else the baseline', () => {
    let now = 0;
    const tl = new Timeline(() => now);
    for (let t = 0; t <= 20_000; t += 250) tl.sample('heartbeat', 'writes_per_s', t < 10_000 ? 77 : 52, undefined, t);
    now = 20_000;
    const at = (injectAt: number | undefined, steady: number) => recoveryBase({ timeline: tl, baseline: () => steady, injectAt: () => injectAt } as never);
    expect(at(20_000, 77)).toBe(52);
    expect(at(20_000, 40)).toBe(40);
    expect(at(undefined, 77)).toBe(77);
  });
});

describe('recovery when the system heals itself', () => {
  test('counts from the observed harm, not from the issue (an OOM query runs before mysqld dies)', async () => {
    let now = 0;
    const tl = new Timeline(() => now);
    // Fine until the kernel kills mysqld at 8 s, down until 12 s, back after.
    for (let t = 0; t <= 20_000; t += 250) tl.sample('heartbeat', 'writes_per_s', t >= 8_000 && t < 12_000 ? 0 : 100, undefined, t);
    now = 20_000;
    const { ctx } = context(tl, { baseline: 100 });
    await ctx.injectFault(); // issued at 20 s on this clock: re-stamp at 0 for the story
    const harmed = { ...ctx, injectAt: () => 0, harmAt: () => 8_000 } as StepContext;
    await awaitRecovery({ timeoutSeconds: 1 }).run(harmed);
    expect(tl.firstEvent('recovered')?.t).toBe(12_000);
  });
});
