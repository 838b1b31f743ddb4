// Key ranges and keyspace ids, as Vitess defines them, so the harness can check on its own
// which shard a row belongs to.
import { createCipheriv } from 'node:crypto';

/** A half-open range [start, end) of keyspace ids; empty start/end mean unbounded. */
export interface KeyRange {
  start: Buffer;
  end: Buffer;
}

const HEX = /^[0-9a-f]*$/;

/** Parses a shard name ("-80", "80-c0", "0" or "-" for the whole range). */
export function parseShardName(name: string): KeyRange {
  if (name === '0' || name === '-') return { start: Buffer.alloc(0), end: Buffer.alloc(0) };
  const parts = name.toLowerCase().split('-');
  if (parts.length !== 2 || !HEX.test(parts[0]) || !HEX.test(parts[1]) || parts[0].length % 2 || parts[1].length % 2) {
    throw new Error(`"${name}" is not a shard name: write key ranges as hex bounds like "-80", "80-" or "40-80"`);
  }
  const range = { start: Buffer.from(parts[0], 'hex'), end: Buffer.from(parts[1], 'hex') };
  if (range.end.length > 0 && compareKeys(range.start, range.end) >= 0) {
    throw new Error(`shard "${name}" is empty: its start is not below its end`);
  }
  return range;
}

/** Compares keyspace ids as Vitess does: bytewise, a shorter prefix sorts first. */
export function compareKeys(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

export function contains(range: KeyRange, keyspaceId: Buffer): boolean {
  const afterStart = range.start.length === 0 || compareKeys(keyspaceId, range.start) >= 0;
  const beforeEnd = range.end.length === 0 || compareKeys(keyspaceId, range.end) < 0;
  return afterStart && beforeEnd;
}

function upper(range: KeyRange): Buffer | undefined {
  return range.end.length === 0 ? undefined : range.end;
}

export function overlaps(a: KeyRange, b: KeyRange): boolean {
  const aEnd = upper(a);
  const bEnd = upper(b);
  const aBeforeB = aEnd !== undefined && compareKeys(aEnd, b.start) <= 0;
  const bBeforeA = bEnd !== undefined && compareKeys(bEnd, a.start) <= 0;
  return !aBeforeB && !bBeforeA;
}

/**
 * Gaps left by a set of non-overlapping ranges, as readable "start-end" strings; an empty
 * list means the ranges cover every keyspace id.
 */
export function gaps(ranges: KeyRange[]): string[] {
  const sorted = [...ranges].sort((a, b) => compareKeys(a.start, b.start));
  const found: string[] = [];
  let cursor: Buffer | undefined = Buffer.alloc(0);
  for (const r of sorted) {
    if (cursor === undefined) break;
    if (compareKeys(r.start, cursor) !== 0) found.push(`${cursor.toString('hex')}-${r.start.toString('hex')}`);
    cursor = upper(r);
  }
  if (cursor !== undefined) found.push(`${cursor.toString('hex')}-`);
  return found;
}

/**
 * The keyspace id Vitess's `hash` vindex gives a numeric column value: the value as a
 * big-endian uint64, encrypted with triple DES under an all-zero key.
 */
export function hashVindex(id: bigint | number): Buffer {
  const value = BigInt(id);
  if (value < 0n || value > 0xffffffffffffffffn) throw new RangeError(`hash vindex takes a uint64, got ${value}`);
  const block = Buffer.alloc(8);
  block.writeBigUInt64BE(value);
  const cipher = createCipheriv('des-ede3', Buffer.alloc(24), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/** The next id at or after `from` that hashes into the shard's key range. */
export function nextIdInShard(range: KeyRange, from: bigint): bigint {
  let id = from;
  while (!contains(range, hashVindex(id))) id++;
  return id;
}
