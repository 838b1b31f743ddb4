// Load: an inbox-shaped request mix at a target rate, driven by autocannon against the app,
// bounded in time and count. Every response is sampled live into the timeline (throughput,
// errors, p50/p99 per bucket), and every write goes through the ledger.
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import type { Timeline } from '../observe/timeline';
import { ANSWER_CODES, errorAnswer } from './app-answers';
import type { Ledger } from './ledger';

export type Operation = 'create_conversation' | 'post_message' | 'read_conversation' | 'list_inbox' | 'heartbeat' | 'create_event';

export const DEFAULT_MIX: Record<Operation, number> = {
  create_conversation: 15,
  post_message: 30,
  read_conversation: 30,
  list_inbox: 10,
  heartbeat: 15,
  // Event records (an INT-keyed table) exist only in the sequence-exhaustion experiment.
  create_event: 0,
};

const WRITES: readonly Operation[] = ['create_conversation', 'post_message', 'heartbeat', 'create_event'];

/** The share of requests that write, in a mix (the default one when none is given). */
export function writeShare(mix: Partial<Record<Operation, number>> = {}): number {
  const all = Object.entries({ ...DEFAULT_MIX, ...mix }) as [Operation, number][];
  const total = all.reduce((a, [, w]) => a + w, 0);
  return total > 0 ? all.filter(([op]) => WRITES.includes(op)).reduce((a, [, w]) => a + w, 0) / total : 0;
}

/** Codes of requests that got no answer at all (no status). */
export const NO_ANSWER = { timeout: 'timeout', connection: 'connection' } as const;

/**
 * A request that failed: answered with something other than 2xx (status, and the app's code
 * and message), or never answered (no status; code 'timeout' or 'connection').
 */
export interface FailureDetail {
  t: number;
  /** Unknown only when the client reported an error with no request of ours outstanding. */
  op?: Operation;
  status?: number;
  code?: string;
  message?: string;
}

/** Failed writes among failures: a failure of unknown operation may have been a write, so it counts. */
export function failedWrites(details: readonly FailureDetail[]): number {
  return details.filter((f) => f.op === undefined || WRITES.includes(f.op)).length;
}

/** What one answer means to the load. */
export type Outcome = { kind: 'ok' } | { kind: 'stale' } | { kind: 'failed'; code?: string; message?: string };

/**
 * 2xx is success. A 404 is a stale read only when the app said the conversation was not found
 * (NOT_FOUND): only acknowledged conversations are read, so the reader is behind (replica
 * reads); read from primaries it would be a lost write, which the ledger reports at the end.
 * Any other answer, a 404 no route took (NO_ROUTE) included, is a failed request.
 */
export function classifyAnswer(op: Operation, status: number, body: string): Outcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const said = errorAnswer(body);
  if (op === 'read_conversation' && status === 404 && said.code === ANSWER_CODES.notFound) return { kind: 'stale' };
  return { kind: 'failed', code: said.code, message: said.error };
}

/**
 * The parts of an autocannon client (one connection) the load uses. autocannon emits
 * 'timeout' and 'connError' on the client and only then an instance-wide 'reqError' without
 * the request: listening on the client is what ties a failure to its operation.
 */
export interface LoadClient {
  setRequests(requests: autocannon.Request[]): void;
  on(event: 'timeout', listener: () => void): unknown;
  on(event: 'connError', listener: (error: Error) => void): unknown;
}

export interface LoadOptions {
  url: string;
  timeline: Timeline;
  ledger: Ledger;
  /** Requests per second across all connections. */
  rate: number;
  /** Hard bounds: the load stops at whichever comes first. */
  durationSeconds: number;
  maxRequests?: number;
  connections?: number;
  /** Seconds before a request counts as timed out (indeterminate if it was a write). */
  timeoutSeconds?: number;
  mix?: Partial<Record<Operation, number>>;
  /** Live sample period. */
  bucketMs?: number;
  inboxes?: number;
  /**
   * autocannon sends each connection's per-second quota at the start of its own second, and
   * its connections start together: one burst a second. Lanes (separate autocannon runs,
   * started 1/lanes s apart) spread that into an even stream.
   */
  lanes?: number;
  /** Live series are computed over this sliding window. */
  windowMs?: number;
  /** Timeline probe name of the live series (a second app's load samples apart from the main one). */
  probe?: string;
  /** Labels on every live sample (a second app's name), so a report can chart any number of them. */
  labels?: Record<string, string>;
}

interface Pending {
  op: Operation;
  token?: string;
  sentAt: number;
}

/**
 * One client's requests in flight (no pipelining: one at a time). After a time-out autocannon
 * reconnects and sets up the next request before it reports the time-out, so the timed-out
 * one waits as `orphan` for that report; an orphan nobody claims lost its connection.
 */
