// Readiness is polled from a real signal, never slept: each wait names what it waits for,
// fails fast when the process behind it died, and its error carries the last status seen.

export class ReadinessError extends Error {
  override name = 'ReadinessError';
  constructor(
    message: string,
    /** The node (tablet alias, container) the wait was about, when there is one. */
    readonly subject?: string,
  ) {
    super(message);
  }
}

export interface Check<T> {
  ready: boolean;
  /** What was observed, in words, for progress and for the error on timeout. */
  status: string;
  value?: T;
}

export interface WaitOptions<T> {
  what: string;
  subject?: string;
  timeoutMs: number;
  intervalMs?: number;
  check: () => Promise<Check<T>>;
  /** Returns a reason when waiting longer is pointless (the container exited). */
  dead?: () => Promise<string | undefined>;
}

export async function waitFor<T>(options: WaitOptions<T>): Promise<T> {
  const started = Date.now();
  const interval = options.intervalMs ?? 250;
  let status = 'not checked yet';
  for (;;) {
    try {
      const result = await options.check();
      status = result.status;
      if (result.ready) return result.value as T;
    } catch (e) {
      status = (e as Error).message.split('\n')[0];
    }
    const reason = options.dead ? await options.dead() : undefined;
    if (reason) {
      throw new ReadinessError(`${options.what}: gave up, ${reason}; last status: ${status}`, options.subject);
    }
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) {
      throw new ReadinessError(
        `${options.what}: not ready after ${(elapsed / 1000).toFixed(1)} s; last status: ${status}`,
        options.subject,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, options.timeoutMs - elapsed)));
  }
}
