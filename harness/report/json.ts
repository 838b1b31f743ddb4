// The run report as JSON under reports/<run-id>/: topology, versions, options, the whole
// timeline, and the results. The HTML report is drawn from this file.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runDir } from '../paths';

export async function writeJsonReport(runId: string, report: Record<string, unknown>): Promise<string> {
  const dir = runDir(runId);
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, 'result.json');
  await fs.writeFile(file, `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  return file;
}
