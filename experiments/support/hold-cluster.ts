// Test helper run as a child process: brings up a small cluster, prints its run id, and
// waits to be signalled, as an engineer's run would be when they press Ctrl-C.
import { startCluster } from '../../harness/cluster/start';
import type { Topology } from '../../harness/cluster/topology';

const small: Topology = {
  cell: 'zone1',
  keyspaces: [{ name: 'solo', sharded: false, durability: 'semi_sync', shards: [{ name: '0', replicas: 1 }], schema: [], vschema: {} }],
};

startCluster({ topology: small, progress: () => undefined }).then(
  (c) => {
    process.stdout.write(`READY ${c.runId}\n`);
    setInterval(() => undefined, 1000); // keep running until signalled
  },
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  },
);
