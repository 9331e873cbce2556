/**
 * A user's mistakes at the command line get one line saying what to do and a non-zero exit — never a stack
 * trace: a missing config file, a bad flag value, a port in use, a misspelt config key, an unknown model.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startHarness } from './harness.js';

const PENNY = ['--import', 'tsx', 'src/cli/run.ts'];
const dir = mkdtempSync(join(tmpdir(), 'penny-cli-mistakes-'));

function penny(...args: string[]) {
  return spawnSync(process.execPath, [...PENNY, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      PENNY_LEDGER_PATH: join(dir, 'ledger.db'),
      OPENAI_API_KEY: '',
      ANTHROPIC_API_KEY: '',
    },
    timeout: 60_000,
  });
}

function noStack(text: string) {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, text);
}

describe('CLI mistakes', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('missing config file', () => {
    const r = penny('serve', '--config', join(dir, 'nope.yaml'));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /config file not found/);
    noStack(r.stderr);
  });

  test('bad flag value', () => {
    const r = penny('serve', '--port', 'abc');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--port <port>' argument 'abc' is invalid/);
    noStack(r.stderr);
  });

  test('port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = penny('serve', '--port', String(port));
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use: .*--port`));
      noStack(r.stderr);
    } finally {
      blocker.close();
    }
  });

  test('misspelt config keys: each path once, with did you mean', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'providrs: {}\nserver:\n  prot: 3\n');
    const r = penny('serve', '--config', file);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /server\.prot: unknown field \(did you mean "port"\?\)/);
    assert.match(r.stderr, /providrs: unknown field \(did you mean "providers"\?\)/);
    assert.equal(r.stderr.match(/server\.prot/g)?.length, 1);
    noStack(r.stderr);
  });

  test('penny prices <unknown model> exits non-zero; a known one zero', () => {
    const bad = penny('prices', 'no-such-model-xyz');
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /unknown model "no-such-model-xyz"/);
    assert.equal(penny('prices', 'gpt-4o-mini').status, 0);
  });
});

describe('penny try', () => {
  test('one request to a running gateway from any folder: answer, cost, ledger id; a clear line when none runs', async () => {
    const h = await startHarness({ noProviders: true });
    try {
      // Async: the gateway runs in this process, so its event loop must keep turning meanwhile.
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [...PENNY, 'try', 'Hi there', '--url', h.app.url],
          { timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /simulated answer/);
      assert.match(r.stdout, /cost {2}\$[0-9.]+ {3}ledger id req_/);
      const e = (await h.entries()).at(-1)!;
      assert.equal(e.feature, 'try');
      assert.ok(r.stdout.includes(e.id));
    } finally {
      await h.close();
    }
    const down = penny('try', '--url', 'http://127.0.0.1:9');
    assert.equal(down.status, 2);
    assert.match(down.stderr, /nothing answers at http:\/\/127\.0\.0\.1:9: start it with `penny serve`/);
  });
});
