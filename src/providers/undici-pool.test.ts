import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

/** Runs `code` (an ES module) in a fresh process under tsx; returns what it prints. */
function fresh(code: string): string {
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
}

const loaded = `(await import('node:module')).createRequire(import.meta.url).cache`;
const has = (path: string) => `Object.keys(${loaded}).some((k) => k.endsWith(${JSON.stringify(path)}))`;

test("the gateway loads undici's Pool and not its index; the occasional calls load the index when they run", () => {
  const app = new URL('../app.ts', import.meta.url).href;
  const api = new URL('./undici-api.ts', import.meta.url).href;
  const pool = new URL('./undici-pool.ts', import.meta.url).href;
  const out = fresh(`
    await import(${JSON.stringify(app)});
    const before = [${has('/undici/index.js')}, ${has('/undici/lib/dispatcher/pool.js')}];
    const { Pool } = await import(${JSON.stringify(pool)});
    const requestBefore = typeof Pool.prototype.request;
    await (await import(${JSON.stringify(api)})).undiciApi();
    console.log(JSON.stringify({ before, requestBefore, after: ${has('/undici/index.js')}, request: typeof Pool.prototype.request }));
  `);
  assert.deepEqual(JSON.parse(out), {
    before: [false, true],
    requestBefore: 'undefined',
    after: true,
    request: 'function', // batch passthrough's pool.request, once the index is loaded
  });
});
