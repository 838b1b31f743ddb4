// Once per chaos suite: check the engine and build any missing image, with progress, so
// experiments start from ready images and pay only their own bring-up.
import { assertEngine } from '../harness/cluster/docker/engine';
import { ensureImages } from '../harness/cluster/docker/images';
import { resolveSettings } from '../harness/settings';

export default async function globalSetup(): Promise<void> {
  const settings = resolveSettings();
  await assertEngine();
  process.stderr.write(`\n[chaos] Vitess ${settings.vitess.release} on ${settings.database.id}\n`);
  await ensureImages(settings);
}
