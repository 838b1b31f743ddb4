// The command line as a user meets it: listing, help, and mistakes caught before anything
// starts (no Docker needed for any of these).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  test('Kubernetes mistakes exit 2 before anything runs: an unknown target, an unreadable kubeconfig, an API that does not answer', () => {
    const target = cli(['run', 'smoke', '--target', 'kubernetes']);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('unknown target "kubernetes": use docker or k8s');
    const config = cli(['inspect', '--kubeconfig', '/no/such/kubeconfig']);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('cannot read the kubeconfig /no/such/kubeconfig');
    // A kubeconfig naming a port nothing listens on: the error says how to get a cluster.
    const dir = mkdtempSync(join(tmpdir(), 'vc-kube-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    const none = cli(['inspect', '--kubeconfig', file]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No Kubernetes API answers for .*Run 'make k8s'/);
  }, 60_000);

  test('an experiments folder without a catalog: says where to point, exit 2', () => {
    const r = cli(['--experiments', '/no/such/folder', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no experiments folder at /no/such/folder: point --experiments or VITESS_CHAOS_EXPERIMENTS');
    expect(cli(['run', 'smoke'], { VITESS_CHAOS_EXPERIMENTS: '/no/such/folder' }).code).toBe(2);
  }, 60_000);

  test('vet --help states the exit codes and what is not compared', () => {
    const r = cli(['vet', '--help']);
    expect(r.stdout).toMatch(/not compared, and the vet is then INCOMPLETE, never CLEAN/);
    expect(r.stdout).toMatch(/2 usage or environment error, or nothing compared/);
  }, 60_000);

  // A Go module proxy in a folder: it serves v0.24.3 and nothing else, so no network is needed.
  const hasGo = spawnSync('go', ['version']).status === 0;
  (hasGo ? describe : describe.skip)('an unknown Vitess version, checked before Docker is touched', () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'vc-proxy-'));
      mkdirSync(join(dir, 'proxy', 'vitess.io', 'vitess', '@v'), { recursive: true });
      writeFileSync(join(dir, 'proxy', 'vitess.io', 'vitess', '@v', 'v0.24.3.info'), '{"Version":"v0.24.3","Time":"2026-09-03T14:40:03Z"}\n');
      env = { GOPROXY: `file://${join(dir, 'proxy')}`, VITESS_CHAOS_CACHE: join(dir, 'cache') };
    });
    afterAll(() => {
      // The Go module cache is written read-only.
      spawnSync('chmod', ['-R', 'u+w', dir]);
      rmSync(dir, { recursive: true, force: true });
    });

    test('run smoke --vitess v0.99.0: exit 2, the version named, before the engine is asked', () => {
      const r = cli(['run', 'smoke', '--vitess', 'v0.99.0'], env);
      expect(r.stderr).toContain('unknown Vitess version 99.0.0: the Go module proxy has no vitess.io/vitess@v0.99.0');
      expect(r.stderr).not.toContain('Docker');
      expect(r.code).toBe(2);
    }, 60_000);

    test('vet with an unknown candidate: exit 2 before the baseline runs', () => {
      const r = cli(['vet', '--baseline', '24.0.3', '--candidate', 'v0.99.0'], env);
      expect(r.stderr).toContain('unknown Vitess version 99.0.0');
      expect(r.stderr).not.toContain('Docker');
      expect(r.code).toBe(2);
    }, 60_000);

    test('vet-matrix with an unknown release: exit 2, the version named, nothing started', () => {
      const r = cli(['vet-matrix', '--releases', '24.0.3,v0.99.0'], env);
      expect(r.stderr).toContain('unknown Vitess version 99.0.0');
      expect(r.stderr).not.toContain('Docker');
      expect(r.code).toBe(2);
    }, 60_000);

    test('a published version passes the check and goes on to the engine (here: none answers, exit 2)', () => {
      const r = cli(['run', 'smoke', '--vitess', '24.0.3'], env);
      expect(r.stderr).not.toContain('unknown Vitess version');
      expect(r.stderr).toContain('No Docker engine answers');
      expect(r.code).toBe(2);
    }, 60_000);
  });
});
