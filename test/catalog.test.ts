// The experiment catalog the CLI runs from: every entry names a real Jest file, and every
// experiment file is in the catalog.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG, resolveExperiments } from '../experiments/catalog';

const root = join(__dirname, '..');

describe('experiment catalog', () => {
  test('names are unique and each maps to an existing experiments/<name>.chaos.ts', () => {
    expect(new Set(CATALOG.map((e) => e.name)).size).toBe(CATALOG.length);
    for (const e of CATALOG) {
      expect(e.file).toBe(`experiments/${e.name}.chaos.ts`);
      expect(existsSync(join(root, e.file))).toBe(true);
      expect(e.description.length).toBeGreaterThan(10);
      expect(e.description).not.toContain('\n');
    }
  });

  test('every experiment file is in the catalog', () => {
    const files = readdirSync(join(root, 'experiments')).filter((f) => f.endsWith('.chaos.ts'));
    expect(files.map((f) => `experiments/${f}`).sort()).toEqual(CATALOG.map((e) => e.file).sort());
  });

  test('resolving names: found in order given, unknown ones reported', () => {
    expect(resolveExperiments(['int-sequence', 'smoke', 'smoke'])).toEqual({ found: [CATALOG[3], CATALOG[0]], unknown: [] });
    expect(resolveExperiments(['smoke', 'failover-typo']).unknown).toEqual(['failover-typo']);
  });
});
