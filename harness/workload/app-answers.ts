// What the workload app's answers mean beyond their status, shared by the app and by the load
// that reads them. A 404 can mean "that conversation does not exist" (a stale or lost read) or
// "no such route" (a wiring mistake, which must fail the run); only the body tells them apart.

export const ANSWER_CODES = {
  /** The method and path match no route of the app. */
  noRoute: 'NO_ROUTE',
  /** The route exists; the object it was asked for does not. */
  notFound: 'NOT_FOUND',
} as const;

/** The body of every non-2xx answer the app gives. */
export interface ErrorAnswer {
  error: string;
  code: string;
}

/** The code and message of an error answer; empty when the body is not one (not JSON, or no code). */
export function errorAnswer(body: string): Partial<ErrorAnswer> {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const { error, code } = parsed as Record<string, unknown>;
    return { ...(typeof error === 'string' ? { error } : {}), ...(typeof code === 'string' ? { code } : {}) };
  } catch {
    return {};
  }
}
