// Runs the workload app in its own process on 127.0.0.1, as an application would run.
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { AppCounters, AppOptions, PoolCheck } from './app';

export class AppProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(options: AppOptions): Promise<AppProcess> {
    const child = fork(join(__dirname, 'app-main.ts'), [JSON.stringify(options)], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the workload app did not start listening within 30 s')), 30_000);
      child.once('message', (m: { port: number }) => {
        clearTimeout(timer);
        resolve(m.port);
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
    await this.admin('flag', { name, value }, `flag ${name}=${value}`);
  }

  /** Switches writes to one table off (true) or on again (false). */
  async killswitch(table: string, on: boolean): Promise<void> {
    await this.admin('killswitch', { table, on: String(on) }, `killswitch ${table} ${on ? 'on' : 'off'}`);
  }

  private async admin(path: string, body: Record<string, string>, what: string): Promise<void> {
    const r = await fetch(`${this.url}/admin/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (!r.ok) throw new Error(`${what}: HTTP ${r.status}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
