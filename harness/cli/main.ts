// vitess-chaos command line. Exit codes: 0 success, 1 a failed check, 2 usage or environment error.
import { Command, CommanderError } from 'commander';
import { assertEngine, docker, EngineError } from '../cluster/engine';
import { ensureImages, IMAGE_REPO_PREFIX, listImages } from '../cluster/images';
import { removeAll } from '../cluster/reaper';
import { VersionError } from '../cluster/versions';
import { resolveSettings } from '../settings';

const program = new Command('vitess-chaos')
  .description('Chaos experiments against a real Vitess cluster in Docker')
  .exitOverride();

const images = program.command('images').description('build or list the images clusters run on');

images
  .command('build')
  .description('build the images for a Vitess version and database (only what is missing or changed)')
  .option('--vitess <version>', 'Vitess release, e.g. 24.0.3 (env VITESS_CHAOS_VITESS)')
  .option('--db <database>', 'database server, e.g. mysql-9.7 (env VITESS_CHAOS_DB)')
  .action(async (opts: { vitess?: string; db?: string }) => {
    const settings = resolveSettings({ vitess: opts.vitess, database: opts.db });
    await assertEngine();
    const set = await ensureImages(settings);
    process.stdout.write(`${Object.values(set).join('\n')}\n`);
  });

images
  .command('list')
  .description('list the images vitess-chaos built')
  .action(async () => {
    await assertEngine();
    for (const img of await listImages()) {
      process.stdout.write(`${img.tag.padEnd(44)} ${String(img.sizeMb).padStart(6)} MB  ${img.createdAt}  recipe ${img.recipe ?? '-'}\n`);
    }
  });

program
  .command('cleanup')
  .description('remove every container and network a run left behind')
  .option('--images', 'also remove every vitess-chaos image')
  .action(async (opts: { images?: boolean }) => {
    await assertEngine();
    const removed = await removeAll();
    process.stdout.write(`removed ${removed.containers.length} container(s), ${removed.networks.length} network(s)\n`);
    if (opts.images) {
      const tags = (await listImages()).map((i) => i.tag).filter((t) => t.startsWith(IMAGE_REPO_PREFIX));
      for (const tag of tags) await docker().getImage(tag).remove({ force: true });
      process.stdout.write(`removed ${tags.length} image(s)\n`);
    }
  });

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const usage = e instanceof VersionError || e instanceof EngineError;
    process.stderr.write(`vitess-chaos: ${(e as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

void main(process.argv).then((code) => process.exit(code));
