import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { compareCodeUnits } from './code-unit-compare.js';

/** The price entries a fresh process loads, as text, and how often the loader called localeCompare. */
function load(codeUnits: boolean): { entries: string; calls: number } {
  const dir = new URL('.', import.meta.url).href;
  const script = `
    const { useCodeUnitLocaleCompare } = await import(${JSON.stringify(`${dir}code-unit-compare.ts`)});
    let calls = 0;
    const icu = String.prototype.localeCompare;
    if (${codeUnits}) useCodeUnitLocaleCompare();
    const compare = String.prototype.localeCompare;
    String.prototype.localeCompare = function (b) { calls++; return compare.call(this, b); };
    const { loadGenaiPrices } = await import(${JSON.stringify(`${dir}genai-prices.ts`)});
    const entries = loadGenaiPrices({ now: new Date('2026-12-01T00:00:00Z') });
    const text = JSON.stringify(entries, (k, v) => (typeof v === 'bigint' ? v + 'n' : v));
    process.stdout.write(JSON.stringify({ entries: text, calls, icu: compare === icu }));`;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as { entries: string; calls: number; icu: boolean };
  assert.equal(out.icu, !codeUnits);
  return out;
}

test('the price loader returns the same entries with code-unit comparison as with ICU collation', () => {
  const icu = load(false);
  const codeUnits = load(true);
  assert.ok(codeUnits.calls > 0, 'the loader compares with localeCompare');
  assert.equal(codeUnits.calls, icu.calls);
  assert.ok(icu.entries.length > 10_000);
  assert.equal(codeUnits.entries, icu.entries);
});

test('code units: shorter prefix first, then by UTF-16 code unit', () => {
  const sorted = ['output_mtok', 'input_mtok', 'cache_read_mtok', 'input', 'Input', 'é', 'z'].sort((a, b) =>
    compareCodeUnits.call(a, b),
  );
  assert.deepEqual(sorted, ['Input', 'cache_read_mtok', 'input', 'input_mtok', 'output_mtok', 'z', 'é']);
  assert.equal(compareCodeUnits.call('a', 'a'), 0);
});
