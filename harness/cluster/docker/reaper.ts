// Removal of labelled containers and networks: one run's own, what dead runs left, or all.
import { docker } from './engine';
import { leftByDeadRun, RUN_LABEL } from '../labels';

export interface Removed {
  containers: string[];
  networks: string[];
}

type LabelFilter = (labels: Record<string, string>) => boolean;

async function removeWhere(keep: LabelFilter): Promise<Removed> {
  const d = docker();
  const removed: Removed = { containers: [], networks: [] };
  const containers = await d.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  await Promise.all(
    containers
      .filter((c) => keep(c.Labels))
      .map(async (c) => {
        // Force: a stopped run has nothing to shut down gracefully; errors mean already gone.
        await d.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
        removed.containers.push(c.Names[0]?.replace(/^\//, '') ?? c.Id);
      }),
  );
  const networks = await d.listNetworks({ filters: { label: [RUN_LABEL] } });
  for (const n of networks.filter((n) => keep(n.Labels ?? {}))) {
    await d.getNetwork(n.Id).remove().catch(() => undefined);
    removed.networks.push(n.Name);
  }
  return removed;
}

export function removeRun(runId: string): Promise<Removed> {
  return removeWhere((labels) => labels[RUN_LABEL] === runId);
}

/** Removes what runs on this host left when their process died (killed, crashed). */
export function reapOrphans(): Promise<Removed> {
  return removeWhere(leftByDeadRun);
}

/** Removes every labelled container and network, whoever made it (make clean). */
export function removeAll(): Promise<Removed> {
  return removeWhere(() => true);
}
