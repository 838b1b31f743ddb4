// Small helpers shared by the run report and the vet report: escaping, number formats,
// tables, badges and one stylesheet. Everything inline: the pages open offline.

export function esc(x: unknown): string {
  return String(x ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Seconds with 2 decimals, or a dash / the given word when not measured. */
export function secs(x: number | null | undefined, missing = '–'): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${x.toFixed(2)} s` : missing;
}

export function num(x: unknown, digits = 0): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : esc(x ?? '–');
}

export type Tone = 'pass' | 'fail' | 'warn' | 'neutral';

export function toneOf(verdict: string | undefined): Tone {
  if (verdict === 'pass' || verdict === 'passed' || verdict === 'clean' || verdict === 'ok') return 'pass';
  if (verdict === 'fail' || verdict === 'failed' || verdict === 'regression' || verdict === 'flagged') return 'fail';
  if (verdict === 'unknown' || verdict === 'both-fail' || verdict === 'fixed') return 'warn';
  return 'neutral';
}

export function badge(text: string, tone: Tone = toneOf(text)): string {
  return `<span class="badge ${tone}">${esc(text)}</span>`;
}

/** A table; cells are HTML already (escape text with esc). A row may carry a tone for its background. */
export function table(head: string[], rows: { cells: string[]; tone?: Tone }[], cls = ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr${r.tone ? ` class="${r.tone}"` : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** A two-column table of labelled values, without a header row (the section heading names it). */
export function kv(rows: [string, string][]): string {
  return `<table class="kv"><tbody>\n${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`;
}

/** Flattens nested figures ({a: {b: 1}}) into [["a.b", 1]] for a two-column table. */
export function flatten(value: unknown, prefix = ''): [string, unknown][] {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, value]];
}

/** A value for a figures table: numbers rounded, long text folded away. */
export function figure(v: unknown): string {
  if (typeof v === 'number') return num(v, Number.isInteger(v) ? 0 : 3);
  if (v === undefined || v === null) return '–';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 120 ? `<details><summary>${esc(s.slice(0, 100))}…</summary><pre>${esc(s)}</pre></details>` : esc(s);
}

export const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 28px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section.experiment { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 16px 20px; margin: 22px 0; }
.meta { color: #555; margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 4px 0 10px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; font-weight: 600; }
table.kv th { background: #f7f7f7; font-weight: normal; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
div.why { max-width: 520px; overflow-wrap: anywhere; font-size: 12px; }
div.name { max-width: 360px; }
tr.pass td { background: #eef7ee; }
tr.fail td { background: #fdecea; }
tr.warn td { background: #fff6e0; }
.nw { white-space: nowrap; }
.badge { white-space: nowrap; display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; text-transform: uppercase; vertical-align: middle; }
.badge.pass { background: #2e7d32; color: #fff; }
.badge.fail { background: #c62828; color: #fff; }
.badge.warn { background: #ef8f00; color: #fff; }
.badge.neutral { background: #777; color: #fff; }
.problems { background: #fdecea; border-left: 4px solid #c62828; padding: 6px 12px; margin: 8px 0; }
.problems li { margin: 2px 0; }
.note { color: #666; font-style: italic; }
.cols { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.cols > div { flex: 1 1 360px; min-width: 0; }
figure { margin: 10px 0 4px; }
figcaption { font-weight: 600; margin-bottom: 2px; }
svg { max-width: 100%; height: auto; }
.legend span { display: inline-block; margin-right: 16px; font-size: 12px; }
.legend i { display: inline-block; width: 18px; border-top: 2px dashed; vertical-align: middle; margin-right: 5px; }
pre { white-space: pre-wrap; word-break: break-word; font-size: 12px; margin: 4px 0; }
details summary { cursor: pointer; }
nav a { margin-right: 12px; }
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
