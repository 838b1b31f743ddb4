// What the charts are drawn from, and where marker labels go.
import { join } from 'node:path';
import { placeLabels } from '../harness/report/charts';
import { readRun } from '../harness/report/run-report';
import { chartsOf, faultWindow, Marker, markersOf, runEnd } from '../harness/report/series';

describe('chart data from a run', () => {
  test('series and markers of the int-sequence run', async () => {
    const [r] = (await readRun(join(__dirname, 'fixtures', 'run-int-sequence'))).experiments;
    const charts = chartsOf(r);
    expect(charts.map((c) => c.id)).toEqual(['throughput', 'latency', 'errors', 'replica-lag', 'sequence-headroom']);
    const lag = charts.find((c) => c.id === 'replica-lag')!;
    expect(new Set(lag.points.map((p) => p.series))).toEqual(new Set(['zone1-0000000101 (commerce/0)', 'zone1-0000000201 (customer/-80)', 'zone1-0000000202 (customer/-80)', 'zone1-0000000301 (customer/80-)', 'zone1-0000000302 (customer/80-)']));
    const headroom = charts.find((c) => c.id === 'sequence-headroom')!;
    expect(headroom.skipped).toBeUndefined();
    expect(headroom.points.some((p) => p.series === 'events.id int' && p.value < 1)).toBe(true);
    expect(Math.max(...charts.find((c) => c.id === 'errors')!.points.map((p) => p.value))).toBeLessThanOrEqual(100);

    const markers = markersOf(r);
    expect(markers.map((m) => m.kind)).toEqual(['inject', 'detect', 'detect', 'detect', 'remediate', 'remediate', 'remediate', 'recover']);
    expect(markers[0]).toEqual({ t: 6.714, kind: 'inject', label: 'inject: sequence-near-int-max' });
    const end = runEnd(r);
    expect(end).toBeGreaterThan(33);
    expect(faultWindow(markers, end)).toEqual({ from: 6.714, to: 28.116 });
  });
});

describe('marker labels', () => {
  const m = (t: number, kind: Marker['kind'], name: string): Marker => ({ t, kind, label: `${kind}: ${name}` });

  test('close events go to separate rows; distant ones share the first', () => {
    const placed = placeLabels([m(7.1, 'inject', 'empty-vschema'), m(7.6, 'detect', 'vschema-drift'), m(7.8, 'remediate', 'vschema snapshot re-applied'), m(30, 'recover', 'x')], 40, 1000);
    expect(placed.map((p) => p.row)).toEqual([0, 1, 2, 0]);
  });

  test('labels near the right edge are right-aligned, so they stay inside the chart', () => {
    const [p] = placeLabels([m(39, 'recover', 'heartbeat at baseline')], 40, 1000);
    expect(p.align).toBe('right');
  });

  test('events of one kind at the same instant share one label', () => {
    const placed = placeLabels([m(7.47, 'detect', 'integer-headroom-80'), m(7.47, 'detect', 'integer-headroom-95'), m(7.47, 'inject', 'f')], 33, 1000);
    expect(placed.map((p) => p.label)).toEqual(['detect: integer-headroom-80, integer-headroom-95', 'inject: f']);
  });
});
