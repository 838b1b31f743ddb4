// The command line as a user meets it: listing, help, and mistakes caught before anything
// starts (no Docker needed for any of these).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CATALOG } from '../experiments/catalog';

const root = join(__dirname, '..');

function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'node_modules', '.bin', 'ts-node'), '--transpile-only', 'harness/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    // Nothing here may reach Docker: an engine address that cannot answer makes sure of it.
    env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vitess-chaos CLI', () => {
  test('list: every experiment with its one-line description, exit 0', () => {
    const r = cli(['list']);
    expect(r.code).toBe(0);
    for (const e of CATALOG) expect(r.stdout).toContain(`${e.name}`);
    expect(r.stdout.trim().split('\n')).toHaveLength(CATALOG.length);
  }, 60_000);

  test('run with an unknown experiment: says which, lists the valid names, exit 2', () => {
    const r = cli(['run', 'smoke', 'no-such-experiment']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown experiment: no-such-experiment');
    for (const e of CATALOG) expect(r.stderr).toContain(e.name);
  }, 60_000);

  test('--help exits 0, at the top and on run and vet', () => {
    const top = cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['run', 'vet', 'list', 'report', 'compare', 'images', 'cleanup']) expect(top.stdout).toContain(c);
    const vet = cli(['vet', '--help']);
    expect(vet.code).toBe(0);
    expect(vet.stdout).toContain('--baseline <version>');
  }, 60_000);

  test('usage mistakes exit 2: vet without its versions, a report folder that does not exist', () => {
    expect(cli(['vet', '--candidate', '23.0.0']).code).toBe(2);
    const r = cli(['report', '/no/such/run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no run folder /no/such/run');
  }, 60_000);

  test('an experiments folder without a catalog: says where to point, exit 2', () => {
    const r = cli(['--experiments', '/no/such/folder', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no experiments folder at /no/such/folder: point --experiments or VITESS_CHAOS_EXPERIMENTS');
    expect(cli(['run', 'smoke'], { VITESS_CHAOS_EXPERIMENTS: '/no/such/folder' }).code).toBe(2);
  }, 60_000);
});
