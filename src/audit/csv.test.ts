import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCompleteRecord, parseCsvRecord } from './csv.js';

describe('CSV (RFC 4180)', () => {
  test('plain, quoted, escaped quotes, empty fields', () => {
    assert.deepEqual(parseCsvRecord('a,b,c'), ['a', 'b', 'c']);
    assert.deepEqual(parseCsvRecord('"a,1","say ""hi""",'), ['a,1', 'say "hi"', '']);
    assert.deepEqual(parseCsvRecord(',,'), ['', '', '']);
    assert.deepEqual(parseCsvRecord('"multi\nline",x\r'), ['multi\nline', 'x']);
  });

  test('completeness follows quote parity', () => {
    assert.equal(isCompleteRecord('"open,'), false);
    assert.equal(isCompleteRecord('"open\nclosed",x'), true);
    assert.equal(isCompleteRecord('"a ""b"" c"'), true);
  });

  test('malformed quoting throws', () => {
    assert.throws(() => parseCsvRecord('a"b,c'), /quote inside an unquoted field/);
    assert.throws(() => parseCsvRecord('"a"b,c'), /unexpected character after a quoted field/);
    assert.throws(() => parseCsvRecord('"abc'), /unterminated/);
  });
});
