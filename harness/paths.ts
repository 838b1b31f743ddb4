// Where the project's files live, wherever the harness is run from.
import { homedir } from 'node:os';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');
export const DOCKER_DIR = resolve(REPO_ROOT, 'docker');
export const REPORTS_DIR = resolve(process.env.VITESS_CHAOS_REPORTS ?? resolve(REPO_ROOT, 'reports'));
/** Outlives checkouts: Go caches and built binaries, so a second build is fast. */
export const CACHE_DIR = resolve(process.env.VITESS_CHAOS_CACHE ?? resolve(homedir(), '.cache', 'vitess-chaos'));

export function runDir(runId: string): string {
  return resolve(REPORTS_DIR, runId);
}
