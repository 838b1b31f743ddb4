// GTID sets as MySQL prints them ("uuid:1-5:7,uuid2:3"), counted: how many transactions a
// replica received and never applied is a number a report can show.

/** Transactions in a GTID set; 0 for an empty one. Throws on text that is not a GTID set. */
export function gtidCount(set: string): number {
  const text = set.replace(/\s+/g, '');
  if (!text) return 0;
  let n = 0;
  for (const part of text.split(',')) {
    const [uuid, ...ranges] = part.split(':');
    if (!uuid || !ranges.length) throw new Error(`not a GTID set: "${set}"`);
    for (const r of ranges) {
      // MySQL 8.4+ may tag a set ("uuid:tag:1-5"): a tag is a name, not a range.
      if (/^[a-z_][a-z0-9_]*$/i.test(r)) continue;
      const m = /^(\d+)(?:-(\d+))?$/.exec(r);
      if (!m) throw new Error(`not a GTID set: "${set}"`);
      n += (m[2] ? Number(m[2]) : Number(m[1])) - Number(m[1]) + 1;
    }
  }
  return n;
}
