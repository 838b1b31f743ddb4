// Load: an inbox-shaped request mix at a target rate, driven by autocannon against the app,
// bounded in time and count. Every response is sampled live into the timeline (throughput,
// errors, p50/p99 per bucket), and every write goes through the ledger.
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import type { Timeline } from '../observe/timeline';
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

/** A request the app did not answer with 2xx: what the client was told. */
export interface FailureDetail {
  t: number;
  op: Operation;
  status: number;
  code?: string;
  message?: string;
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
}

interface Pending {
  op: Operation;
  token?: string;
  sentAt: number;
}

/** Latency percentiles of one bucket (nearest-rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class Load {
  /** Times of failed or timed-out requests. */
  readonly failures: number[] = [];
  /** [completion time (timeline ms), latency ms] of every successful request: outages are gaps between them. */
  readonly latencies: [number, number][] = [];
  /** Every non-2xx answer with what the app said. */
  readonly failureDetails: FailureDetail[] = [];
  /** Successful completions per operation (times), e.g. to check other endpoints during a killswitch. */
  readonly successByOp = new Map<Operation, number[]>();
  /** Reads of a conversation this load created and saw acknowledged that answered 404: stale (replica reads). */
  readonly totals = { ok: 0, failed: 0, timeouts: 0, writesAcked: 0, staleReads: 0 };
  private readonly conversations: string[] = [];
  private bucket = { ok: 0, failed: 0, latencies: [] as number[], acked: 0, stale: 0 };
  /** The last buckets, covering the sliding window. */
  private recent: { ok: number; failed: number; latencies: number[]; acked: number; stale: number }[] = [];
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

  private request(context: Record<string, unknown>): { method: string; path: string; body?: string; headers: Record<string, string> } {
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
    const isWrite = req.method === 'POST';
    context.pending = { op, token: isWrite ? token : undefined, sentAt: now } satisfies Pending;
    return req;
  }

  private response(status: number, body: string, context: Record<string, unknown>): void {
    const p = context.pending as Pending | undefined;
    context.pending = undefined;
    if (p && p.op === 'read_conversation' && status === 404) {
      // Only acknowledged conversations are read, so "not found" means the reader is behind (replica
      // reads). Reading from primaries it would be a lost write, which the ledger reports at the end.
      this.totals.staleReads += 1;
      this.bucket.stale += 1;
      return;
    }
    if (p && (status < 200 || status >= 300)) {
      let parsed: { code?: string; error?: string } = {};
      try {
        parsed = JSON.parse(body) as { code?: string; error?: string };
      } catch {
        // not JSON: keep the status alone
      }
      this.failureDetails.push({ t: this.o.timeline.now(), op: p.op, status, code: parsed.code, message: parsed.error });
      return;
    }
    if (!p) return;
    const times = this.successByOp.get(p.op) ?? [];
    times.push(this.o.timeline.now());
    this.successByOp.set(p.op, times);
    if (!p.token) return;
    const answer = JSON.parse(body) as { id?: string; skipped?: boolean };
    if (answer.skipped) {
      // Switched off by a killswitch: not a write at all.
      this.o.ledger.cancel(p.token);
      return;
    }
    const id = answer.id as string;
    this.o.ledger.acknowledge(p.token, id, this.o.timeline.now());
    this.totals.writesAcked += 1;
    this.bucket.acked += 1;
    if (p.op === 'create_conversation') this.conversations.push(id);
  }

  private flush(): void {
    const { timeline } = this.o;
    const bucketMs = this.o.bucketMs ?? 250;
    this.recent.push(this.bucket);
    this.bucket = { ok: 0, failed: 0, latencies: [], acked: 0, stale: 0 };
    const keep = Math.max(1, Math.round((this.o.windowMs ?? 1000) / bucketMs));
    this.recent = this.recent.slice(-keep);
    const w = this.recent.reduce((a, b) => ({ ok: a.ok + b.ok, failed: a.failed + b.failed, acked: a.acked + b.acked, stale: a.stale + b.stale }), { ok: 0, failed: 0, acked: 0, stale: 0 });
    const perSec = 1000 / (this.recent.length * bucketMs);
    const sorted = this.recent.flatMap((b) => b.latencies).sort((x, y) => x - y);
    const t = timeline.now();
    const probe = this.o.probe ?? 'load';
    timeline.sample(probe, 'ok_per_s', w.ok * perSec, undefined, t);
    timeline.sample(probe, 'errors_per_s', w.failed * perSec, undefined, t);
    timeline.sample(probe, 'error_rate', w.ok + w.failed ? w.failed / (w.ok + w.failed) : 0, undefined, t);
    timeline.sample(probe, 'acked_writes_per_s', w.acked * perSec, undefined, t);
    // Only once there were any: apps reading from primaries never see one, and charts skip a flat zero.
    if (this.totals.staleReads > 0) timeline.sample(probe, 'stale_reads_per_s', w.stale * perSec, undefined, t);
    if (sorted.length) {
      timeline.sample(probe, 'p50_ms', percentile(sorted, 50), undefined, t);
      timeline.sample(probe, 'p99_ms', percentile(sorted, 99), undefined, t);
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
        requests: [
          {
            setupRequest: (_req: unknown, context: Record<string, unknown>) => this.request(context),
            onResponse: (status: number, body: string, context: Record<string, unknown>) => this.response(status, body, context),
          } as unknown as autocannon.Request,
        ],
      },
      () => done(),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      const t = o.timeline.now();
      // The app answers 404 only to a conversation read that found nothing: a stale read (counted
      // apart in response()), a wrong answer served normally, not a failed request.
      if ((status >= 200 && status < 400) || status === 404) {
        this.totals.ok += 1;
        this.bucket.ok += 1;
        this.bucket.latencies.push(ms);
        this.latencies.push([t, ms]);
      } else {
        this.totals.failed += 1;
        this.bucket.failed += 1;
        this.failures.push(t);
      }
    });
    instance.on('reqError', (err: Error) => {
      this.totals.failed += 1;
      if (/timed out/.test(err.message)) this.totals.timeouts += 1;
      this.bucket.failed += 1;
      this.failures.push(o.timeline.now());
    });
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
