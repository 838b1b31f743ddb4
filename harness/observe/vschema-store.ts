// The VSchema snapshot store: every keyspace's VSchema saved with a timestamp, at steady
// state and on every change seen, so the last known-good one can be re-applied, as the
// incident was ended by re-applying such a snapshot by hand. Files, so a CLI can use them.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '../cluster/cluster';
import { applyVSchema } from '../cluster/vschema';

export type SnapshotReason = 'steady-state' | 'change';

export interface VSchemaSnapshot {
  keyspace: string;
  takenAt: string;
  reason: SnapshotReason;
  vschema: unknown;
  file: string;
}

export class VSchemaStore {
  constructor(readonly dir: string) {}

  async save(keyspace: string, vschema: unknown, reason: SnapshotReason, at = new Date()): Promise<VSchemaSnapshot> {
    const folder = join(this.dir, keyspace);
    await fs.mkdir(folder, { recursive: true });
    const takenAt = at.toISOString();
    // Sortable names: the ISO time, then the reason.
    const file = join(folder, `${takenAt.replace(/:/g, '-')}-${reason}.json`);
    await fs.writeFile(file, `${JSON.stringify({ keyspace, takenAt, reason, vschema }, null, 2)}\n`);
    return { keyspace, takenAt, reason, vschema, file };
  }

  async list(keyspace: string): Promise<VSchemaSnapshot[]> {
    const folder = join(this.dir, keyspace);
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    const snaps = await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .sort()
        .map(async (n) => ({ ...(JSON.parse(await fs.readFile(join(folder, n), 'utf8')) as Omit<VSchemaSnapshot, 'file'>), file: join(folder, n) })),
    );
    return snaps;
  }

  /** The newest snapshot taken at steady state: the known-good one to restore. */
  async lastKnownGood(keyspace: string): Promise<VSchemaSnapshot | undefined> {
    return (await this.list(keyspace)).filter((s) => s.reason === 'steady-state').at(-1);
  }
}

/** Re-applies a snapshot (ApplyVSchema rebuilds the serving graph, so vtgates pick it up). */
export async function restoreVSchema(cluster: Cluster, snapshot: Pick<VSchemaSnapshot, 'keyspace' | 'vschema'>): Promise<void> {
  await applyVSchema(cluster, snapshot.keyspace, snapshot.vschema);
}
