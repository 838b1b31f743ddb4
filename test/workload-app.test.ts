// The workload app's router and route modules, in this process, on paths that need no database
// (a mysql2 pool opens no connection until a query runs; nothing listens on its port).
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { App, AppOptions, createApp } from '../harness/workload/app';
import { ANSWER_CODES } from '../harness/workload/app-answers';
import { AppProcess } from '../harness/workload/app-process';
import { inboxJoinRoutes } from '../experiments/routes/inbox-join';
import { killswitchRoutes } from '../experiments/routes/killswitch';

const NO_DB = { host: '127.0.0.1', port: 9 };
const running: App[] = [];

async function start(options: Partial<AppOptions> = {}): Promise<{ app: App; call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: any }> }> {
  const app = createApp({ vtgate: NO_DB, ...options });
  running.push(app);
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: r.status, json: await r.json() };
  };
  return { app, call };
}

afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
});

describe('workload app routes', () => {
  test('a path no route takes answers 404 with its own code, and counts as a failed request', async () => {
    const { app, call } = await start();
    const read = await call('GET', '/conversation/7');
    expect(read).toEqual({ status: 404, json: { error: 'no route GET /conversation/7', code: ANSWER_CODES.noRoute } });
    const write = await call('POST', '/conversation', { token: 't' });
    expect(write.json.code).toBe(ANSWER_CODES.noRoute);
    expect(app.counters).toMatchObject({ readsFailed: 1, writesFailed: 1, errorsByCode: { [ANSWER_CODES.noRoute]: 2 } });
  });

  test('switching the inbox list to a variant no module registered is refused where the deploy is made', async () => {
    const { app, call } = await start();
    const r = await call('POST', '/admin/flag', { name: 'inbox-query', value: 'joined' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/no inbox query variant 'joined' \(registered: plain\).*AppOptions\.routes/);
    expect(app.counters.flags['inbox-query']).toBe('plain');
  });

  test("the join experiment's module registers its variant, built on the keyspace it was given", async () => {
    const { app, call } = await start({ routes: [inboxJoinRoutes('verdicts_ks')] });
    expect((await call('POST', '/admin/flag', { name: 'inbox-query', value: 'joined' })).status).toBe(200);
    expect(app.counters.flags['inbox-query']).toBe('joined');
  });

  test("the int-sequence experiment's killswitch: writes to the table are answered as skipped, without the database", async () => {
    const plain = await start();
    expect((await plain.call('POST', '/admin/killswitch', { table: 'events', on: 'true' })).json.code).toBe(ANSWER_CODES.noRoute);

    const { app, call } = await start({ routes: [killswitchRoutes()] });
    expect(await call('POST', '/admin/killswitch', { table: 'events', on: 'true' })).toEqual({ status: 200, json: { killswitches: ['events'] } });
    expect(await call('POST', '/events', { token: 't1', kind: 'fin_reply' })).toEqual({ status: 200, json: { skipped: true } });
    expect(app.counters.writesSkipped).toBe(1);
    expect((await call('POST', '/admin/killswitch', { table: 'events', on: 'maybe' })).status).toBe(400);
  });
});

describe('route modules that cannot be used', () => {
  const mustFail = (options: Partial<AppOptions>) => () => createApp({ vtgate: NO_DB, ...options });

  test('each refuses the app with a message naming the module and what is wrong', () => {
    expect(mustFail({ routes: [{ module: 'experiments/routes/killswitch.ts' }] })).toThrow(/give an absolute file path/);
    expect(mustFail({ routes: [{ module: join(__dirname, 'fixtures/routes/missing.ts') }] })).toThrow(/missing\.ts did not load/);
    expect(mustFail({ routes: [{ module: join(__dirname, 'fixtures/routes/no-register.ts') }] })).toThrow(/exports no registerRoutes/);
    expect(mustFail({ routes: [{ module: inboxJoinRoutes('x').module }] })).toThrow(/inbox-join\.ts: needs options\.verdictKeyspace/);
    // The same route twice: find-my-way refuses, and the message says which module.
    expect(mustFail({ routes: [killswitchRoutes(), killswitchRoutes()] })).toThrow(/killswitch\.ts: .*already declared/);
  });

  test('a path that does not exist stops AppProcess.start before any process is forked', async () => {
    await expect(AppProcess.start({ vtgate: NO_DB, routes: [{ module: join(__dirname, 'fixtures/routes/missing.ts') }] })).rejects.toThrow(/workload app's options: route module .*missing\.ts: no such file/);
  });
});
