// vtctldclient, run inside the node that runs vtctld (a container, a pod) so the host needs no
// Vitess binaries. The target says how to run a command there.
import type { TabletRole, VtctldClient } from './cluster';
import { tabletAlias } from './topology';

/** Runs a command inside a node, its output streams kept apart (JSON on stdout, errors on stderr). */
export type NodeCommand = (command: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

/** An error as Vitess words it: without the command line, log prefix and gRPC wrapping before it, or the caller id after. */
export const vitessWords = (error: string) => error.replace(/^[\s\S]*?desc = /, '').replace(/\s*\(CallerID: [^)]*\)[\s\S]*$/, '');

export class VtctldError extends Error {
  override name = 'VtctldError';
}

export class ExecVtctldClient implements VtctldClient {
  constructor(private readonly exec: NodeCommand) {}

  async run(args: string[]): Promise<string> {
    const r = await this.exec(['vtctldclient', '--server', 'localhost:15999', ...args]);
    if (r.exitCode !== 0) {
      throw new VtctldError(`vtctldclient ${args.join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
    }
    return r.stdout;
  }

  async json<T>(args: string[]): Promise<T> {
    const out = await this.run(args);
    // Some commands print a sentence before the JSON ("Successfully created keyspace x. Result:").
    const start = out.search(/[[{]/);
    return JSON.parse(start >= 0 ? out.slice(start) : out) as T;
  }
}

/** A tablet as vtctldclient prints it in JSON (only the fields the harness reads). */
export interface TopoTablet {
  alias: { cell: string; uid: number };
  hostname: string;
  keyspace: string;
  shard: string;
  type: string | number;
  mysql_port?: number;
}

const TYPE_NAMES: Record<number, string> = { 1: 'PRIMARY', 2: 'REPLICA', 3: 'RDONLY' };

export function tabletTypeName(type: string | number): string {
  return typeof type === 'number' ? (TYPE_NAMES[type] ?? `TYPE_${type}`) : type.toUpperCase();
}

/** A tablet's role as the topology server has it now. */
export async function tabletRole(vtctld: VtctldClient, alias: string): Promise<TabletRole> {
  const name = tabletTypeName((await vtctld.json<TopoTablet>(['GetTablet', alias])).type).toLowerCase();
  return name === 'primary' || name === 'replica' || name === 'rdonly' ? name : 'unknown';
}

/** The alias of a shard's primary per the topology server; throws when it has none. */
export async function primaryAlias(vtctld: VtctldClient, keyspace: string, shard: string): Promise<string> {
  const info = await vtctld.json<{ shard: { primary_alias?: { cell: string; uid: number } } }>(['GetShard', `${keyspace}/${shard}`]);
  const a = info.shard.primary_alias;
  if (!a) throw new Error(`shard ${keyspace}/${shard} has no primary in the topology`);
  return tabletAlias(a.cell, a.uid);
}
