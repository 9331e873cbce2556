import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from './parse-request.js';

// The Responses dialect bounds model names and output caps like the other two dialects (request-limits.ts).
test('responses: absurd model names and max_output_tokens are 400s naming the field', () => {
  const ok = { model: 'gpt-4o-mini', input: 'hi' };
  assert.equal(parseRequest(ok).model, 'gpt-4o-mini');
  for (const [body, param] of [
    [{ ...ok, model: 'm'.repeat(300) }, 'model'],
    [{ ...ok, model: 'a\u0000b' }, 'model'],
    [{ input: 'hi' }, 'model'],
    [{ ...ok, max_output_tokens: 2 ** 40 }, 'max_output_tokens'],
    [{ ...ok, max_output_tokens: 0 }, 'max_output_tokens'],
  ] as const)
    assert.throws(
      () => parseRequest(body),
      (e: { param?: string }) => e.param === param,
    );
});