interface ClientState {
  pending?: Pending;
  orphan?: Pending;
}

/** Latency percentiles of one bucket (nearest-rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class Load {
  /** Times of failed requests (not 2xx, or no answer). */
  readonly failures: number[] = [];
  /** [completion time (timeline ms), latency ms] of every successful request: outages are gaps between them. */
  readonly latencies: [number, number][] = [];
  /** Every failed request, one entry each (the same count as `failures`). */
  readonly failureDetails: FailureDetail[] = [];
  /** Successful completions per operation (times), e.g. to check other endpoints during a killswitch. */
  readonly successByOp = new Map<Operation, number[]>();
  /**
   * `ok` counts stale reads too (a wrong answer served normally); `staleReads`: reads of a
   * conversation this load saw acknowledged that the app said it could not find.
   */
  readonly totals = { ok: 0, failed: 0, timeouts: 0, writesAcked: 0, staleReads: 0 };
  private readonly conversations: string[] = [];
  private bucket = { ok: 0, failed: 0, latencies: [] as number[], acked: 0, stale: 0, sent: 0 };
  /** The last buckets, covering the sliding window. */
  private recent: { ok: number; failed: number; latencies: number[]; acked: number; stale: number; sent: number }[] = [];
  private instances: autocannon.Instance[] = [];
  private laneTimers: NodeJS.Timeout[] = [];
  private ticker?: NodeJS.Timeout;
  private finished?: Promise<void>;
  private resolveFinished?: () => void;
  private startedAt?: number;
  private currentRate?: number;
  private generation = 0;
  private readonly unstarted = new Set<() => void>();
  private stopped = false;
  private readonly weights: [Operation, number][];

  constructor(private readonly o: LoadOptions) {
    const mix = { ...DEFAULT_MIX, ...o.mix };
    this.weights = (Object.entries(mix) as [Operation, number][]).filter(([, w]) => w > 0);
    const total = this.weights.reduce((a, [, w]) => a + w, 0);
    if (!(o.rate > 0) || !(o.durationSeconds > 0) || total <= 0) {
      throw new Error('load needs a positive rate, a positive duration and at least one operation with weight > 0');
    }
  }

  private pick(): Operation {
    const total = this.weights.reduce((a, [, w]) => a + w, 0);
    let r = Math.random() * total;
    for (const [op, w] of this.weights) if ((r -= w) < 0) return op;
    return this.weights[this.weights.length - 1][0];
  }

  private request(client: ClientState): { method: string; path: string; body?: string; headers: Record<string, string> } {
    const { timeline, ledger } = this.o;
    let op = this.pick();
    if ((op === 'post_message' || op === 'read_conversation') && this.conversations.length === 0) op = 'create_conversation';
    const token = randomBytes(12).toString('hex');
    const now = timeline.now();
    const json = { 'content-type': 'application/json' };
    const inbox = String(1 + Math.floor(Math.random() * (this.o.inboxes ?? 50)));
    const someConversation = () => this.conversations[Math.floor(Math.random() * this.conversations.length)];
    let req: { method: string; path: string; body?: string; headers: Record<string, string> };
    switch (op) {
      case 'create_conversation': {
        const payload = { inbox_id: inbox, subject: `subject ${token.slice(0, 6)}` };
        ledger.begin(token, 'conversations', payload, now);
        req = { method: 'POST', path: '/conversations', body: JSON.stringify({ token, ...payload }), headers: json };
        break;
      }
      case 'post_message': {
        const conversation = someConversation();
        const payload = { conversation_id: conversation, body: `message ${token}` };
        ledger.begin(token, 'messages', payload, now);
        req = { method: 'POST', path: `/conversations/${conversation}/messages`, body: JSON.stringify({ token, body: payload.body }), headers: json };
        break;
      }
      case 'create_event': {
        const payload = { kind: 'fin_reply' };
        ledger.begin(token, 'events', payload, now);
        req = { method: 'POST', path: '/events', body: JSON.stringify({ token, conversation_id: this.conversations.at(-1) ?? null, ...payload }), headers: json };
        break;
      }
      case 'heartbeat':
        ledger.begin(token, 'heartbeats', {}, now);
        req = { method: 'POST', path: '/heartbeat', body: JSON.stringify({ token }), headers: json };
        break;
      case 'read_conversation':
        req = { method: 'GET', path: `/conversations/${someConversation()}`, headers: {} };
        break;
      default:
        req = { method: 'GET', path: `/inbox/${inbox}`, headers: {} };
    }
    // A request still pending when the next is set up got no answer (see ClientState).
    this.settleOrphan(client);
    if (client.pending) client.orphan = client.pending;
    // autocannon writes the request out as soon as this returns: the send instant.
    client.pending = { op, token: req.method === 'POST' ? token : undefined, sentAt: now };
    return req;
  }

  /**
   * Wires one autocannon client (connection) to this load: its requests, their answers, and
   * its errors. autocannon calls it (setupClient); public so a test can replay a client.
   */
  connect(client: LoadClient): void {
    const state: ClientState = {};
    client.setRequests([
      {
        // Over autocannon's own fields (host, port), so the Host header stays right.
        setupRequest: (defaults: object) => {
          this.bucket.sent += 1;
          return { ...defaults, ...this.request(state) };
        },
        onResponse: (status: number, body: string) => this.answered(state, status, body),
      } as unknown as autocannon.Request,
    ]);
    // The time-out is reported after the next request was set up (the orphan), or, when the
    // client was held back by its rate, before (still pending); a connection error before.
    client.on('timeout', () => this.unanswered(state.orphan ? 'orphan' : 'pending', state, NO_ANSWER.timeout, 'request timed out'));
    client.on('connError', (e: Error) => this.unanswered('pending', state, NO_ANSWER.connection, e.message));
  }

  private unanswered(which: 'pending' | 'orphan', client: ClientState, code: string, message: string): void {
    const p = client[which];
    client[which] = undefined;
    if (code === NO_ANSWER.timeout) this.totals.timeouts += 1;
    this.failed({ t: this.o.timeline.now(), ...(p ? { op: p.op } : {}), code, message });
  }

  /** An orphan no time-out claimed: its connection closed under it (the next request went out on a new one). */
  private settleOrphan(client: ClientState): void {
    if (client.orphan) this.unanswered('orphan', client, NO_ANSWER.connection, 'connection closed before an answer');
  }

  private failed(detail: FailureDetail): void {
    this.totals.failed += 1;
    this.bucket.failed += 1;
    this.failures.push(detail.t);
    this.failureDetails.push(detail);
  }

  private answered(client: ClientState, status: number, body: string): void {
    this.settleOrphan(client);
    const p = client.pending;
    client.pending = undefined;
    if (!p) return; // nothing waiting: an answer to a request already written off (one at a time, so not expected)
    const t = this.o.timeline.now();
    const outcome = classifyAnswer(p.op, status, body);
    if (outcome.kind === 'failed') return this.failed({ t, op: p.op, status, ...(outcome.code ? { code: outcome.code } : {}), ...(outcome.message ? { message: outcome.message } : {}) });
    let answer: { id?: unknown; skipped?: boolean } = {};
    if (p.token) {
      try {
        answer = JSON.parse(body) as typeof answer;
      } catch {
        // checked below
      }
      // Switched off by a killswitch: not a write at all.
      if (answer.skipped) this.o.ledger.cancel(p.token);
      // A write is acknowledged by its id; a 2xx without one acknowledged nothing.
      else if (typeof answer.id !== 'string') return this.failed({ t, op: p.op, status, code: 'BAD_ANSWER', message: `2xx without an id: ${body.slice(0, 200)}` });
    }
    this.totals.ok += 1;
    this.bucket.ok += 1;
    this.bucket.latencies.push(t - p.sentAt);
    this.latencies.push([t, t - p.sentAt]);
    const times = this.successByOp.get(p.op) ?? [];
    times.push(t);
    this.successByOp.set(p.op, times);
    if (outcome.kind === 'stale') {
      this.totals.staleReads += 1;
      this.bucket.stale += 1;
    }
    if (!p.token || answer.skipped) return;
    const id = answer.id as string;
    this.o.ledger.acknowledge(p.token, id, t);
    this.totals.writesAcked += 1;
    this.bucket.acked += 1;
    if (p.op === 'create_conversation') this.conversations.push(id);
  }

  private flush(): void {
    const { timeline } = this.o;
    const bucketMs = this.o.bucketMs ?? 250;
    this.recent.push(this.bucket);
    this.bucket = { ok: 0, failed: 0, latencies: [], acked: 0, stale: 0, sent: 0 };
    const keep = Math.max(1, Math.round((this.o.windowMs ?? 1000) / bucketMs));
    this.recent = this.recent.slice(-keep);
    const w = this.recent.reduce((a, b) => ({ ok: a.ok + b.ok, failed: a.failed + b.failed, acked: a.acked + b.acked, stale: a.stale + b.stale, sent: a.sent + b.sent }), { ok: 0, failed: 0, acked: 0, stale: 0, sent: 0 });
    const perSec = 1000 / (this.recent.length * bucketMs);
    const sorted = this.recent.flatMap((b) => b.latencies).sort((x, y) => x - y);
    const t = timeline.now();
    const probe = this.o.probe ?? 'load';
    const labels = this.o.labels;
    timeline.sample(probe, 'ok_per_s', w.ok * perSec, labels, t);
    // What autocannon actually sent: its rate limiter need not hit the nominal rate exactly.
    timeline.sample(probe, 'sent_per_s', w.sent * perSec, labels, t);
    timeline.sample(probe, 'errors_per_s', w.failed * perSec, labels, t);
    timeline.sample(probe, 'error_rate', w.ok + w.failed ? w.failed / (w.ok + w.failed) : 0, labels, t);
    timeline.sample(probe, 'acked_writes_per_s', w.acked * perSec, labels, t);
    // Only once there were any: apps reading from primaries never see one, and charts skip a flat zero.
    if (this.totals.staleReads > 0) timeline.sample(probe, 'stale_reads_per_s', w.stale * perSec, labels, t);
    if (sorted.length) {
      timeline.sample(probe, 'p50_ms', percentile(sorted, 50), labels, t);
      timeline.sample(probe, 'p99_ms', percentile(sorted, 99), labels, t);
    }
  }

  /** Starts the load; `done()` resolves when it ends (duration, count, or stop()). */
  start(): void {
    this.startedAt = Date.now();
    this.ticker = setInterval(() => this.flush(), this.o.bucketMs ?? 250);
    this.finished = new Promise<void>((resolve) => (this.resolveFinished = resolve)).then(() => {
      clearInterval(this.ticker);
      this.flush();
    });
    this.startLanes(this.o.rate, this.o.durationSeconds, this.o.maxRequests);
  }

  /** The rate now (the target given, or the one retarget() set). */
  get rate(): number {
    return this.currentRate ?? this.o.rate;
  }

  /**
   * Moves the load to another rate: new lanes start at it and the old ones stop. Requests the old
   * lanes had in flight end as failed (writes indeterminate), so this is for before a fault only.
   */
  retarget(rate: number): void {
    if (!(rate > 0)) throw new Error(`load rate must be positive, not ${rate}`);
    if (this.stopped || this.startedAt === undefined) return;
    this.currentRate = rate;
    const old = this.instances.splice(0);
    for (const t of this.laneTimers.splice(0)) clearTimeout(t);
    this.releaseUnstarted();
    const left = this.o.durationSeconds - (Date.now() - this.startedAt) / 1000;
    this.startLanes(rate, Math.max(1, Math.round(left)), undefined);
    for (const i of old) i.stop();
  }

  /** One generation of lanes; the load ends when the newest generation ends. */
  private startLanes(rate: number, durationSeconds: number, maxRequests: number | undefined): void {
    const o = this.o;
    const generation = ++this.generation;
    const lanes = Math.max(1, Math.min(o.lanes ?? 10, Math.floor(rate)));
    const perLane = (total: number) => Math.max(1, Math.round(total / lanes));
    const laneDone: Promise<void>[] = [];
    for (let i = 0; i < lanes; i++) {
      laneDone.push(
        new Promise<void>((resolve) => {
          this.unstarted.add(resolve);
          const timer = setTimeout(() => {
            this.unstarted.delete(resolve);
            if (this.stopped || generation !== this.generation) return resolve();
            this.instances.push(this.lane(perLane(rate), perLane(o.connections ?? 16), durationSeconds, maxRequests ? perLane(maxRequests) : undefined, resolve));
          }, (i * 1000) / lanes);
          this.laneTimers.push(timer);
        }),
      );
    }
    void Promise.all(laneDone).then(() => {
      if (generation === this.generation) this.resolveFinished?.();
    });
  }

  private lane(rate: number, connections: number, durationSeconds: number, amount: number | undefined, done: () => void): autocannon.Instance {
    const o = this.o;
    const instance = autocannon(
      {
        url: o.url,
        connections: Math.max(1, Math.min(connections, rate)),
        overallRate: rate,
        duration: durationSeconds,
        amount,
        timeout: o.timeoutSeconds ?? 10,
        // Every request, answer and error is accounted per client (connect()), not from the
        // instance's events, which cannot tell which request a time-out was.
        // (@types/autocannon declares no 'timeout' or 'connError' on a client: hence the cast.)
        setupClient: (client) => this.connect(client as unknown as LoadClient),
      },
      () => done(),
    );
    return instance;
  }

  done(): Promise<void> {
    if (!this.finished) throw new Error('load not started');
    return this.finished;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.laneTimers) clearTimeout(t);
    for (const i of this.instances) i.stop();
    this.releaseUnstarted();
    await this.finished;
  }

  /** Lanes whose start timer was cleared never run, so they count as ended. */
  private releaseUnstarted(): void {
    for (const resolve of this.unstarted) resolve();
    this.unstarted.clear();
  }
}
