// `vitess-chaos vet-matrix`: the regression catalogue's experiment run once on each release,
// images built first where missing (timed apart from the run: the matrix's cost), every case's
// cell judged against what the catalogue expects, reports/vet-matrix.json written as it goes.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ensureImages } from '../cluster/docker/images';
import { REPORTS_DIR } from '../paths';
import { asExpected, MatrixCell, matrixTable, releaseCells } from '../report/vet-matrix';
import { summarize } from '../report/vet';
import type { Settings } from '../settings';
import type { Experiment, RegressionCatalogue } from './catalog';
import { EXIT } from './exit-codes';
import { RunOutcome, runChaos } from './run';

export const VET_MATRIX_FILE = join(REPORTS_DIR, 'vet-matrix.json');

export interface ReleaseCost {
  release: string;
  /** Seconds to make sure its images exist: a build when they were missing, seconds when not. */
  imagesSeconds: number;
  /** Seconds of the experiment run (bring-up, every case, teardown). */
  runSeconds: number;
  runDirs: string[];
}

export interface VetMatrix {
  at: string;
  database: string;
  cases: RegressionCatalogue['cases'];
  /** Releases the cases name that cannot run here, with why. */
  skipped: { release: string; why: string }[];
  cells: MatrixCell[];
  costs: ReleaseCost[];
  /** Every cell as the catalogue expects it. */
  asExpected: boolean;
  /** Set when the matrix stopped early (interrupted). */
  incomplete?: string;
}

export interface VetMatrixOptions {
  catalogue: RegressionCatalogue;
  entry: Experiment;
  settings: readonly Settings[];
  skipped: VetMatrix['skipped'];
  say: (line: string) => void;
  print: (o: RunOutcome) => void;
}

export async function runVetMatrix(o: VetMatrixOptions): Promise<{ matrix: VetMatrix; table: string; code: number }> {
  const matrix: VetMatrix = { at: new Date().toISOString(), database: o.settings[0]?.database.id ?? '', cases: o.catalogue.cases, skipped: o.skipped, cells: [], costs: [], asExpected: false };
  const save = () => fs.mkdir(REPORTS_DIR, { recursive: true }).then(() => fs.writeFile(VET_MATRIX_FILE, `${JSON.stringify(matrix, null, 2)}\n`));
  for (const [i, settings] of o.settings.entries()) {
    const release = settings.vitess.release;
    o.say(`vet matrix: Vitess ${release} (${i + 1} of ${o.settings.length}): images`);
    const t0 = Date.now();
    await ensureImages({ ...settings, progress: o.say });
    const t1 = Date.now();
    const outcome = await runChaos([o.entry], { settings, say: o.say });
    o.print(outcome);
    matrix.costs.push({ release, imagesSeconds: (t1 - t0) / 1000, runSeconds: (Date.now() - t1) / 1000, runDirs: outcome.runDirs });
    matrix.cells.push(...releaseCells(o.catalogue.cases, release, summarize(outcome.experiments, outcome.cases), outcome.experiments));
    if (outcome.code === EXIT.interrupted) {
      matrix.incomplete = `interrupted during Vitess ${release}`;
      await save();
      return { matrix, table: matrixTable(o.catalogue.cases, matrix.cells), code: EXIT.interrupted };
    }
    await save();
  }
  matrix.asExpected = matrix.cells.length > 0 && matrix.cells.every(asExpected);
  await save();
  return { matrix, table: matrixTable(o.catalogue.cases, matrix.cells), code: matrix.asExpected ? 0 : 1 };
}
