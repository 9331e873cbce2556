import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../../core/errors.js';
import { oneOf, readInteger, readNonEmptyString, readObject } from './wire-guards.js';

test('readers return valid values and name the field in errors', () => {
  assert.deepEqual(readObject({ a: 1 }, 'x'), { a: 1 });
  assert.equal(readInteger(3, 'n', 1), 3);
  assert.equal(oneOf('auto', ['auto', 'none'], 'tool_choice'), 'auto');
  assert.throws(
    () => readObject([], 'tools[0]'),
    new InvalidRequestError('tools[0] must be an object, got an array', 'tools[0]'),
  );
  assert.throws(
    () => readNonEmptyString(undefined, 'messages[1].tool_call_id'),
    new InvalidRequestError(
      'messages[1].tool_call_id is required and must be a non-empty string',
      'messages[1].tool_call_id',
    ),
  );
  assert.throws(
    () => readInteger(0, 'n', 1),
    new InvalidRequestError('n must be an integer from 1 to 9007199254740991, got 0', 'n'),
  );
  assert.throws(
    () => readInteger(null, 'seed'),
    new InvalidRequestError(
      'seed must be a safe integer (at most 9007199254740991 in size), got null',
      'seed',
    ),
  );
  assert.throws(
    () => oneOf('x', ['auto', 'none'], 'tool_choice'),
    new InvalidRequestError('tool_choice must be one of auto, none, got "x"', 'tool_choice'),
  );
});
