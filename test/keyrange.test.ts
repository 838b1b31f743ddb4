import { contains, gaps, hashVindex, overlaps, parseShardName } from '../harness/cluster/keyrange';

describe('hash vindex', () => {
  // Expected keyspace ids are those Vitess's own hash vindex tests list.
  test.each([
    [1n, '166b40b44aba4bd6'],
    [2n, '06e7ea22ce92708f'],
    [3n, '4eb190c9a2fa169c'],
    [4n, 'd2fd8867d50d2dfe'],
    [5n, '70bb023c810ca87a'],
    [0n, '8ca64de9c1b123a7'],
    [18446744073709551615n, '355550b2150e2451'],
    [9223372036854775807n, 'f77d48aadda1f1bb'],
  ])('id %s maps to keyspace id %s', (id, hex) => {
    expect(hashVindex(id).toString('hex')).toBe(hex);
  });

  test('rejects values outside uint64', () => {
    expect(() => hashVindex(-1n)).toThrow(RangeError);
    expect(() => hashVindex(2n ** 64n)).toThrow(RangeError);
  });
});

describe('key ranges', () => {
  test('shard names parse to half-open ranges', () => {
    const low = parseShardName('-80');
    const high = parseShardName('80-');
    expect(contains(low, hashVindex(1n))).toBe(true); // 0x16...
    expect(contains(high, hashVindex(1n))).toBe(false);
    expect(contains(high, hashVindex(4n))).toBe(true); // 0xd2...
    expect(contains(low, Buffer.from('80', 'hex'))).toBe(false);
    expect(contains(high, Buffer.from('80', 'hex'))).toBe(true);
    expect(contains(parseShardName('0'), Buffer.from('ff', 'hex'))).toBe(true);
  });

  test('bad names are rejected with the expected form', () => {
    expect(() => parseShardName('80')).toThrow(/hex bounds/);
    expect(() => parseShardName('x-80')).toThrow(/hex bounds/);
    expect(() => parseShardName('80-40')).toThrow(/empty/);
  });

  test('overlap and gaps', () => {
    const r = (n: string) => parseShardName(n);
    expect(overlaps(r('-80'), r('80-'))).toBe(false);
    expect(overlaps(r('-80'), r('40-c0'))).toBe(true);
    expect(overlaps(r('-'), r('80-'))).toBe(true);
    expect(gaps([r('-80'), r('80-')])).toEqual([]);
    expect(gaps([r('-40'), r('80-')])).toEqual(['40-80']);
    expect(gaps([r('40-80')])).toEqual(['-40', '80-']);
  });
});
