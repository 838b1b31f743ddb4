// A cluster that cannot come up fails with an error naming the tablet, keeps every
// node's log under reports/<run-id>/logs/, and leaves nothing running.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterStartError } from '../harness/cluster/cluster';
import { leftoversOf, startCluster } from '../harness/cluster/start';
import { newRunId } from '../harness/cluster/labels';
import { Topology } from '../harness/cluster/topology';
import { runDir } from '../harness/paths';

const small: Topology = {
  cell: 'zone1',
  keyspaces: [{ name: 'solo', sharded: false, durability: 'semi_sync', shards: [{ name: '0', replicas: 1 }], schema: [], vschema: {} }],
};

test('a tablet that never gets ready: named in the error, logs saved, nothing left running', async () => {
  const runId = newRunId();
  // vttablet refuses an unknown flag and exits, so the tablet can never become ready.
  const err = await startCluster({ topology: small, runId, flags: { vttablet: ['--no-such-flag-for-chaos'] } }).catch((e: unknown) => e);

  expect(err).toBeInstanceOf(ClusterStartError);
  const message = (err as Error).message;
  expect(message).toMatch(/\(zone1-000000010[01]\)/);
  expect(message).toMatch(/exited \(code \d+\)/);
  // A failure at start is retried (a transient one would pass); one that keeps failing is named with its starts.
  expect(message).toMatch(/\(3 starts over \d+\.\d s\)/);
  expect(message).toContain(join(runDir(runId), 'logs'));

  const logs = join(runDir(runId), 'logs');
  expect(existsSync(logs)).toBe(true);
  expect(readdirSync(logs).sort()).toEqual(expect.arrayContaining(['etcd.log', 'vtctld.log', 'tablet-100.log', 'tablet-101.log']));
  // The log of each failed start is kept beside the last one.
  expect(readdirSync(logs).filter((f) => /^tablet-10[01]\.start-[12]\.log$/.test(f)).length).toBeGreaterThanOrEqual(2);

  expect(await leftoversOf(runId)).toEqual({ nodes: 0, groups: 0 });
}, 300_000);
