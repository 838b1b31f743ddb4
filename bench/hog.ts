// A busy loop on one core, niced and bounded in time (the same load as `make soak`'s SOAK_HOG=1),
// so figures can be taken on a machine that is not idle.
import { spawn } from 'node:child_process';

export interface Hog {
  /** True while the loop still runs (it must have lasted the whole measurement to count). */
  running(): boolean;
  stop(): void;
}

export function startHog(seconds: number, onError: (message: string) => void = () => undefined): Hog {
  const child = spawn('nice', ['-n', '19', 'timeout', String(seconds), 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  child.on('error', (e) => onError(`the CPU hog did not start: ${e.message}`));
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const stop = () => {
    if (running()) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  return { running, stop };
}
