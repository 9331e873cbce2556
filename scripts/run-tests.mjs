#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Node 20's runner takes no globs, so the files are listed here. Pass paths or substrings to filter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
let files = [...walk('src', []), ...walk('test', [])].sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// Tests run with a home directory of their own, so nothing they start writes the user's ~/.penny (the default
// ledger, key and batch stores live there) and no earlier run's state leaks into this one.
const home = mkdtempSync(join(tmpdir(), 'penny-test-home-'));
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, HOME: home, PENNY_LOG_LEVEL: process.env.PENNY_LOG_LEVEL ?? 'silent' },
  },
);
rmSync(home, { recursive: true, force: true });
process.exit(r.status ?? 1);
