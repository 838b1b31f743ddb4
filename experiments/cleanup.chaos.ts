// Leave nothing behind: a run interrupted with SIGINT removes its own nodes (containers and
// their network, or pods and their namespace); a run killed outright is reaped by the next start.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { leftoversOf, reapOrphans } from '../harness/cluster/start';
import { REPO_ROOT } from '../harness/paths';

function startHolder(): Promise<{ runId: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', join(__dirname, 'support', 'hold-cluster.ts')], {
    env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /READY (\S+)/.exec(d.toString());
      if (m) resolve({ runId: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`cluster holder exited (${code}) before ready: ${err}`)));
  });
}

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
}

describe('cleanup', () => {
  test('SIGINT: the run removes its own nodes, and exits 130', async () => {
    const { runId, child } = await startHolder();
    expect((await leftoversOf(runId)).nodes).toBeGreaterThan(0);
    const code = exited(child);
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(await leftoversOf(runId)).toEqual({ nodes: 0, groups: 0 });
  }, 300_000);

  test('SIGKILL: what the killed run left is reaped by the next start', async () => {
    const { runId, child } = await startHolder();
    const code = exited(child);
    child.kill('SIGKILL');
    await code;
    expect((await leftoversOf(runId)).nodes).toBeGreaterThan(0); // a killed process cannot clean up itself
    expect(await reapOrphans()).toBeGreaterThan(0);
    expect(await leftoversOf(runId)).toEqual({ nodes: 0, groups: 0 });
  }, 300_000);
});
