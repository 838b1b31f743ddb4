// How the load accounts each request, replayed from what autocannon hands it: a client's
// requests built, answers with status and body, and the client's 'timeout' and 'connError'.
import { EventEmitter } from 'node:events';
import { Timeline } from '../harness/observe/timeline';
import { ANSWER_CODES } from '../harness/workload/app-answers';
import { Ledger } from '../harness/workload/ledger';
import { classifyAnswer, failedWrites, Load, LoadClient, Operation } from '../harness/workload/load';

type Built = { method: string; path: string };
interface Replayed {
  setupRequest(defaults: object): Built;
  onResponse(status: number, body: string): void;
}

/** One connection as autocannon drives it: it builds a request when it sends one. */
class RecordedClient extends EventEmitter implements LoadClient {
  private req?: Replayed;
  setRequests(requests: unknown[]): void {
    this.req = requests[0] as Replayed;
    this.send(); // autocannon builds the first request as soon as the requests are set
  }
  send(): Built {
    return this.req!.setupRequest({ hostname: '127.0.0.1', port: 1 });
  }
  answer(status: number, body: unknown): void {
    this.req!.onResponse(status, typeof body === 'string' ? body : JSON.stringify(body));
  }
}

function setUp(op: Operation) {
  let now = 0;
  const timeline = new Timeline(() => now);
  const ledger = new Ledger();
  const none = { create_conversation: 0, post_message: 0, read_conversation: 0, list_inbox: 0, heartbeat: 0, create_event: 0 };
  const load = new Load({ url: 'http://127.0.0.1:1', timeline, ledger, rate: 10, durationSeconds: 1, mix: { ...none, [op]: 1 } });
  const client = new RecordedClient();
  load.connect(client); // the first request is out (t = 0)
  return { load, ledger, client, at: (t: number) => (now = t) };
}

const noRoute = (path: string) => ({ error: `no route ${path}`, code: ANSWER_CODES.noRoute });

describe('answers', () => {
  test('a 404 no route took is a failed request: not a success, not a stale read', () => {
    const { load, ledger, client } = setUp('heartbeat');
    client.answer(404, noRoute('POST /heartbeat'));
    expect(load.totals).toMatchObject({ ok: 0, failed: 1, staleReads: 0, writesAcked: 0 });
    expect(load.failureDetails).toEqual([{ t: 0, op: 'heartbeat', status: 404, code: 'NO_ROUTE', message: 'no route POST /heartbeat' }]);
    expect(failedWrites(load.failureDetails)).toBe(1);
    expect(ledger.entries().map((e) => e.status)).toEqual(['indeterminate']);
  });

  test('a read of an acknowledged conversation: NOT_FOUND is a stale read (served, counted apart); a route miss or a bare 404 fails', () => {
    const { load, client, at } = setUp('read_conversation');
    // No conversation known yet: the first request creates one.
    at(10);
    client.answer(201, { id: '7' });
    for (const [status, body] of [
      [404, { error: 'conversation 7 not found', code: ANSWER_CODES.notFound }],
      [404, noRoute('GET /conversations/7')],
      [404, ''],
    ] as const) {
      expect(client.send().path).toBe('/conversations/7');
      client.answer(status, body);
    }
    expect(load.totals).toMatchObject({ ok: 2, staleReads: 1, failed: 2, writesAcked: 1 });
    expect(load.failureDetails.map((f) => [f.op, f.status, f.code])).toEqual([
      ['read_conversation', 404, 'NO_ROUTE'],
      ['read_conversation', 404, undefined],
    ]);
    expect(failedWrites(load.failureDetails)).toBe(0);
  });

  test('latency runs from the send instant; a killswitch answer is no write (cancelled, not acknowledged)', () => {
    const { load, ledger, client, at } = setUp('create_event');
    at(130);
    client.answer(201, { id: '1' });
    at(200);
    client.send();
    at(205);
    client.answer(200, { skipped: true });
    expect(load.latencies).toEqual([
      [130, 130],
      [205, 5],
    ]);
    expect(load.totals).toMatchObject({ ok: 2, writesAcked: 1, failed: 0 });
    expect(ledger.entries().map((e) => e.status)).toEqual(['acknowledged']);
  });

  test('a 2xx to a write without an id acknowledged nothing: failed', () => {
    const { load, client } = setUp('heartbeat');
    client.answer(201, 'ok');
    expect(load.failureDetails).toMatchObject([{ op: 'heartbeat', status: 201, code: 'BAD_ANSWER' }]);
  });

  test('classifyAnswer', () => {
    expect(classifyAnswer('list_inbox', 200, '[]')).toEqual({ kind: 'ok' });
    expect(classifyAnswer('read_conversation', 404, JSON.stringify({ error: 'x', code: 'NOT_FOUND' }))).toEqual({ kind: 'stale' });
    // NOT_FOUND to anything but a conversation read is no stale read.
    expect(classifyAnswer('post_message', 404, JSON.stringify({ error: 'x', code: 'NOT_FOUND' }))).toEqual({ kind: 'failed', code: 'NOT_FOUND', message: 'x' });
    expect(classifyAnswer('heartbeat', 503, JSON.stringify({ error: 'vttablet: rpc error', code: 'ER_UNKNOWN' }))).toEqual({ kind: 'failed', code: 'ER_UNKNOWN', message: 'vttablet: rpc error' });
    expect(classifyAnswer('heartbeat', 302, '')).toEqual({ kind: 'failed' });
  });
});

