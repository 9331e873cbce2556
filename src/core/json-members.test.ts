import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { objectLayout, setMembers } from './json-members.js';

const edit = (text: string, values: Record<string, string>): string => {
  const buf = Buffer.from(text);
  const layout = objectLayout(buf);
  assert.ok(layout, `no layout for ${text}`);
  return setMembers(buf, layout, new Map(Object.entries(values))).toString('utf8');
};

describe('objectLayout', () => {
  test('finds the top-level members of nested, spaced, escaped JSON', () => {
    const text =
      ' {\n "model" : "gpt-4o",\r\n\t"messages":[{"role":"user","content":"say \\"}\\" and \\\\"}],' +
      '"n":2, "x":{"a":[1,{"b":"]"}]}, "ok":true, "none":null, "f":-1.5e3, "\\u006bey":"é ✓"} ';
    const layout = objectLayout(Buffer.from(text));
    assert.ok(layout);
    const buf = Buffer.from(text);
    const values = layout.members.map((m) => [m.key, buf.toString('utf8', m.valueStart, m.valueEnd)]);
    assert.deepEqual(values, [
      ['model', '"gpt-4o"'],
      ['messages', '[{"role":"user","content":"say \\"}\\" and \\\\"}]'],
      ['n', '2'],
      ['x', '{"a":[1,{"b":"]"}]}'],
      ['ok', 'true'],
      ['none', 'null'],
      ['f', '-1.5e3'],
      ['key', '"é ✓"'],
    ]);
    for (const [, v] of values) JSON.parse(v!);
  });

  test('refuses what is not one object', () => {
    for (const t of ['[1,2]', '"x"', '{"a":1} {"b":2}', '', '{"a":1'])
      assert.equal(objectLayout(Buffer.from(t)), null, t);
    assert.deepEqual(objectLayout(Buffer.from(' {} '))?.members, []);
  });
});

describe('setMembers', () => {
  test('replaces values in place and keeps every other byte', () => {
    assert.equal(
      edit('{ "model" : "a",\n "messages": [ ] }', { model: '"b"' }),
      '{ "model" : "b",\n "messages": [ ] }',
    );
  });

  test('replaces every occurrence of a duplicated name (JSON.parse keeps the last)', () => {
    assert.equal(edit('{"model":"a","model":"c"}', { model: '"b"' }), '{"model":"b","model":"b"}');
  });

  test('adds missing members before the closing brace', () => {
    const out = edit('{"model":"a" }', { stream_options: '{"include_usage":true}', model: '"z"' });
    assert.equal(out, '{"model":"z" ,"stream_options":{"include_usage":true}}');
    assert.equal(edit('{}', { a: '1', b: '2' }), '{"a":1,"b":2}');
  });

  test('returns the same bytes when nothing changes', () => {
    const buf = Buffer.from('{"a":1}');
    const layout = objectLayout(buf)!;
    assert.equal(setMembers(buf, layout, new Map()), buf);
  });
});
