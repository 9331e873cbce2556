import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createPool } from './pool.js';
import { requirePostgres, TEST_DATABASE_URL } from './test-support.js';

const skip = await requirePostgres('src/postgres/pool.test.ts');

describe('createPool', { skip }, () => {
  const admin = createPool({ url: TEST_DATABASE_URL, max: 1, applicationName: 'penny-pool-admin' });
  after(() => admin.end());

  test('a checked-out connection the server terminates is reported, not an uncaught error that kills the process', async () => {
    const errors: Error[] = [];
    const pool = createPool({ url: TEST_DATABASE_URL, max: 2, onError: (e) => errors.push(e) });
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    // Without a listener of its own, the checked-out client's 'error' event would throw out of the socket
    // handler and end this test process.
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await ended;
    assert.ok(errors.length >= 1, 'the dropped connection is reported through onError');
    assert.match(errors[0]!.message, /terminat/i);
    client.release(errors[0]);
    // The pool opens a fresh connection for the next statement.
    const again = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(again.rows[0]!.one, 1);
    await pool.end();
  });
});
