// Bad input is rejected before Docker is touched, and an unreachable engine says what to do.
import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { join } from 'node:path';
import { DockerCluster } from '../harness/cluster/docker/docker-cluster';
import { defaultTopology } from '../harness/cluster/default-topology';
import * as engine from '../harness/cluster/docker/engine';
import { TopologyError } from '../harness/cluster/topology';
import { VersionError } from '../harness/cluster/versions';
import { REPO_ROOT } from '../harness/paths';

describe('bad input never reaches Docker', () => {
  let touched: jest.SpyInstance;
  beforeEach(() => {
    touched = jest.spyOn(engine, 'assertEngine');
  });
  afterEach(() => touched.mockRestore());

  test('an invalid topology is rejected before any container starts', async () => {
    const topology = defaultTopology();
    topology.keyspaces[1].shards = [{ name: '-80', replicas: 2 }, { name: '40-', replicas: 2 }];
    await expect(DockerCluster.start({ topology })).rejects.toThrow(TopologyError);
    expect(touched).not.toHaveBeenCalled();
  });

  test('an unknown Vitess version is rejected before any container starts', async () => {
    await expect(DockerCluster.start({ vitess: '24' })).rejects.toThrow(VersionError);
    expect(touched).not.toHaveBeenCalled();
  });
});

describe('Docker engine', () => {
  test('an engine that does not answer gives an error that says what to do', async () => {
    const nowhere = new Docker({ socketPath: '/nonexistent/docker.sock' });
    await expect(engine.assertEngine(2000, nowhere)).rejects.toThrow(/No Docker engine answers .*make docker/);
  });

  const runuser = spawnSync('sh', ['-c', 'command -v runuser']).status === 0;
  const root = process.getuid?.() === 0;
  (root && runuser ? test : test.skip)('ensure-engine.sh, run by a user who cannot start one, explains and exits 2', () => {
    const script = join(REPO_ROOT, 'docker', 'ensure-engine.sh');
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'bash', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No Docker engine answers[\s\S]*as root on Debian/);
  });

});
