import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { sampleJson } from './sample-json.js';

const ajv = new Ajv2020({ strict: false });

const schemas: Record<string, unknown> = {
  weather: {
    type: 'object',
    properties: {
      city: { type: 'string', minLength: 2 },
      unit: { type: 'string', enum: ['c', 'f'] },
      days: { type: 'integer', minimum: 1, maximum: 7 },
      when: { type: 'string', format: 'date' },
    },
    required: ['city', 'unit', 'days', 'when'],
    additionalProperties: false,
  },
  zodStyle: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      items: { type: 'array', items: { $ref: '#/$defs/Item' }, minItems: 2 },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    },
    required: ['items', 'note', 'ratio'],
    additionalProperties: false,
    $defs: {
      Item: {
        type: 'object',
        properties: { id: { type: 'integer', multipleOf: 5, minimum: 3 }, tag: { const: 'x' } },
        required: ['id', 'tag'],
        additionalProperties: false,
      },
    },
  },
  pydanticStyle: {
    allOf: [{ $ref: '#/definitions/Base' }],
    definitions: {
      Base: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    },
  },
};

for (const [name, schema] of Object.entries(schemas)) {
  test(`a sample is valid against its schema: ${name}`, () => {
    const value = sampleJson(schema, 'Oslo');
    assert.ok(ajv.validate(schema as object, value), `${JSON.stringify(value)}: ${ajv.errorsText()}`);
    assert.deepEqual(sampleJson(schema, 'Oslo'), value, 'deterministic');
  });
}
