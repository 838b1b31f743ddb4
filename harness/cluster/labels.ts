// Labels that tie every container and network to the run that made it, so a run removes
// exactly its own and the next start can reap what a killed run left.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export const RUN_LABEL = 'vitess-chaos.run';
export const PID_LABEL = 'vitess-chaos.pid';
export const HOST_LABEL = 'vitess-chaos.host';
export const RECIPE_LABEL = 'vitess-chaos.recipe';

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export function runLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: hostname() };
}
