import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VSchemaStore } from '../harness/observe/vschema-store';

describe('VSchema snapshot store', () => {
  test('keeps every snapshot in time order and finds the last known-good one', async () => {
    const store = new VSchemaStore(mkdtempSync(join(tmpdir(), 'vc-vschema-')));
    const good1 = { sharded: true, tables: { a: {} } };
    const good2 = { sharded: true, tables: { a: {}, b: {} } };
    await store.save('customer', good1, 'steady-state', new Date('2026-01-10T08:00:00Z'));
    await store.save('customer', good2, 'steady-state', new Date('2026-01-10T08:10:00Z'));
    await store.save('customer', {}, 'change', new Date('2026-01-10T08:23:00Z'));
    await store.save('commerce', { tables: {} }, 'steady-state', new Date('2026-01-10T08:00:00Z'));

    const all = await store.list('customer');
    expect(all.map((x) => [x.takenAt, x.reason])).toEqual([
      ['2026-01-10T08:00:00.000Z', 'steady-state'],
      ['2026-01-10T08:10:00.000Z', 'steady-state'],
      ['2026-01-10T08:23:00.000Z', 'change'],
    ]);
    expect((await store.lastKnownGood('customer'))?.vschema).toEqual(good2);
    expect(await store.lastKnownGood('nowhere')).toBeUndefined();
  });
});
