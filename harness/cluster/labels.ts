// Labels that tie every container and network to the run that made it, so a run removes
// exactly its own and the next start can reap what a killed run left.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export const RUN_LABEL = 'vitess-chaos.run';
export const PID_LABEL = 'vitess-chaos.pid';
export const HOST_LABEL = 'vitess-chaos.host';
export const RECIPE_LABEL = 'vitess-chaos.recipe';

/** UTC time as yyyymmdd-hhmmss: the start of run ids and vet folder names. */
export function timeStamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function newRunId(now = new Date()): string {
  return `${timeStamp(now)}-${randomBytes(2).toString('hex')}`;
}

/** What newRunId() makes: how run folders are told from other folders under reports/. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export function runLabels(runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: hostname() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether what carries these labels was made by a run on this host whose process has died (killed, crashed). */
export function leftByDeadRun(labels: Record<string, string>): boolean {
  const pid = Number(labels[PID_LABEL]);
  return labels[HOST_LABEL] === hostname() && !(Number.isInteger(pid) && pid > 0 && alive(pid));
}
