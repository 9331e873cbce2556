import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import {
  type CodeTestsSpec,
  DEFAULT_CODE_TESTS,
  buildProgram,
  extractCode,
  runCodeTests,
  runCodeTestsSync,
  testsFromRequest,
} from './code-tests.js';
import { runInSandbox, strictIsolationAvailable } from './run-code.js';

const strict = strictIsolationAvailable();
const skipStrict = strict.ok ? false : `strict sandbox unavailable here: ${strict.why}`;
if (!strict.ok) console.log(`# sandbox tests skipped: ${strict.why}`);

const py = (over: Partial<CodeTestsSpec> = {}): CodeTestsSpec => ({
  ...DEFAULT_CODE_TESTS,
  language: 'python',
  tests: 'assert add(2, 3) == 5\nassert add(-1, 1) == 0',
  limits: { timeoutMs: 8000, cpuSeconds: 2, memoryMb: 256, fileMb: 1 },
  ...over,
});

const good = 'Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\n';
const bad = '```python\ndef add(a, b):\n    return a - b\n```';

const sandboxDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith('penny-sbx-')).length;

describe('code extraction', () => {
  test('takes fenced code in the language, tests from a ```tests block', () => {
    assert.equal(extractCode(good, 'python')?.trim(), 'def add(a, b):\n    return a + b');
    assert.equal(extractCode('```js\nx\n```', 'python'), null);
    assert.equal(extractCode('def f(): pass', 'python'), 'def f(): pass');
    assert.equal(
      testsFromRequest('Write add.\n```python tests\nassert add(1,1)==2\n```'),
      'assert add(1,1)==2\n',
    );
    const p = buildProgram(py({ tests: undefined }), good, 'no tests here');
    assert.equal(p.ok, false);
  });
});

describe('code-execution check in the sandbox', { skip: skipStrict }, () => {
  test('passing code is accepted; failing code fails; time and CPU are recorded', async () => {
    const before = sandboxDirs();
    const ok = await runCodeTests(py(), good, 'write add');
    assert.equal(ok.passed, true, ok.detail);
    assert.ok(ok.latencyMs > 0);
    assert.equal(typeof ok.cpuMs, 'number');
    const ko = await runCodeTests(py(), bad, 'write add');
    assert.equal(ko.passed, false);
    assert.match(ko.detail, /AssertionError/);
    assert.equal(sandboxDirs(), before, 'temporary directories are removed');
  });

  test('tests in the request are run too', async () => {
    const prompt = 'Write add.\n```python tests\nassert add(10, 5) == 15\n```';
    assert.equal((await runCodeTests(py({ tests: undefined }), good, prompt)).passed, true);
    assert.equal((await runCodeTests(py({ tests: undefined }), bad, prompt)).passed, false);
  });

  test('an infinite loop is stopped and fails', async () => {
    const loop = '```python\ndef add(a, b):\n    while True:\n        pass\n```';
    const r = await runCodeTests(
      py({ limits: { timeoutMs: 4000, cpuSeconds: 1, memoryMb: 256, fileMb: 1 } }),
      loop,
      '',
    );
    assert.equal(r.passed, false);
    assert.ok(r.run?.timedOut || r.run?.signal === 'SIGKILL' || r.run?.exitCode !== 0, r.detail);
  });

  test('network access and writes outside its directory fail', async () => {
    const net = await runInSandbox({
      language: 'python',
      source: 'import socket\nsocket.create_connection(("127.0.0.1", 9), timeout=2)\n',
      limits: { timeoutMs: 8000 },
    });
    assert.equal(net.passed, false);
    assert.match(net.stderr, /unreachable|refused|OSError/i);
    const target = `${tmpdir()}/penny-sbx-escape-${process.pid}.txt`;
    const write = await runInSandbox({
      language: 'python',
      source: `open(${JSON.stringify(target)}, "w").write("x")\n`,
      limits: { timeoutMs: 8000 },
    });
    assert.equal(write.passed, false);
    assert.match(write.stderr, /Read-only file system/);
    assert.equal(existsSync(target), false);
    const inside = await runInSandbox({
      language: 'python',
      source: 'open("scratch.txt", "w").write("x")\nprint(open("scratch.txt").read())\n',
      limits: { timeoutMs: 8000 },
    });
    assert.equal(inside.passed, true, inside.stderr);
  });

  test('node code runs with its own limits; the blocking variant gives the same verdicts', async () => {
    const spec: CodeTestsSpec = {
      ...py(),
      language: 'node',
      tests: "const assert = require('node:assert');\nassert.equal(add(2, 3), 5);",
    };
    const js = '```js\nfunction add(a, b) { return a + b; }\n```';
    assert.equal((await runCodeTests(spec, js, '')).passed, true);
    assert.equal(runCodeTestsSync(spec, js.replace('a + b', 'a * b'), '').passed, false);
    assert.equal(runCodeTestsSync(py(), good, '').passed, true);
  });
});
