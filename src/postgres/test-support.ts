/**
 * For tests only: the PostgreSQL server tests use (PENNY_TEST_DATABASE_URL, default the local `test`
 * database), whether it answers, and a unique schema per test run that is dropped afterwards. When
 * PENNY_REQUIRE_POSTGRES=1 (set by .ci/run) a missing server fails the run instead of skipping.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.PENNY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(url = TEST_DATABASE_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Checks the server once per test file: registers a test that fails when PENNY_REQUIRE_POSTGRES is set and
 * nothing answers, prints a visible SKIPPED line otherwise, and returns the skip reason (false when up).
 */
export async function requirePostgres(file: string): Promise<false | string> {
  const up = await postgresReachable();
  test('PostgreSQL is reachable when the run requires it (PENNY_REQUIRE_POSTGRES)', () => {
    if (process.env.PENNY_REQUIRE_POSTGRES) {
      assert.ok(up, `PENNY_REQUIRE_POSTGRES is set but no PostgreSQL answers at ${TEST_DATABASE_URL}`);
    }
  });
  if (up) return false;
  process.stderr.write(`${file}: no PostgreSQL at ${TEST_DATABASE_URL}; its PostgreSQL tests are SKIPPED\n`);
  return `no PostgreSQL reachable at ${TEST_DATABASE_URL}`;
}

/** A fresh schema name, unique per process and call. */
export function uniqueSchema(prefix = 'penny_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string, url = TEST_DATABASE_URL): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs a statement on a throw-away connection (for assertions that look behind a store). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
  url = TEST_DATABASE_URL,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}
