// Runs the workload app in its own process on 127.0.0.1, as an application would run.
import { ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppCounters, AppOptions, PoolCheck } from './app';
import { errorAnswer } from './app-answers';
import { routeModuleProblem } from './app-routes';

/** What the app's process says once: where it listens, or why it could not start. */
type Started = { port: number } | { error: string };

export class AppProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(options: AppOptions): Promise<AppProcess> {
    // Wrong paths are the harness's mistake: say so before a process is forked.
    for (const spec of options.routes ?? []) {
      const problem = routeModuleProblem(spec) ?? (existsSync(spec.module) ? undefined : `route module ${spec.module}: no such file`);
      if (problem) throw new Error(`the workload app's options: ${problem}`);
    }
    const child = fork(join(__dirname, 'app-main.ts'), [JSON.stringify(options)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the workload app did not start listening within 30 s')), 30_000);
      child.once('message', (m: Started) => {
        clearTimeout(timer);
        if ('error' in m) reject(new Error(`the workload app did not start: ${m.error}`));
        else resolve(m.port);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the workload app exited (code ${code}) before listening`));
      });
    });
    return new AppProcess(child, `http://127.0.0.1:${port}`);
  }

  async counters(): Promise<AppCounters> {
    return (await (await fetch(`${this.url}/metrics`)).json()) as AppCounters;
  }

  /** Tries every connection of the app's pool once (without restarting the app). */
  async poolCheck(): Promise<PoolCheck> {
    return (await (await fetch(`${this.url}/admin/pool-check`)).json()) as PoolCheck;
  }

  /** Sets a feature flag (how a deploy or a rollback reaches the running app here). */
  async setFlag(name: string, value: string): Promise<void> {
    await this.post('/admin/flag', { name, value }, `flag ${name}=${value}`);
  }

  /** Posts to one of the app's routes (an experiment's admin switch); a non-2xx answer throws, naming `what`. */
  async post(path: string, body: Record<string, string>, what: string): Promise<void> {
    const r = await fetch(`${this.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!r.ok) {
      const said = errorAnswer(await r.text()).error;
      throw new Error(`${what}: HTTP ${r.status}${said ? `: ${said}` : ''}`);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
