// The images a cluster runs, built offline (debootstrap, Debian packages, the Go module
// proxy) and only when missing or when their recipe changed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { docker } from './engine';
import { RECIPE_LABEL } from '../labels';
import { Database, VitessVersion } from '../versions';
import { CACHE_DIR, DOCKER_DIR, REPORTS_DIR } from '../../paths';

export const BASE_IMAGE = 'vitess-chaos/base:sid';
export const IMAGE_REPO_PREFIX = 'vitess-chaos/';

export interface ImageSet {
  etcd: string;
  tablet: string;
  control: string;
}

export interface ImageOptions {
  vitess: VitessVersion;
  database: Database;
  /** One line per step; defaults to stderr. */
  progress?: (line: string) => void;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

const RECIPES = join(DOCKER_DIR, 'recipes');
const BUILD_LOGS = join(REPORTS_DIR, 'builds');
const TABLET_BINARIES = ['mysqlctl', 'mysqlctld', 'vttablet', 'vtctldclient'];
const CONTROL_BINARIES = ['vtctld', 'vtgate', 'vtorc', 'vtctldclient'];
const ALL_BINARIES = [...new Set([...TABLET_BINARIES, ...CONTROL_BINARIES])];
/** What Vitess's examples/local runs beyond the tablet image's binaries. */
const EXAMPLES_BINARIES = ['vtctld', 'vtgate', 'vtorc'];

export function imageTags(vitess: VitessVersion, database: Database): ImageSet & { db: string } {
  return {
    db: `${IMAGE_REPO_PREFIX}db:${database.id}`,
    etcd: `${IMAGE_REPO_PREFIX}etcd:debian`,
    tablet: `${IMAGE_REPO_PREFIX}tablet:${vitess.release}-${database.id}`,
    control: `${IMAGE_REPO_PREFIX}control:${vitess.release}`,
  };
}

export function binaryDir(vitess: VitessVersion): string {
  return join(CACHE_DIR, 'vitess', vitess.module, 'bin');
}

/** The source of vitess.io/vitess at this version, where build-vitess.sh's `go mod download` puts it. */
export function vitessModuleDir(vitess: VitessVersion): string {
  return join(CACHE_DIR, 'go-mod', 'vitess.io', `vitess@${vitess.module}`);
}

/** Vitess's own examples/local on the tablet image: only for the bring-up comparison in the bench. */
export function examplesLocalTag(vitess: VitessVersion, database: Database): string {
  return `${IMAGE_REPO_PREFIX}examples-local:${vitess.release}-${database.id}`;
}

async function hashFiles(hash: ReturnType<typeof createHash>, paths: string[]): Promise<void> {
  for (const p of paths.sort()) {
    const stat = await fs.stat(p);
    if (stat.isDirectory()) {
      const entries = await fs.readdir(p);
      await hashFiles(hash, entries.map((e) => join(p, e)));
    } else {
      hash.update(relative(DOCKER_DIR, p)).update(await fs.readFile(p));
    }
  }
}

/** A fingerprint of everything that shapes an image: its files, arguments and parent. */
async function recipeHash(files: string[], ...extra: string[]): Promise<string> {
  const hash = createHash('sha256');
  await hashFiles(hash, files);
  for (const e of extra) hash.update('\0').update(e);
  return hash.digest('hex').slice(0, 16);
}

async function imageInfo(tag: string): Promise<{ id: string; recipe?: string } | undefined> {
  try {
    const info = await docker().getImage(tag).inspect();
    return { id: info.Id, recipe: info.Config?.Labels?.[RECIPE_LABEL] };
  } catch {
    return undefined;
  }
}

function logPathFor(name: string): string {
  return join(BUILD_LOGS, `${name.replace(/[^a-zA-Z0-9.-]+/g, '_')}.log`);
}

/** Runs a command with its output in a log file; on failure the error quotes the log's tail. */
async function runLogged(what: string, cmd: string, args: string[], log: string, cwd?: string): Promise<void> {
  await fs.mkdir(BUILD_LOGS, { recursive: true });
  const out = createWriteStream(log);
  const code = await new Promise<number>((resolveCode, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', reject);
    child.on('close', (c) => resolveCode(c ?? 1));
  });
  await new Promise<void>((r) => out.end(r));
  if (code !== 0) {
    const tail = (await fs.readFile(log, 'utf8')).trimEnd().split('\n').slice(-15).join('\n');
    throw new ImageBuildError(`${what} failed (exit ${code}); full log: ${log}\n${tail}`);
  }
}

class Steps {
  constructor(private readonly progress: (line: string) => void) {}

