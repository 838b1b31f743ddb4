// The bring-up comparison with Vitess's examples/local: parsing what vtgate served, medians, ratio, targets.
import { bringUpTargets, median, milestones, parseTablets, summarizeComparison, timedLines } from '../bench/examples-local';

const table = `examples-local: succeeded at 1764661701.123456789
+-------+----------+-------+------------+---------+------------------+----------------+----------------------+
| Cell  | Keyspace | Shard | TabletType | State   | Alias            | Hostname       | PrimaryTermStartTime |
+-------+----------+-------+------------+---------+------------------+----------------+----------------------+
| zone1 | commerce | 0     | PRIMARY    | SERVING | zone1-0000000100 | examples-local | 2026-12-02T07:48:35Z |
| zone1 | commerce | 0     | REPLICA    | SERVING | zone1-0000000101 | examples-local |                      |
| zone1 | commerce | 0     | RDONLY     | NOT_SERVING | zone1-0000000102 | examples-local |                  |
+-------+----------+-------+------------+---------+------------------+----------------+----------------------+
`;

const meta = { measuredAt: '2026-12-02T08:00:00.000Z', loadAverageAtStart: 1.234 };

describe('examples/local comparison', () => {
  it('reads each tablet of SHOW VITESS_TABLETS as type/state, skipping the header and rules', () => {
    expect(parseTablets(table)).toEqual({
      'zone1-0000000100': 'PRIMARY/SERVING',
      'zone1-0000000101': 'REPLICA/SERVING',
      'zone1-0000000102': 'RDONLY/NOT_SERVING',
    });
    expect(parseTablets('ERROR 2003 (HY000): cannot connect')).toEqual({});
  });

  it('times the lines where the example says a part is up, from the container creation', () => {
    const t0 = Date.parse('2026-12-02T07:48:21.000Z');
    const lines = timedLines(
      [
        '2026-12-02T07:48:21.300000000Z examples-local: started at 1796197701.3',
        '2026-12-02T07:48:26.449999999Z etcd is running!',
        '2026-12-02T07:48:27.000000000Z vtctld is running!',
        '2026-12-02T07:48:33.000000000Z vttablet for zone1-0000000100 is running!',
        '2026-12-02T07:48:34.000000000Z vttablet for zone1-0000000100 is running!',
        '2026-12-02T07:48:40.250000000Z vtgate is up!',
        'no time stamp is running!',
      ].join('\n'),
    );
    expect(lines[0]).toEqual({ at: t0 + 300, text: 'examples-local: started at 1796197701.3' });
    expect(milestones(lines, t0)).toEqual({
      'etcd is running!': 5.4,
      'vtctld is running!': 6,
      'vttablet for zone1-0000000100 is running!': 12,
      'vtgate is up!': 19.3,
    });
  });

  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('summarises runs into medians and the ratio of medians (ours over the example)', () => {
    const c = summarizeComparison(
      [
        { ours: 12.04, examplesLocal: 30.0, examplesLocalScript: 29.6 },
        { ours: 14.0, examplesLocal: 26.0, examplesLocalScript: 25.7 },
        { ours: 13.0, examplesLocal: 28.0, examplesLocalScript: 27.5 },
      ],
      meta,
    );
    expect(c.median).toEqual({ ours: 13, examplesLocal: 28, examplesLocalScript: 27.5 });
    expect(c.ratio).toBe(0.46);
    expect(c.runs[0].ours).toBe(12);
    expect(c.loadAverageAtStart).toBe(1.23);
    expect(c).not.toHaveProperty('hogHeld');
    expect(c.examplesLocalTabletsAtEnd).toEqual({});
    expect(() => summarizeComparison([], meta)).toThrow('no runs');
  });

  it('passes, fails, or says not measured for each target', () => {
    const idle = summarizeComparison([{ ours: 14, examplesLocal: 20, examplesLocalScript: 19.5 }], meta);
    const [ready, hog, ratio] = bringUpTargets(idle);
    expect(ready).toMatchObject({ measured: 14, verdict: 'pass' });
    expect(hog).toMatchObject({ measured: null, verdict: 'not measured' });
    expect(ratio).toMatchObject({ measured: 0.7, verdict: 'fail' });

    const withHog = summarizeComparison([{ ours: 24, examplesLocal: 40, examplesLocalScript: 39 }], { ...meta, hogHeld: true });
    expect(bringUpTargets(undefined, withHog).map((t) => t.verdict)).toEqual(['not measured', 'pass', 'not measured']);
    // A hog that stopped part-way: the run does not count as one under load.
    expect(bringUpTargets(undefined, { ...withHog, hogHeld: false })[1].verdict).toBe('not measured');
  });
});
