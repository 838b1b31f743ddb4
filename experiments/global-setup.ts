// Once per chaos suite: check the target and build any missing image, with progress, so
// experiments start from ready images and pay only their own bring-up.
import { prepareTarget } from '../harness/cluster/start';
import { resolveSettings } from '../harness/settings';

export default async function globalSetup(): Promise<void> {
  const settings = resolveSettings();
  process.stderr.write(`\n[chaos] Vitess ${settings.vitess.release} on ${settings.database.id}, target ${settings.target}\n`);
  await prepareTarget(settings);
}
