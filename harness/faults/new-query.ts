// A deploy that puts a new query on a code path, stood for by the harness running that query
// through vtgate itself, a number of times, each outcome counted. What a planner regression
// does to a deploy: the new path errors (or answers wrongly) on one release and not the next.
import { usePool } from '../cluster/pool';
import { type Fault, type FaultContext, issued, observedEffect } from './fault';

export interface NewQueryOptions {
  /** Names the fault: `new-query-<label>`. */
  label: string;
  description: string;
  sql: string;
  /** Runs of the query, one after another. */
  times: number;
}

/** What the runs came to (the event `<name>: ran` carries it). */
export interface NewQueryOutcome {
  ok: number;
  failed: number;
  /** The first error's message, if any run failed. */
  error?: string;
  /** The rows of the last run that answered, as JSON-safe values (a SELECT). */
  rows?: Record<string, string | number | null>[];
  /** The id the last run that answered was given (an INSERT; 0 when none was generated). */
  insertId?: number;
}

export class NewQueryFault implements Fault {
  readonly name: string;
  readonly description: string;

  constructor(private readonly o: NewQueryOptions) {
    if (!Number.isInteger(o.times) || o.times < 1) throw new Error(`new query ${o.label}: times must be a whole number of runs, at least 1 (got ${o.times})`);
    this.name = `new-query-${o.label}`;
    this.description = o.description;
  }

  async inject(ctx: FaultContext): Promise<void> {
    issued(ctx, this.name, { sql: this.o.sql, times: this.o.times });
    const out: NewQueryOutcome = { ok: 0, failed: 0 };
    await usePool(ctx.cluster.vtgatePool({ connectionLimit: 1 }), async (pool) => {
      for (let i = 0; i < this.o.times; i++) {
        try {
          const [rows] = await pool.query(this.o.sql);
          out.ok++;
          if (Array.isArray(rows)) out.rows = JSON.parse(JSON.stringify(rows)) as NewQueryOutcome['rows'];
          else out.insertId = rows.insertId;
        } catch (e) {
          out.failed++;
          out.error ??= (e as Error).message.slice(0, 300);
        }
      }
    });
    observedEffect(ctx, this.name, 'ran', { ...out });
  }

  /** Nothing to undo: a read changed nothing, and the rows a write added are the case's own. */
  async heal(): Promise<void> {}
}
