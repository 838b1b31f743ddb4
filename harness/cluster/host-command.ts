// A program of the host run to its end (nsenter, ctr): its exit code is a result; failing to
// run it at all (missing, not allowed, timed out) is an error. Both targets' verbs use it.
import { execFile } from 'node:child_process';

export interface Output {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function runOnHost(program: string, args: string[], timeoutMs = 30_000): Promise<Output> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${program} ${args.slice(0, 4).join(' ')}: ${err.code ?? err.message}`));
        return;
      }
      resolve({ exitCode: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
