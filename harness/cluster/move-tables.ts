// A MoveTables workflow run to its traffic switch through vtctld: create, wait until every
// stream has copied and is replicating, switch reads and writes. What a migration into a
// sharded keyspace does before the app's new code path uses the moved table.
import type { Cluster } from './cluster';
import { waitFor } from './readiness';

export interface MoveTablesOptions {
  workflow: string;
  sourceKeyspace: string;
  targetKeyspace: string;
  table: string;
  /** Extra `MoveTables create` flags, e.g. `--sharded-auto-increment-handling=replace`. */
  createFlags?: string[];
  /** Extra `SwitchTraffic` flags, e.g. `--initialize-target-sequences`. */
  switchFlags?: string[];
  /** How long the copy may take (default 120 s). */
  copyTimeoutMs?: number;
}

interface WorkflowsJson {
  workflows?: { name: string; shard_streams?: Record<string, { streams?: { state?: string; message?: string }[] }> }[];
}

/** Every stream's state, as `shard:state`, and the first stream in error (waiting would not help it). */
export async function streamStates(cluster: Cluster, keyspace: string, workflow: string): Promise<{ states: string[]; error?: string }> {
  const r = await cluster.vtctld.json<WorkflowsJson>(['GetWorkflows', keyspace, '--include-logs=false']);
  const wf = r.workflows?.find((w) => w.name === workflow);
  const states: string[] = [];
  let error: string | undefined;
  for (const [shard, s] of Object.entries(wf?.shard_streams ?? {})) {
    for (const st of s.streams ?? []) {
      states.push(`${shard}:${st.state ?? '?'}`);
      if (/error/i.test(st.state ?? '')) error ??= `stream on ${shard} in error: ${st.message ?? ''}`;
    }
  }
  return { states, ...(error ? { error } : {}) };
}

export async function moveTablesAndSwitch(cluster: Cluster, o: MoveTablesOptions): Promise<void> {
  await cluster.vtctld.run([
    'MoveTables', '--workflow', o.workflow, '--target-keyspace', o.targetKeyspace, 'create',
    '--source-keyspace', o.sourceKeyspace, '--tables', o.table, ...(o.createFlags ?? []),
  ]);
  const shards = cluster.topology.keyspaces.find((k) => k.name === o.targetKeyspace)?.shards.length ?? 1;
  let failed: string | undefined;
  await waitFor({
    what: `MoveTables ${o.targetKeyspace}.${o.workflow}: every stream copied and running`,
    timeoutMs: o.copyTimeoutMs ?? 120_000,
    intervalMs: 500,
    check: async () => {
      const { states, error } = await streamStates(cluster, o.targetKeyspace, o.workflow);
      failed = error;
      return { ready: states.length === shards && states.every((s) => s.endsWith(':Running')), status: states.join(', ') || 'no stream yet' };
    },
    dead: async () => failed,
  });
  await cluster.vtctld.run(['MoveTables', '--workflow', o.workflow, '--target-keyspace', o.targetKeyspace, 'SwitchTraffic', ...(o.switchFlags ?? [])]);
}
