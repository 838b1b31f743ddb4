// The experiment catalog: what the CLI can run. The harness defines its shape and how it is
// found; the experiments folder supplies it (its `catalog` module exports CATALOG), so the
// harness never imports the experiments and another folder of experiments can be pointed at.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { REPO_ROOT } from '../paths';
import type { MatrixCase } from '../report/vet-matrix';

/** One experiment as the experiments folder lists it. */
export interface CatalogEntry {
  /** What a user types: `vitess-chaos run <name>`. */
  name: string;
  /** Its Jest file, relative to the experiments folder (e.g. `smoke.chaos.ts`). */
  file: string;
  /** One line, printed by `vitess-chaos list`. */
  description: string;
}

/** An entry after loading: with the absolute path of its Jest file. */
export interface Experiment extends CatalogEntry {
  path: string;
}

export interface Catalog {
  /** The experiments folder it was loaded from. */
  dir: string;
  entries: readonly Experiment[];
  /** The known regressions `vet-matrix` runs, when the folder lists them (its REGRESSIONS export). */
  regressions?: RegressionCatalogue;
}

/** The experiment holding the regression cases (one test per case, titled "Vitess issue N: ..."), and the cases. */
export interface RegressionCatalogue {
  experiment: string;
  cases: readonly MatrixCase[];
}

/** A catalog that is missing or malformed: said once, exit 2, nothing started. */
export class CatalogError extends Error {
  override name = 'CatalogError';
}

/** Where the catalog is looked for when neither --experiments nor the environment says. */
export const DEFAULT_EXPERIMENTS_DIR = join(REPO_ROOT, 'experiments');
export const EXPERIMENTS_ENV = 'VITESS_CHAOS_EXPERIMENTS';
/** The module, inside the experiments folder, that exports CATALOG. */
export const CATALOG_MODULE = 'catalog';

/** The experiments folder: the --experiments option, else the environment, else the repository's. */
export function experimentsDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = option ?? env[EXPERIMENTS_ENV];
  return given ? resolve(given) : DEFAULT_EXPERIMENTS_DIR;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const HOW = `it must export CATALOG, a list of { name, file, description } (file: the Jest file, relative to the folder)`;

/**
 * Checks what a catalog module exported, and resolves each entry's file; every problem is
 * named at once, so one edit fixes them all.
 */
export function validateCatalog(exported: unknown, dir: string, fileExists: (path: string) => boolean = existsSync): Catalog {
  const list = (exported as { CATALOG?: unknown } | null | undefined)?.CATALOG;
  const where = join(dir, CATALOG_MODULE);
  if (!Array.isArray(list)) throw new CatalogError(`${where} exports no CATALOG list: ${HOW}.`);
  if (list.length === 0) throw new CatalogError(`${where}: CATALOG is empty; list at least one experiment.`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const entries: Experiment[] = [];
  list.forEach((raw: unknown, i) => {
    const e = (raw ?? {}) as Partial<Record<keyof CatalogEntry, unknown>>;
    const label = typeof e.name === 'string' ? `"${e.name}"` : `entry ${i + 1}`;
    const before = problems.length;
    if (typeof e.name !== 'string' || !NAME.test(e.name)) problems.push(`${label}: name must be lower-case letters, digits and dashes`);
    else if (seen.has(e.name)) problems.push(`${label}: listed twice`);
    if (typeof e.description !== 'string' || !e.description.trim() || e.description.includes('\n')) problems.push(`${label}: description must be one non-empty line`);
    if (typeof e.file !== 'string' || isAbsolute(e.file) || !e.file.endsWith('.chaos.ts')) problems.push(`${label}: file must be a *.chaos.ts path relative to ${dir}`);
    else if (!fileExists(join(dir, e.file))) problems.push(`${label}: ${join(dir, e.file)} does not exist`);
    if (problems.length > before) return;
    const entry = e as CatalogEntry;
    seen.add(entry.name);
    entries.push({ name: entry.name, file: entry.file, description: entry.description, path: join(dir, entry.file) });
  });
  const regressions = (exported as { REGRESSIONS?: unknown }).REGRESSIONS;
  if (regressions !== undefined) problems.push(...regressionProblems(regressions, seen));
  if (problems.length) throw new CatalogError(`${where} is malformed (${HOW}):\n  ${problems.join('\n  ')}`);
  return { dir, entries, ...(regressions !== undefined ? { regressions: regressions as RegressionCatalogue } : {}) };
}

const RELEASE = /^\d+\.\d+\.\d+$/;

/** What is wrong with a REGRESSIONS export: { experiment: a CATALOG name, cases: [{ issue, affected, fixedIn, fix }] }. */
function regressionProblems(raw: unknown, names: ReadonlySet<string>): string[] {
  const r = (raw ?? {}) as { experiment?: unknown; cases?: unknown };
  const problems: string[] = [];
  if (typeof r.experiment !== 'string' || !names.has(r.experiment)) problems.push('REGRESSIONS.experiment must name an experiment of CATALOG');
  if (!Array.isArray(r.cases) || !r.cases.length) return [...problems, 'REGRESSIONS.cases must list at least one case'];
  r.cases.forEach((c: unknown, i) => {
    const k = (c ?? {}) as Partial<Record<keyof MatrixCase, unknown>>;
    const ok = Number.isInteger(k.issue) && Array.isArray(k.affected) && k.affected.length > 0 && k.affected.every((a) => typeof a === 'string' && RELEASE.test(a))
      && typeof k.fixedIn === 'string' && RELEASE.test(k.fixedIn) && typeof k.fix === 'string';
    if (!ok) problems.push(`REGRESSIONS.cases[${i}]: needs issue (a number), affected (releases like 23.0.0), fixedIn (a release) and fix`);
  });
  return problems;
}

/** Loads and checks the catalog of an experiments folder. `load` is `require` (ts-node or Jest compile TypeScript). */
export function loadCatalog(dir: string, load: (path: string) => unknown = require): Catalog {
  const where = join(dir, CATALOG_MODULE);
  if (!existsSync(dir)) {
    throw new CatalogError(`no experiments folder at ${dir}: point --experiments or ${EXPERIMENTS_ENV} at the folder that holds ${CATALOG_MODULE}.ts (default ${DEFAULT_EXPERIMENTS_DIR}).`);
  }
  if (!['.ts', '.js'].some((ext) => existsSync(where + ext))) {
    throw new CatalogError(`no experiment catalog in ${dir}: expected ${where}.ts; ${HOW}.`);
  }
  let exported: unknown;
  try {
    exported = load(where);
  } catch (e) {
    throw new CatalogError(`cannot load ${where}: ${(e as Error).message}`);
  }
  return validateCatalog(exported, dir);
}

/** The entries for `names`, in the order given and without repeats, or the names no entry matches. */
export function resolveExperiments(catalog: Catalog, names: readonly string[]): { found: Experiment[]; unknown: string[] } {
  const byName = new Map(catalog.entries.map((e) => [e.name, e]));
  const unknown = names.filter((n) => !byName.has(n));
  const found = [...new Set(names)].flatMap((n) => byName.get(n) ?? []);
  return { found, unknown };
}

/** The catalog as `vitess-chaos list` prints it: one aligned line per experiment. */
export function experimentList(catalog: Catalog): string {
  const w = Math.max(...catalog.entries.map((e) => e.name.length));
  return catalog.entries.map((e) => `  ${e.name.padEnd(w)}  ${e.description}`).join('\n');
}
