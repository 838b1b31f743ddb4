// Three-way figures: a measured number, or "not measured, because ...". A signal that was
// never read must not read as 0 (0 s of lag, 0 failed writes): a check on a figure that was
// not measured fails, and the report says why it was not measured.
export interface NotMeasured {
  notMeasured: string;
}

export type Figure = number | NotMeasured;

export const notMeasured = (why: string): NotMeasured => ({ notMeasured: why });

export function isMeasured(f: Figure | null | undefined): f is number {
  return typeof f === 'number' && Number.isFinite(f);
}

/** `value` when it is a finite number, otherwise not measured for `why`. */
export function figure(value: number | null | undefined, why: string): Figure {
  return typeof value === 'number' && Number.isFinite(value) ? value : notMeasured(why);
}

/** For text: the number with its unit, or "not measured (why)". */
export function showFigure(f: Figure | null | undefined, unit = ''): string {
  if (isMeasured(f)) return `${f}${unit ? ` ${unit}` : ''}`;
  return `not measured (${f && typeof f === 'object' ? f.notMeasured : 'no value was recorded'})`;
}
