// The int-sequence experiment's remediation switch, as the workload app serves it: writes to a
// table switched off are answered 200 `{ skipped: true }` without touching the database, and the
// callers go on as if the record were optional (the incident's killswitch). Loaded in the app's
// process (see app-routes.ts); setKillswitch() is the harness side.
import type { RegisterRoutes, RouteModuleSpec } from '../../harness/workload/app-routes';

export const KILLSWITCH_PATH = '/admin/killswitch';

export const registerRoutes: RegisterRoutes = (app) => {
  const off = new Set<string>();
  app.skipWrites((table) => off.has(table));
  app.router.on('POST', KILLSWITCH_PATH, async (req, res) => {
    const b = await app.jsonBody(req);
    if (!b.table || (b.on !== 'true' && b.on !== 'false')) return app.send(res, 400, { error: 'killswitch needs a table and on: "true" or "false"', code: 'BAD_KILLSWITCH' });
    if (b.on === 'true') off.add(b.table);
    else off.delete(b.table);
    app.send(res, 200, { killswitches: [...off] });
  });
};

/** This module, for AppOptions.routes. */
export function killswitchRoutes(): RouteModuleSpec {
  return { module: __filename };
}

/** Switches writes to one table off (true) or on again (false), in an app that loaded this module. */
export async function setKillswitch(app: { post(path: string, body: Record<string, string>, what: string): Promise<void> }, table: string, on: boolean): Promise<void> {
  await app.post(KILLSWITCH_PATH, { table, on: String(on) }, `killswitch ${table} ${on ? 'on' : 'off'}`);
}
