/**
 * Versioned migrations for PostgreSQL stores. Each store (component) owns an ordered list of SQL steps;
 * `penny_migrations` records which versions of which component a schema holds. The whole run happens in
 * one transaction holding a transaction-scoped advisory lock keyed on the schema, so several instances
 * starting at once apply each step exactly once: the first takes the lock and migrates, the others wait,
 * then see the versions already recorded and apply nothing. A schema newer than this build is refused.
 */
import type pg from 'pg';
import { quoteSchema } from './pool.js';

export interface Migrations {
  /** Component name, e.g. "ledger". */
  component: string;
  /** Step i brings the component from version i to i + 1. `{schema}` is replaced by the quoted schema. */
  steps: readonly string[];
}

export interface MigrateResult {
  from: number;
  to: number;
}

/** Applies the missing steps of `m` in `schema` (created if needed). */
export async function migrate(pool: pg.Pool, schema: string, m: Migrations): Promise<MigrateResult> {
  const SCHEMA_SQL = quoteSchema(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One lock per schema: hashtext is stable across servers of the same major version and cheap.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`penny-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA_SQL}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA_SQL}.penny_migrations (
         component TEXT NOT NULL,
         version INTEGER NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
         PRIMARY KEY (component, version)
       )`,
    );
    const res = await client.query<{ v: number | null }>(
      `SELECT MAX(version) AS v FROM ${SCHEMA_SQL}.penny_migrations WHERE component = $1`,
      [m.component],
    );
    const current = res.rows[0]?.v ?? 0;
    if (current > m.steps.length) {
      throw new Error(
        `PostgreSQL schema ${schema} holds ${m.component} version ${current}, newer than this build knows (${m.steps.length}); upgrade Penny`,
      );
    }
    for (let v = current; v < m.steps.length; v++) {
      await client.query(m.steps[v]!.replaceAll('{schema}', SCHEMA_SQL));
      await client.query(`INSERT INTO ${SCHEMA_SQL}.penny_migrations (component, version) VALUES ($1, $2)`, [
        m.component,
        v + 1,
      ]);
    }
    await client.query('COMMIT');
    return { from: current, to: m.steps.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
