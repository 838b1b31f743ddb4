// The experiment catalog the CLI runs from: the repository's loads, every entry names a real
// Jest file and every experiment file is listed; a missing or malformed catalog is refused
// with a message that says what to fix.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG } from '../experiments/catalog';
import { CatalogError, DEFAULT_EXPERIMENTS_DIR, experimentList, experimentsDir, loadCatalog, resolveExperiments, validateCatalog } from '../harness/cli/catalog';

describe("the repository's catalog", () => {
  const catalog = loadCatalog(DEFAULT_EXPERIMENTS_DIR);

  test('loads from experiments/, each entry resolved to its existing Jest file', () => {
    expect(catalog.entries.map((e) => e.name)).toEqual(CATALOG.map((e) => e.name));
    for (const e of catalog.entries) expect(e.path).toBe(join(DEFAULT_EXPERIMENTS_DIR, `${e.name}.chaos.ts`));
  });

  test('every experiment file is in the catalog', () => {
    const files = readdirSync(DEFAULT_EXPERIMENTS_DIR).filter((f) => f.endsWith('.chaos.ts'));
    expect(files.sort()).toEqual(catalog.entries.map((e) => e.file).sort());
  });

  test('resolving names: found in order given without repeats, unknown ones reported', () => {
    const { found, unknown } = resolveExperiments(catalog, ['int-sequence', 'smoke', 'smoke']);
    expect(found.map((e) => e.name)).toEqual(['int-sequence', 'smoke']);
    expect(unknown).toEqual([]);
    expect(resolveExperiments(catalog, ['smoke', 'failover-typo']).unknown).toEqual(['failover-typo']);
  });

  test('the list prints one aligned line per experiment', () => {
    const lines = experimentList(catalog).split('\n');
    expect(lines).toHaveLength(catalog.entries.length);
    expect(lines[0]).toMatch(/^ {2}smoke {2,}1,000 rows/);
  });
});

describe('finding and checking a catalog', () => {
  test('the folder: --experiments, else VITESS_CHAOS_EXPERIMENTS, else the repository', () => {
    expect(experimentsDir(undefined, {})).toBe(DEFAULT_EXPERIMENTS_DIR);
    expect(experimentsDir(undefined, { VITESS_CHAOS_EXPERIMENTS: '/srv/exp' })).toBe('/srv/exp');
    expect(experimentsDir('/opt/other', { VITESS_CHAOS_EXPERIMENTS: '/srv/exp' })).toBe('/opt/other');
  });

  const exists = (paths: string[]) => (p: string) => paths.includes(p);
  const good = { name: 'smoke', file: 'smoke.chaos.ts', description: 'rows through vtgate' };

  test('a valid list is resolved against its folder', () => {
    const c = validateCatalog({ CATALOG: [good] }, '/x', exists(['/x/smoke.chaos.ts']));
    expect(c.entries).toEqual([{ ...good, path: '/x/smoke.chaos.ts' }]);
  });

  test('no CATALOG export, or an empty one, is refused', () => {
    expect(() => validateCatalog({}, '/x')).toThrow(/exports no CATALOG list: it must export CATALOG/);
    expect(() => validateCatalog({ CATALOG: [] }, '/x')).toThrow(/CATALOG is empty/);
  });

  test('every bad entry is named at once', () => {
    const bad = [good, { ...good }, { name: 'Bad Name', file: 'x.chaos.ts', description: 'd' }, { name: 'nofile', file: 'gone.chaos.ts', description: '' }, { name: 'abs', file: '/x/abs.chaos.ts', description: 'd' }, null];
    let message = '';
    try {
      validateCatalog({ CATALOG: bad }, '/x', exists(['/x/smoke.chaos.ts', '/x/x.chaos.ts']));
    } catch (e) {
      expect(e).toBeInstanceOf(CatalogError);
      message = (e as Error).message;
    }
    expect(message).toContain('"smoke": listed twice');
    expect(message).toContain('"Bad Name": name must be lower-case letters, digits and dashes');
    expect(message).toContain('"nofile": description must be one non-empty line');
    expect(message).toContain('"nofile": /x/gone.chaos.ts does not exist');
    expect(message).toContain('"abs": file must be a *.chaos.ts path relative to /x');
    expect(message).toContain('entry 6: name must be');
  });

  test('REGRESSIONS, when exported, must name a CATALOG experiment and list well-formed cases', () => {
    const files = exists(['/x/smoke.chaos.ts']);
    const ok = { experiment: 'smoke', cases: [{ issue: 19225, affected: ['23.0.0'], fixedIn: '23.0.2', fix: 'sequences.go' }] };
    expect(validateCatalog({ CATALOG: [good], REGRESSIONS: ok }, '/x', files).regressions).toEqual(ok);
    expect(validateCatalog({ CATALOG: [good] }, '/x', files).regressions).toBeUndefined();
    expect(() => validateCatalog({ CATALOG: [good], REGRESSIONS: { ...ok, experiment: 'nope' } }, '/x', files)).toThrow(/REGRESSIONS.experiment must name an experiment of CATALOG/);
    expect(() => validateCatalog({ CATALOG: [good], REGRESSIONS: { ...ok, cases: [] } }, '/x', files)).toThrow(/REGRESSIONS.cases must list at least one case/);
    expect(() => validateCatalog({ CATALOG: [good], REGRESSIONS: { ...ok, cases: [{ issue: 1, affected: ['23'], fixedIn: '23.0.2', fix: 'x' }] } }, '/x', files)).toThrow(/REGRESSIONS.cases\[0\]: needs issue/);
  });

  test("the repository's catalog lists its regression cases, each named by a test of the regressions file", () => {
    const c = loadCatalog(DEFAULT_EXPERIMENTS_DIR);
    expect(c.regressions?.experiment).toBe('regressions');
    const tests = readFileSync(join(DEFAULT_EXPERIMENTS_DIR, 'regressions.chaos.ts'), 'utf8');
    for (const k of c.regressions!.cases) expect(tests).toContain(`Vitess issue ${k.issue}:`);
  });

  describe('from a folder', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vc-catalog-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('a missing folder, and a folder without catalog, say where to point', () => {
      expect(() => loadCatalog(join(dir, 'nowhere'))).toThrow(/no experiments folder at .*nowhere: point --experiments or VITESS_CHAOS_EXPERIMENTS/);
      expect(() => loadCatalog(dir)).toThrow(/no experiment catalog in .*: expected .*catalog\.ts/);
    });

    test('a catalog that throws when loaded is reported with its error', () => {
      writeFileSync(join(dir, 'catalog.js'), "throw new Error('syntax of the future');\n");
      expect(() => loadCatalog(dir)).toThrow(/cannot load .*catalog: syntax of the future/);
    });

    test('a catalog module is loaded and checked', () => {
      writeFileSync(join(dir, 'catalog.js'), `exports.CATALOG = [${JSON.stringify(good)}];\n`);
      expect(() => loadCatalog(dir)).toThrow(/smoke.chaos.ts does not exist/);
      writeFileSync(join(dir, 'smoke.chaos.ts'), '');
      expect(loadCatalog(dir).entries.map((e) => e.path)).toEqual([join(dir, 'smoke.chaos.ts')]);
    });
  });
});
