import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import * as index from 'prom-client';
import { Counter, Gauge, Registry } from './prom.js';

const loaded = `(await import('node:module')).createRequire(import.meta.url).cache`;
const has = (path: string) => `Object.keys(${loaded}).some((k) => k.includes(${JSON.stringify(path)}))`;

test("the gateway loads prom-client's Registry, Counter and Gauge, not its index (nor OpenTelemetry)", () => {
  const app = new URL('../app.ts', import.meta.url).href;
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(app)});
       console.log(JSON.stringify([${has('/prom-client/index.js')}, ${has('/@opentelemetry/')}, ${has('/prom-client/lib/registry.js')}]));`,
    ],
    { encoding: 'utf8' },
  );
  assert.deepEqual(JSON.parse(out), [false, false, true]);
});

test("they are the index's own classes", async () => {
  assert.equal(Registry, index.Registry);
  assert.equal(Counter, index.Counter);
  assert.equal(Gauge, index.Gauge);
  const r = new Registry();
  new Counter({ name: 'penny_test_total', help: 'a test counter', registers: [r] }).inc(2);
  assert.match(await r.metrics(), /^penny_test_total 2$/m);
});
