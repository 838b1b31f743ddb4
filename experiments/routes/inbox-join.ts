// The deploy of the cross-keyspace-join experiment, as the workload app serves it: a variant of
// the inbox list that joins each conversation to its URL-reputation verdict, kept in another
// keyspace, on a column with no index. Loaded in the app's process (see app-routes.ts); the
// experiment names it in its app options and flips the 'inbox-query' flag to it.
import type { RegisterRoutes, RouteModuleSpec } from '../../harness/workload/app-routes';

export const JOINED_INBOX = 'joined';

export function joinedInboxQuery(verdictKeyspace: string): string {
  return (
    `SELECT c.id, c.subject, v.verdict FROM conversations c LEFT JOIN ${verdictKeyspace}.url_verdicts v ON v.conversation_token = c.token ` +
    'WHERE c.inbox_id = ? ORDER BY c.id DESC LIMIT 20'
  );
}

export const registerRoutes: RegisterRoutes = (app, options) => {
  const keyspace = options.verdictKeyspace;
  if (typeof keyspace !== 'string' || !/^\w+$/.test(keyspace)) throw new Error(`needs options.verdictKeyspace, a keyspace name (got ${JSON.stringify(keyspace)})`);
  app.inboxQueries.set(JOINED_INBOX, joinedInboxQuery(keyspace));
};

/** This module, for AppOptions.routes: url_verdicts lives in `verdictKeyspace`. */
export function inboxJoinRoutes(verdictKeyspace: string): RouteModuleSpec {
  return { module: __filename, options: { verdictKeyspace } };
}