  /** Runs one step with a start line, a line every 20 s while it lasts, and an end line. */
  async step<T>(name: string, log: string | undefined, work: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    this.progress(`[images] ${name}: building${log ? ` (log: ${relative(process.cwd(), log)})` : ''}`);
    const ticker = setInterval(() => this.progress(`[images] ${name}: still building, ${secs(t0)}`), 20_000);
    ticker.unref();
    try {
      const result = await work();
      this.progress(`[images] ${name}: ready in ${secs(t0)}`);
      return result;
    } finally {
      clearInterval(ticker);
    }
  }
}

function secs(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Builds with `docker build` from a context holding only the files the recipe copies. */
async function dockerBuild(
  steps: Steps,
  tag: string,
  dockerfile: string,
  recipe: string,
  buildArgs: Record<string, string>,
  context: (dir: string) => Promise<void>,
): Promise<string> {
  const existing = await imageInfo(tag);
  if (existing && existing.recipe === recipe) return existing.id;
  const log = logPathFor(tag);
  await steps.step(tag, log, async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'vitess-chaos-ctx-'));
    try {
      await context(dir);
      const args = ['build', '-f', join(RECIPES, dockerfile), '-t', tag, '--label', `${RECIPE_LABEL}=${recipe}`];
      for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
      await runLogged(`docker build of ${tag}`, 'docker', [...args, dir], log);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
  const built = await imageInfo(tag);
  if (!built) throw new ImageBuildError(`docker build reported success but ${tag} is missing`);
  return built.id;
}

async function copyInto(dir: string, sub: string, files: string[]): Promise<void> {
  await fs.mkdir(join(dir, sub), { recursive: true });
  for (const f of files) {
    const target = join(dir, sub, f.split('/').pop() as string);
    // Hard links keep a 100 MB binary from being copied for every build context.
    await fs.link(f, target).catch(() => fs.copyFile(f, target));
  }
}

async function ensureBase(steps: Steps): Promise<string> {
  const script = join(DOCKER_DIR, 'bootstrap-base.sh');
  const recipe = await recipeHash([script]);
  const existing = await imageInfo(BASE_IMAGE);
  if (existing && existing.recipe === recipe) return existing.id;
  const log = logPathFor(BASE_IMAGE);
  await steps.step(`${BASE_IMAGE} (debootstrap + docker import)`, log, () =>
    runLogged('debootstrap of the base image', script, [BASE_IMAGE, `${RECIPE_LABEL}=${recipe}`], log),
  );
  const built = await imageInfo(BASE_IMAGE);
  if (!built) throw new ImageBuildError(`${BASE_IMAGE} is missing after debootstrap`);
  return built.id;
}

/** Binaries are current when all exist and were built by this version of the build script. */
async function ensureBinaries(steps: Steps, vitess: VitessVersion, scriptHash: string): Promise<string> {
  const dir = binaryDir(vitess);
  const stamp = join(dir, '.recipe');
  const wanted = [...ALL_BINARIES, 'init_db.sql'].map((b) => join(dir, b));
  const current = existsSync(stamp) && (await fs.readFile(stamp, 'utf8')) === scriptHash;
  if (current && wanted.every((f) => existsSync(f))) return dir;
  const log = logPathFor(`vitess-binaries-${vitess.module}`);
  await steps.step(`Vitess ${vitess.release} binaries (go build of vitess.io/vitess@${vitess.module})`, log, () =>
    runLogged(`building Vitess ${vitess.release}`, join(DOCKER_DIR, 'build-vitess.sh'), [vitess.module, dir], log),
  );
  await fs.writeFile(stamp, scriptHash);
  return dir;
}

/**
 * Makes sure every image for this Vitess version and database exists and matches its
 * recipe, building what is missing. Returns the tags to run.
 */
export async function ensureImages(options: ImageOptions): Promise<ImageSet> {
  const { vitess, database } = options;
  const steps = new Steps(options.progress ?? ((line) => process.stderr.write(`${line}\n`)));
  const tags = imageTags(vitess, database);

  const baseId = await ensureBase(steps);
  const buildScript = await recipeHash([join(DOCKER_DIR, 'build-vitess.sh')]);
  const [dbId, , bins] = await Promise.all([
    dockerBuild(
      steps,
      tags.db,
      'db.Dockerfile',
      await recipeHash([join(RECIPES, 'db.Dockerfile')], baseId, database.packages.join(' ')),
      { BASE_IMAGE: baseId, DB_PACKAGES: database.packages.join(' ') },
      async () => undefined,
    ),
    dockerBuild(steps, tags.etcd, 'etcd.Dockerfile', await recipeHash([join(RECIPES, 'etcd.Dockerfile')], baseId), { BASE_IMAGE: baseId }, async () => undefined),
    ensureBinaries(steps, vitess, buildScript),
  ]);
  const binaryStamp = `${vitess.module}:${buildScript}`;
  await Promise.all([
    dockerBuild(
      steps,
      tags.tablet,
      'tablet.Dockerfile',
      await recipeHash([join(RECIPES, 'tablet.Dockerfile'), join(RECIPES, 'tablet')], dbId, binaryStamp),
      { DB_IMAGE: dbId },
      async (dir) => {
        await copyInto(dir, 'bin', TABLET_BINARIES.map((b) => join(bins, b)));
        await fs.cp(join(RECIPES, 'tablet'), join(dir, 'tablet'), { recursive: true });
        await fs.copyFile(join(bins, 'init_db.sql'), join(dir, 'tablet', 'init_db.vitess.sql'));
      },
    ),
    dockerBuild(
      steps,
      tags.control,
      'control.Dockerfile',
      await recipeHash([join(RECIPES, 'control.Dockerfile'), join(RECIPES, 'control')], baseId, binaryStamp),
      { BASE_IMAGE: baseId },
      async (dir) => {
        await copyInto(dir, 'bin', CONTROL_BINARIES.map((b) => join(bins, b)));
        await fs.cp(join(RECIPES, 'control'), join(dir, 'control'), { recursive: true });
      },
    ),
  ]);
  return { etcd: tags.etcd, tablet: tags.tablet, control: tags.control };
}

/** The module's source (for its examples), downloaded again when the Go module cache was emptied. */
async function ensureModuleSource(steps: Steps, vitess: VitessVersion): Promise<string> {
  const dir = vitessModuleDir(vitess);
  if (existsSync(join(dir, 'examples', 'local', '101_initial_cluster.sh'))) return dir;
  const log = logPathFor(`vitess-source-${vitess.module}`);
  const cwd = await fs.mkdtemp(join(tmpdir(), 'vitess-chaos-mod-'));
  try {
    await steps.step(`vitess.io/vitess@${vitess.module} source (go mod download)`, log, () =>
      runLogged(
        `downloading vitess.io/vitess@${vitess.module} from the Go module proxy (needs Go)`,
        'env',
        [`GOMODCACHE=${join(CACHE_DIR, 'go-mod')}`, 'GOTOOLCHAIN=local', 'GOFLAGS=-mod=mod', 'go', 'mod', 'download', `vitess.io/vitess@${vitess.module}`],
        log,
        cwd,
      ),
    );
  } finally {
    await fs.rm(cwd, { recursive: true, force: true });
  }
  return dir;
}

/** A copy with ordinary modes: the Go module cache holds every file read-only, scripts included. */
async function copyTree(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const e of await fs.readdir(from, { withFileTypes: true })) {
    const [src, dst] = [join(from, e.name), join(to, e.name)];
    if (e.isDirectory()) await copyTree(src, dst);
    else if (e.isFile()) {
      await fs.copyFile(src, dst);
      await fs.chmod(dst, e.name.endsWith('.sh') ? 0o755 : 0o644);
    }
  }
}

/**
 * The image that runs Vitess's own examples/local (its 101 script) in one container: the tablet
 * image (same MySQL, same binaries) plus curl, etcd and etcdctl, vtctld, vtgate, vtorc and the
 * module's examples directory. Built only when missing or changed, like the others.
 */
export async function ensureExamplesLocalImage(options: ImageOptions): Promise<string> {
  const { vitess, database } = options;
  const steps = new Steps(options.progress ?? ((line) => process.stderr.write(`${line}\n`)));
  await ensureImages(options);
  const tabletTag = imageTags(vitess, database).tablet;
  const tablet = await imageInfo(tabletTag);
  if (!tablet) throw new ImageBuildError(`${tabletTag} is missing after the image build`);
  const source = await ensureModuleSource(steps, vitess);
  const bins = binaryDir(vitess);
  const binaryStamp = `${vitess.module}:${await recipeHash([join(DOCKER_DIR, 'build-vitess.sh')])}`;
  const tag = examplesLocalTag(vitess, database);
  await dockerBuild(
    steps,
    tag,
    'examples-local.Dockerfile',
    await recipeHash([join(RECIPES, 'examples-local.Dockerfile'), join(RECIPES, 'examples-local')], tablet.id, binaryStamp),
    { TABLET_IMAGE: tablet.id },
    async (dir) => {
      await copyInto(dir, 'bin', EXAMPLES_BINARIES.map((b) => join(bins, b)));
      await fs.cp(join(RECIPES, 'examples-local'), join(dir, 'examples-local'), { recursive: true });
      await copyTree(join(source, 'examples'), join(dir, 'examples'));
    },
  );
  return tag;
}

export interface ImageSummary {
  tag: string;
  createdAt: string;
  sizeMb: number;
  recipe?: string;
}

export async function listImages(): Promise<ImageSummary[]> {
  const images = await docker().listImages();
  return images
    .flatMap((img) =>
      (img.RepoTags ?? [])
        .filter((t) => t.startsWith(IMAGE_REPO_PREFIX))
        .map((tag) => ({
          tag,
          createdAt: new Date(img.Created * 1000).toISOString(),
          sizeMb: Math.round(img.Size / 1e6),
          recipe: img.Labels?.[RECIPE_LABEL],
        })),
    )
    .sort((a, b) => a.tag.localeCompare(b.tag));
}
