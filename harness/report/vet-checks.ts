// A vet's check-by-check comparison: each threshold an experiment set (its `checks`), on the
// baseline against the same check on the candidate. A case can pass on both sides while one
// of its checks regressed (a case that expects its run to fail), or fail on both for different
// checks; comparing the checks sees both.
import { type Check, describeCheck } from '../experiment/assertions';
import { isFlaky, type Repeats } from './vet-repeats';

/** A check as one side of a vet holds it, with a name unique within its case. */
export interface NamedCheck extends Check {
  name: string;
  /** Over repeated runs of the case: how many recorded this check, how many passed it (the figure is the worst run's). */
  repeats?: Repeats;
}

/** A check of one side as a row holds it. */
export type SideCheck = Check & { repeats?: Repeats };

/**
 * ok: passes on both; regression: passes on the baseline, fails on the candidate; fixed: the
 * reverse; both-fail: measured on both and failing on both; unmeasured: measured on neither
 * (the two sides agree: a run that expects its fault not to fire measures no detection);
 * not-compared: on one side only, or measured on one side only; flaky: over repeated runs it
 * passed on some and not others of one side, so neither a regression nor a fix.
 */
export type CheckVerdict = 'ok' | 'regression' | 'fixed' | 'both-fail' | 'unmeasured' | 'not-compared' | 'flaky';

export interface CheckRow {
  name: string;
  baseline?: SideCheck;
  candidate?: SideCheck;
  verdict: CheckVerdict;
  /** Said for every verdict but ok, both-fail and unmeasured. */
  reason?: string;
}

/**
 * The checks of the reports behind one case, named by `what`; when the case wrote more than one
 * report, prefixed by its experiment, and a name met twice gets #2, #3 so none is lost.
 */
export function namedChecks(reports: readonly { experiment: string; checks?: readonly Check[] }[]): NamedCheck[] {
  const seen = new Map<string, number>();
  const out: NamedCheck[] = [];
  for (const r of reports) {
    for (const c of r.checks ?? []) {
      const base = reports.length > 1 ? `${r.experiment} › ${c.what}` : c.what;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      out.push({ ...c, name: n > 1 ? `${base} #${n}` : base });
    }
  }
  return out;
}

/** "measured 3.1 s, expected at most 2 s" (or "not measured (why), ..."): describeCheck without the name. */
export function checkFigure(c: Check): string {
  return describeCheck(c).slice(c.what.length + 2);
}

function compareOne(name: string, b: SideCheck | undefined, c: SideCheck | undefined): CheckRow {
  const row = (verdict: CheckVerdict, reason?: string): CheckRow => ({ name, ...(b ? { baseline: b } : {}), ...(c ? { candidate: c } : {}), verdict, ...(reason ? { reason } : {}) });
  if (!b || !c) return row('not-compared', `only on the ${b ? 'baseline' : 'candidate'} (${checkFigure((b ?? c)!)}); the other side did not record it`);
  const flaky = (['baseline', 'candidate'] as const).flatMap((side) => {
    const r = (side === 'baseline' ? b : c).repeats;
    return r && isFlaky(r) ? [`passes ${r.passed} of ${r.runs} runs on the ${side}`] : [];
  });
  if (flaky.length) return row('flaky', flaky.join('; '));
  const bMeasured = b.measured !== null;
  const cMeasured = c.measured !== null;
  if (!bMeasured && !cMeasured) return row('unmeasured');
  if (bMeasured !== cMeasured) {
    return row('not-compared', `measured on the ${bMeasured ? 'baseline' : 'candidate'} only: baseline ${checkFigure(b)}; candidate ${checkFigure(c)}`);
  }
  if (b.pass && !c.pass) return row('regression', `passes on the baseline (${checkFigure(b)}), fails on the candidate (${checkFigure(c)})`);
  if (!b.pass && c.pass) return row('fixed', `fails on the baseline (${checkFigure(b)}), passes on the candidate (${checkFigure(c)})`);
  return row(b.pass ? 'ok' : 'both-fail');
}

/** Every check of either side, in the baseline's order and then the candidate's own. */
export function compareChecks(baseline: readonly NamedCheck[], candidate: readonly NamedCheck[]): CheckRow[] {
  const names = [...new Set([...baseline.map((c) => c.name), ...candidate.map((c) => c.name)])];
  const strip = (c: NamedCheck | undefined): SideCheck | undefined => {
    if (!c) return undefined;
    const { name: _name, ...check } = c;
    return check;
  };
  return names.map((n) => compareOne(n, strip(baseline.find((c) => c.name === n)), strip(candidate.find((c) => c.name === n))));
}
