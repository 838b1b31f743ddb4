// The per-shard write probe, driven period by period against a recorded pool: a write that
// stalls across the end of a window must show in that window, not only after it completes.
import type { Pool } from 'mysql2/promise';
import { ShardWriteProbe, shardWritesIn } from '../harness/observe/failover-probes';
import { Timeline } from '../harness/observe/timeline';

/** A pool whose writes complete (or fail) when the test says so. */
function recordedPool() {
  const writes: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const pool = {
    query: () => new Promise<void>((resolve, reject) => writes.push({ resolve, reject })),
    end: async () => undefined,
  } as unknown as Pool;
  return { pool, writes };
}

const settle = () => new Promise((r) => setImmediate(r));

/** A probe on a hand-driven clock over a recorded pool. */
function probeOn(shard: string) {
  const clock = { now: 0 };
  const tl = new Timeline(() => clock.now);
  const { pool, writes } = recordedPool();
  return { clock, tl, writes, probe: new ShardWriteProbe(pool, shard) };
}

describe('shard write probe', () => {
  test('a write that stalls across the end of a window shows in that window, at its age so far', async () => {
    const { clock, tl, writes, probe } = probeOn('80-');
    // t = 0: a write, done in 8 ms.
    await probe.sample(tl);
    clock.now = 8;
    writes[0].resolve();
    await settle();
    // t = 100: the next write stalls; the probe keeps its period and samples the stall's age.
    clock.now = 100;
    await probe.sample(tl);
    for (clock.now = 200; clock.now <= 2000; clock.now += 100) await probe.sample(tl);
    expect(writes).toHaveLength(2); // one write at a time: no pile-up behind the stall
    clock.now = 2100;
    writes[1].resolve();
    await settle();

    // The window ends at 1000, mid-stall: its slowest write is the stall's age at the last period in it.
    expect(shardWritesIn(tl, '80-', 0, 1000)).toMatchObject({ failedWrites: 0, maxWriteMs: 900 });
    // Stamped at completion alone (as before), the same window held the 8 ms write only.
    const completedOnly = tl.series('shard_write', 'latency_ms', { shard: '80-' }).filter(([t]) => t === 8 || t === 2100);
    expect(completedOnly).toEqual([
      [8, 8],
      [2100, 2000],
    ]);
    // A window that starts inside the stall sees it too; one after it sees the completion.
    expect(shardWritesIn(tl, '80-', 1500, 1600).maxWriteMs).toBe(1500);
    expect(shardWritesIn(tl, '80-', 2050, 2200).maxWriteMs).toBe(2000);
  });

  test('a failed write is sampled ok = 0 when it ends; a probe closed mid-write records nothing more', async () => {
    const { clock, tl, writes, probe } = probeOn('-80');
    await probe.sample(tl);
    clock.now = 30;
    writes[0].reject(new Error('vttablet: rpc error'));
    await settle();
    expect(shardWritesIn(tl, '-80', 0, 100)).toMatchObject({ failedWrites: 1, maxWriteMs: 30 });
    // A window with no sample: unknown, not 0 ms.
    expect(shardWritesIn(tl, '-80', 50_000, 60_000)).toEqual({ samples: 0, failedWrites: 0, maxWriteMs: undefined });

    clock.now = 100;
    await probe.sample(tl);
    await probe.close();
    clock.now = 200;
    writes[1].reject(new Error('Pool is closed.'));
    await settle();
    expect(tl.series('shard_write', 'ok', { shard: '-80' })).toEqual([[30, 0]]);
  });
});
