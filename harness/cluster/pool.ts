// A pool for one job: closed when the job is done, so a run that shares a cluster with the
// next does not leave idle vtgate connections behind it (the cluster closes any left at stop).
import mysql from 'mysql2/promise';
import type { Connection, Pool, PoolOptions } from 'mysql2/promise';

export async function usePool<T>(pool: Pool, job: (pool: Pool) => Promise<T>): Promise<T> {
  try {
    return await job(pool);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** What every connection of the harness sets: a bounded connect, and big numbers as strings (ids near 2^63). */
const COMMON = { connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: true } as const;

/** A pool to vtgate's MySQL endpoint as user app (10 connections unless told). */
export function vtgatePoolAt(endpoint: { host: string; port: number }, options: Partial<PoolOptions> = {}): Pool {
  return mysql.createPool({ ...endpoint, user: 'app', connectionLimit: 10, ...COMMON, ...options });
}

/** The MySQL user the harness reads tablets' mysqld with (its tablet image creates it; an attached cluster needs it too). */
export const TABLET_MYSQL_USER = 'vt_chaos';

/** One connection to a tablet's mysqld (verification only). */
export function tabletConnection(endpoint: { host: string; port: number; user: string }): Promise<Connection> {
  return mysql.createConnection({ ...endpoint, ...COMMON });
}
