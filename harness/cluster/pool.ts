// A pool for one job: closed when the job is done, so a run that shares a cluster with the
// next does not leave idle vtgate connections behind it (the cluster closes any left at stop).
import type { Pool } from 'mysql2/promise';

export async function usePool<T>(pool: Pool, job: (pool: Pool) => Promise<T>): Promise<T> {
  try {
    return await job(pool);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
