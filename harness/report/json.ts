// The run report as JSON, reports/<run-id>/<experiment>.json: topology, versions, options,
// the whole timeline, and the results. Experiments sharing one cluster (one run id) each
// get their own file. The HTML report is drawn from these files.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runDir } from '../paths';

export async function writeJsonReport(runId: string, experiment: string, report: Record<string, unknown>): Promise<string> {
  const dir = runDir(runId);
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, `${experiment}.json`);
  await fs.writeFile(file, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  return file;
}
