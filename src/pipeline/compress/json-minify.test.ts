import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { minifyEmbeddedJson, stripJsonWhitespace } from './json-minify.js';

describe('minifyEmbeddedJson', () => {
  test('minifies an embedded object; it parses to the same value', () => {
    const obj = { order: { id: 'A 1', items: [1, 2.5, { sku: 'x  y' }] }, note: 'a "quoted" word' };
    const pretty = JSON.stringify(obj, null, 2);
    const text = `Here is the order:\n${pretty}\nWhat is missing?`;
    const out = minifyEmbeddedJson(text);
    assert.equal(out, `Here is the order:\n${JSON.stringify(obj)}\nWhat is missing?`);
    const span = out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1);
    assert.deepEqual(JSON.parse(span), obj);
  });

  test('keeps number literals and key order exactly as written', () => {
    const text = 'data: { "big": 12345678901234567890, "f": 1.0, "b": 1, "a": 2 }';
    assert.equal(minifyEmbeddedJson(text), 'data: {"big":12345678901234567890,"f":1.0,"b":1,"a":2}');
  });

  test('leaves text that does not parse as JSON, citations and checkboxes alone', () => {
    for (const t of [
      'See [1] and [2, 3].',
      '- [ ] todo\n- [x] done',
      'function f() { return a  +  b; }',
      '{ not: json }',
      'unbalanced { "a": 1',
    ]) {
      assert.equal(minifyEmbeddedJson(t), t);
    }
  });

  test('arrays of strings are minified; several spans in one text', () => {
    const text = 'A: [ "x", "y" ] and B: { "k" : [ 1, 2 ] }.';
    assert.equal(minifyEmbeddedJson(text), 'A: ["x","y"] and B: {"k":[1,2]}.');
  });

  test('strings with escaped quotes and brackets survive', () => {
    const v = { s: 'a \\" } ] { [ "b' };
    const pretty = JSON.stringify(v, null, 4);
    const out = minifyEmbeddedJson(`x ${pretty} y`);
    assert.deepEqual(JSON.parse(out.slice(2, -2)), v);
    assert.equal(stripJsonWhitespace('{ "a b" : "c  d" }'), '{"a b":"c  d"}');
  });
});