describe('requests never answered', () => {
  test('a time-out lands in failureDetails (op, no status, code timeout) and in failed writes', () => {
    const { load, ledger, client, at } = setUp('heartbeat');
    // As autocannon does it: 15 s later it reconnects, sends the next request, then reports the time-out.
    at(15_000);
    client.send();
    client.emit('timeout');
    expect(load.failureDetails).toEqual([{ t: 15_000, op: 'heartbeat', code: 'timeout', message: 'request timed out' }]);
    expect(load.totals).toMatchObject({ failed: 1, timeouts: 1 });
    expect(load.failures).toEqual([15_000]);
    expect(failedWrites(load.failureDetails)).toBe(1);
    // The request sent on the new connection is its own, and its answer counts once.
    at(15_020);
    client.answer(201, { id: '5' });
    expect(load.totals).toMatchObject({ ok: 1, failed: 1, writesAcked: 1 });
    expect(ledger.entries().map((e) => e.status)).toEqual(['indeterminate', 'acknowledged']);
  });

  test('a time-out while the client waits for its rate (no next request yet) is the pending one', () => {
    const { load, client } = setUp('heartbeat');
    client.emit('timeout');
    expect(load.failureDetails).toMatchObject([{ op: 'heartbeat', code: 'timeout' }]);
    client.send();
    client.answer(201, { id: '1' });
    expect(load.totals).toMatchObject({ ok: 1, failed: 1 });
  });

  test('a connection error lands in failureDetails with its message, and in failed writes', () => {
    const { load, client } = setUp('create_conversation');
    client.emit('connError', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    client.send(); // autocannon reconnects and sends the next one
    expect(load.failureDetails).toEqual([{ t: 0, op: 'create_conversation', code: 'connection', message: 'connect ECONNREFUSED 127.0.0.1:1' }]);
    expect(failedWrites(load.failureDetails)).toBe(1);
    expect(load.totals).toMatchObject({ failed: 1, timeouts: 0 });
  });

  test('a request whose connection closed silently (the next went out unanswered-for) fails as connection', () => {
    const { load, client, at } = setUp('heartbeat');
    at(50);
    client.send();
    client.answer(201, { id: '2' });
    expect(load.failureDetails).toEqual([{ t: 50, op: 'heartbeat', code: 'connection', message: 'connection closed before an answer' }]);
    expect(load.totals).toMatchObject({ ok: 1, failed: 1 });
  });

  test('reads that time out are no failed writes; a failure of unknown operation may have been one', () => {
    const { load, client } = setUp('list_inbox');
    client.send();
    client.emit('timeout');
    expect(failedWrites(load.failureDetails)).toBe(0);
    expect(failedWrites([{ t: 0, code: 'connection', message: 'socket hang up' }])).toBe(1);
  });
});
