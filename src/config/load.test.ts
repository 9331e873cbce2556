import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load.js';

function fails(object: unknown, pattern: RegExp, env: NodeJS.ProcessEnv = {}) {
  assert.throws(
    () => loadConfig({ object, env }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('config loading', () => {
  test('an empty config is valid: loopback, port 8787, no providers', () => {
    const c = loadConfig({ object: {}, env: {} });
    assert.equal(c.config.server.host, '127.0.0.1');
    assert.equal(c.config.server.port, 8787);
    assert.deepEqual(c.providers, []);
  });

  test('every mistake names its field', () => {
    fails({ server: { prot: 1 } }, /server\.prot: unknown field \(did you mean "port"\?\)/);
    fails({ server: { port: 'x' } }, /server\.port/);
    fails({ providers: { groq: { type: 'grok' } } }, /providers\.groq\.type/);
    fails(
      { providers: { groq: { type: 'openai-compatible', baseUrl: 'not a url' } } },
      /providers\.groq\.baseUrl/,
    );
    fails({ providers: { groq: { type: 'openai-compatible' } } }, /providers\.groq\.baseUrl: is required/);
    fails(
      { providers: { x: { type: 'openai', apiKeyEnv: 'NOPE_KEY' } } },
      /providers\.x\.apiKeyEnv: environment variable NOPE_KEY is not set/,
    );
    fails(
      { models: { fast: { provider: 'nowhere', model: 'm' } } },
      /models\.fast\.provider: unknown provider "nowhere"/,
    );
    fails({ prices: { 'my-model': { input: -1, output: 1 } } }, /prices\.my-model\.input/);
    fails({}, /PORT="abc" is not a port number/, { PORT: 'abc' });
  });

  test('the usual environment variables configure OpenAI and Anthropic; PORT sets the port', () => {
    const c = loadConfig({
      object: {},
      env: {
        OPENAI_API_KEY: 'sk-a',
        OPENAI_BASE_URL: 'http://localhost:11434/v1/',
        ANTHROPIC_API_KEY: 'sk-ant-b',
        PORT: '9999',
      },
    });
    assert.equal(c.config.server.port, 9999);
    const openai = c.providers.find((p) => p.name === 'openai')!;
    assert.equal(openai.baseUrl, 'http://localhost:11434/v1');
    assert.equal(openai.apiKey, 'sk-a');
    const anthropic = c.providers.find((p) => p.name === 'anthropic')!;
    assert.equal(anthropic.baseUrl, 'https://api.anthropic.com');
  });

  test('YAML files are read, and a YAML syntax error says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'penny-cfg-'));
    writeFileSync(
      join(dir, 'penny.config.yaml'),
      'providers:\n  groq:\n    type: openai-compatible\n    baseUrl: https://api.groq.com/openai/v1\n    apiKeyEnv: GROQ_API_KEY\n    models: ["llama-*"]\n',
    );
    const c = loadConfig({ cwd: dir, env: { GROQ_API_KEY: 'gsk_x' } });
    assert.equal(c.providers[0]!.apiKey, 'gsk_x');
    assert.deepEqual(c.providers[0]!.models, ['llama-*']);
    writeFileSync(join(dir, 'bad.yaml'), 'server: [unclosed');
    assert.throws(() => loadConfig({ cwd: dir, file: 'bad.yaml', env: {} }), /not valid YAML/);
  });
});
