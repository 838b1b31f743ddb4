// Charts as inline SVG, drawn in Node by Vega-Lite (compiled to Vega, rendered headless with
// no canvas and no DOM). One chart per quantity, all on the run's clock, each with the
// lifecycle markers: a dashed rule per event and its label in a band above the plot, the
// labels stacked in rows so that close events stay readable.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ChartData, Marker, MarkerKind } from './series';
import { MARKER_KINDS } from './series';

export const MARKER_COLORS: Record<MarkerKind, string> = { inject: '#c62828', detect: '#ef6c00', remediate: '#6a1b9a', recover: '#2e7d32' };
/** Series colours kept apart from the marker colours (blues, teal, greys, olive). */
const SERIES_COLORS = ['#1f77b4', '#17becf', '#7f7f7f', '#bcbd22', '#8c564b', '#393b79', '#5ab4ac', '#9467bd', '#aec7e8'];

/** Every chart's plot area, in px: the report's width, a strip high enough to read a trend. */
const SIZE = { width: 1060, height: 170 };

const LABEL_FONT_PX = 10;
/** Rough width of a character at LABEL_FONT_PX in a sans-serif face: enough to keep labels apart. */
const CHAR_PX = 5.8;
const ROW_PX = 13;
const MAX_ROWS = 6;

export interface PlacedMarker extends Marker {
  row: number;
  align: 'left' | 'right';
}

/**
 * Places each marker's label in the first row where it does not touch another label. Markers
 * of one kind at the same pixel are merged into one label ("detect: a, b").
 */
export function placeLabels(markers: readonly Marker[], end: number, plotWidth: number): PlacedMarker[] {
  const px = (t: number) => (end > 0 ? (t / end) * plotWidth : 0);
  const merged: Marker[] = [];
  for (const m of [...markers].sort((a, b) => a.t - b.t)) {
    const same = merged.find((x) => x.kind === m.kind && Math.abs(px(x.t) - px(m.t)) < 2);
    if (same) same.label = `${same.label}, ${m.label.slice(m.kind.length + 2)}`;
    else merged.push({ ...m });
  }
  const rows: [number, number][][] = [];
  return merged.map((m) => {
    const x = px(m.t);
    const w = m.label.length * CHAR_PX + 6;
    const align: 'left' | 'right' = x + w > plotWidth ? 'right' : 'left';
    const span: [number, number] = align === 'left' ? [x, x + w] : [x - w, x];
    let row = rows.findIndex((r) => r.every(([a, b]) => span[1] + 4 < a || span[0] - 4 > b));
    if (row === -1) row = rows.length < MAX_ROWS ? rows.length : MAX_ROWS - 1;
    (rows[row] ??= []).push(span);
    return { ...m, row, align };
  });
}

/** The Vega-Lite spec of one chart. `end`: the run's last second, shared by every chart of an experiment. */
function chartSpec(chart: ChartData, markers: readonly Marker[], end: number, window?: { from: number; to: number }): vl.TopLevelSpec {
  const x = { field: 't', type: 'quantitative' as const, title: 'seconds since the run started', scale: { domain: [0, end], nice: false, zero: true } };
  const placed = placeLabels(markers, end, SIZE.width);
  const kindColor = { field: 'kind', type: 'nominal' as const, scale: { domain: [...MARKER_KINDS], range: MARKER_KINDS.map((k) => MARKER_COLORS[k]) }, legend: null };
  // Loosely typed: the spec is checked as a whole by the compiler below (vl.compile throws on a bad one).
  const layers: Record<string, unknown>[] = [];
  if (window) {
    layers.push({
      data: { values: [{ t: window.from, t2: window.to }] },
      mark: { type: 'rect', color: '#e53935', opacity: 0.07 },
      encoding: { x: x, x2: { field: 't2' } },
    });
  }
  layers.push({
    data: { values: chart.points },
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: chart.yTitle, ...(chart.yDomain ? { scale: { domain: chart.yDomain } } : {}) },
      color: { field: 'series', type: 'nominal', title: null, scale: { range: SERIES_COLORS }, legend: { orient: 'bottom', direction: 'horizontal', columns: 4, labelLimit: 320 } },
    },
  });
  // One layer per label row and alignment: a row's labels share a height; its rules run from there to the x axis.
  const groups = new Map<string, PlacedMarker[]>();
  for (const m of placed) groups.set(`${m.row}/${m.align}`, [...(groups.get(`${m.row}/${m.align}`) ?? []), m]);
  // Rules first, then a white halo under every label, then the labels: a rule running up to a
  // higher row never crosses a label's text.
  const rowLayers: Record<string, unknown>[][] = [[], [], []];
  for (const [key, ms] of groups) {
    const [row, align] = key.split('/') as [string, 'left' | 'right'];
    const labelY = -6 - Number(row) * ROW_PX;
    const values = ms.map((m) => ({ t: m.t, kind: m.kind, label: m.label }));
    const text = { type: 'text', align, baseline: 'bottom', dx: align === 'left' ? 3 : -3, fontSize: LABEL_FONT_PX, fontWeight: 'bold' };
    rowLayers[0].push({
      data: { values },
      mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.3 },
      encoding: { x, y: { value: labelY + 2 }, y2: { value: SIZE.height }, color: kindColor },
    });
    rowLayers[1].push({ data: { values }, mark: { ...text, stroke: 'white', strokeWidth: 4, strokeJoin: 'round', fill: 'white' }, encoding: { x, y: { value: labelY }, text: { field: 'label' } } });
    rowLayers[2].push({ data: { values }, mark: text, encoding: { x, y: { value: labelY }, text: { field: 'label' }, color: kindColor } });
  }
  layers.push(...rowLayers.flat());
  return {
    width: SIZE.width,
    height: SIZE.height,
    padding: { left: 5, right: 15, top: 5, bottom: 5 },
    config: {
      font: 'Helvetica, Arial, sans-serif',
      axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eee' },
      legend: { labelFontSize: 11, symbolStrokeWidth: 3 },
      view: { stroke: '#ccc' },
    },
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  } as unknown as vl.TopLevelSpec;
}

/** Renders a Vega-Lite spec to an SVG string that can be inlined in HTML (no namespace URLs needed there). */
async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}

export async function renderChart(chart: ChartData, markers: readonly Marker[], end: number, window?: { from: number; to: number }): Promise<string> {
  return renderSvg(chartSpec(chart, markers, end, window));
}
