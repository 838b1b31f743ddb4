// Once per chaos suite: check the target and build any missing image, with progress, so
// experiments start from ready images and pay only their own bring-up.
import { prepareTarget } from '../harness/cluster/start';
import { resolveSettings } from '../harness/settings';

export default async function globalSetup(): Promise<void> {
  const settings = resolveSettings();
  const a = settings.attach;
  const where = a ? `the Vitess in namespace ${a.namespace} (attached; faults ${a.allowFaults ? 'allowed' : 'refused: experiments will refuse to run without --allow-faults'})` : `Vitess ${settings.vitess.release} on ${settings.database.id}`;
  process.stderr.write(`\n[chaos] ${where}, target ${settings.target}\n`);
  await prepareTarget(settings);
}
