import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from './redact.js';

test('redacts provider keys and bearer tokens', () => {
  const cases: Array<[string, string]> = [
    [
      'Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123.',
      'Incorrect API key provided: sk-***.',
    ],
    ['key sk-abcdefghijklmnop1234 is bad', 'key sk-*** is bad'],
    ['invalid x-api-key sk-ant-api03-AbCdEfGhIjKlMnOp_qrs-TUV', 'invalid x-api-key sk-ant-***'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'Authorization: Bearer ***'],
    ['GET /v1/models?key=AIzaSyA1234567890abcdefghijklmnopqrstu&alt=json', 'GET /v1/models?key=***&alt=json'],
    ['google AIzaSyA1234567890abcdefghijklmnopqrstu', 'google AIza***'],
    ['groq gsk_abcdefghijklmnopqrstuvwxyz', 'groq gsk_***'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws AKIA*** here'],
  ];
  for (const [input, expected] of cases) assert.equal(redactSecrets(input), expected);
});

test('leaves ordinary text, ids and already-masked keys alone', () => {
  for (const s of [
    'The model `gpt-5` does not exist',
    'request id chatcmpl-AbCdEfGhIjKlMnOpQrStUv, msg_01XYZabcdefghijklmnop',
    'Incorrect API key provided: sk-proj-********************abcd.',
    'task-list ask-me risk-free',
  ]) {
    assert.equal(redactSecrets(s), s);
  }
});
