// The workload's own routes: a support inbox (conversations, messages, the inbox list), the
// heartbeat table, and event records. Paths name objects; tables come from the app's schema.
import { ANSWER_CODES } from './app-answers';
import type { RouteContext } from './app-routes';

/** The flag that picks the inbox list's query among the registered variants. */
export const INBOX_QUERY_FLAG = 'inbox-query';
/** The workload's own inbox list, served unless the flag names another variant. */
export const PLAIN_INBOX = 'plain';
export const INBOX_LIST_QUERY = 'SELECT id, subject FROM conversations WHERE inbox_id = ? ORDER BY id DESC LIMIT 20';

const CONVERSATION_QUERY =
  'SELECT c.id, c.subject, m.id AS message_id, m.body FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id WHERE c.id = ?';

export function registerInboxRoutes(app: RouteContext): void {
  const { router } = app;
  app.inboxQueries.set(PLAIN_INBOX, INBOX_LIST_QUERY);

  router.on('POST', '/conversations', async (req, res) => {
    const b = await app.jsonBody(req);
    await app.write(res, 'conversations', 'INSERT INTO conversations (token, inbox_id, subject) VALUES (?, ?, ?)', [b.token, Number(b.inbox_id), b.subject]);
  });
  router.on('POST', '/conversations/:id/messages', async (req, res, params) => {
    const b = await app.jsonBody(req);
    await app.write(res, 'messages', 'INSERT INTO messages (conversation_id, token, body) VALUES (?, ?, ?)', [params.id, b.token, b.body]);
  });
  router.on('POST', '/heartbeat', async (req, res) => {
    const b = await app.jsonBody(req);
    await app.write(res, 'heartbeats', 'INSERT INTO heartbeats (token) VALUES (?)', [b.token]);
  });
  router.on('POST', '/events', async (req, res) => {
    const b = await app.jsonBody(req);
    await app.write(res, 'events', 'INSERT INTO events (token, conversation_id, kind) VALUES (?, ?, ?)', [b.token, b.conversation_id, b.kind]);
  });

  router.on('GET', '/conversations/:id', async (_req, res, params) => {
    const rows = await app.read(CONVERSATION_QUERY, [params.id]);
    // NOT_FOUND, not a bare 404: the load tells a stale read from a request no route took.
    if (rows.length === 0) return app.send(res, 404, { error: `conversation ${params.id} not found`, code: ANSWER_CODES.notFound });
    app.send(res, 200, rows);
  });
  router.on('GET', '/inbox/:inbox', async (_req, res, params) => {
    const variant = app.counters.flags[INBOX_QUERY_FLAG] ?? PLAIN_INBOX;
    const sql = app.inboxQueries.get(variant);
    if (!sql) throw Object.assign(new Error(`no inbox query variant '${variant}' (registered: ${[...app.inboxQueries.keys()].join(', ')})`), { code: 'NO_VARIANT' });
    app.counters.inFlight[variant] = (app.counters.inFlight[variant] ?? 0) + 1;
    try {
      app.send(res, 200, await app.read(sql, [Number(params.inbox)]));
    } finally {
      app.counters.inFlight[variant] -= 1;
    }
  });
}
