import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileJsonSchema, SchemaCompileError } from './json-schema.js';

describe('compileJsonSchema', () => {
  test('validates types, enums, const, arrays, strings and anyOf', () => {
    const v = compileJsonSchema({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string', maxLength: 3 }, minItems: 1, maxItems: 2 },
        mode: { enum: ['a', 'b'] },
        v: { const: 1 },
        id: { type: 'string', pattern: '^[0-9]+$' },
        n: { anyOf: [{ type: 'null' }, { type: 'number', exclusiveMinimum: 0 }] },
        extra: { type: ['string', 'null'] },
      },
      additionalProperties: { type: 'boolean' },
    });
    assert.deepEqual(v({ tags: ['x'], mode: 'a', v: 1, id: '12', n: null, flag: true }), []);
    const errs = v({ tags: [], mode: 'c', v: 2, id: 'x1', n: 0, flag: 'no', extra: 3 });
    assert.equal(errs.length, 7, errs.join('\n'));
    assert.deepEqual(v({ tags: ['abcd', 'a', 'b'] }).length, 2);
    assert.deepEqual(compileJsonSchema({ type: 'number' })(3), []);
    assert.equal(compileJsonSchema({ type: 'integer' })(3.5).length, 1);
    assert.deepEqual(compileJsonSchema(true)('anything'), []);
    assert.equal(compileJsonSchema(false)(1).length, 1);
  });

  test('annotations are allowed, unknown keywords are compile errors with a pointer', () => {
    assert.doesNotThrow(() =>
      compileJsonSchema({ title: 't', description: 'd', $schema: 'x', type: 'string' }),
    );
    try {
      compileJsonSchema({ type: 'object', properties: { a: { oneOf: [] } } });
      assert.fail('expected a compile error');
    } catch (e) {
      assert.ok(e instanceof SchemaCompileError);
      assert.equal(e.pointer, '/properties/a/oneOf');
    }
  });
});
