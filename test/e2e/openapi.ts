/**
 * Validates bodies and stream events against OpenAI's published OpenAPI spec (the schemas vendored in
 * test/fixtures/openai-openapi/schemas.json, extracted from github.com/openai/openai-openapi — see its
 * `source`). OpenAPI 3.1 schemas are JSON Schema 2020-12; vendor keywords (x-*, discriminator) are ignored.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const file = new URL('../fixtures/openai-openapi/schemas.json', import.meta.url);
const spec = JSON.parse(readFileSync(file, 'utf8')) as { schemas: Record<string, unknown> };
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
ajv.addSchema({ $id: 'openai', components: { schemas: nullableToNull(spec.schemas) } });
const compiled = new Map<string, ValidateFunction>();

/** Stream event type → the schema of that event (ResponseStreamEvent is an anyOf of them). */
const EVENT_SCHEMAS = new Map<string, string>();
for (const alt of (spec.schemas.ResponseStreamEvent as { anyOf: Array<{ $ref: string }> }).anyOf) {
  const name = alt.$ref.split('/').at(-1)!;
  const type = (spec.schemas[name] as { properties?: { type?: { enum?: string[] } } }).properties?.type?.enum;
  for (const t of type ?? []) EVENT_SCHEMAS.set(t, name);
}

/**
 * Throws with ajv's errors when `value` does not match `components.schemas[name]`. A ResponseStreamEvent is
 * checked against the schema of its own `type` (and an unknown type fails), so errors are readable.
 */
export function assertOpenApi(name: string, value: unknown): void {
  if (name === 'ResponseStreamEvent') {
    const type = (value as { type?: unknown } | null)?.type;
    const specific = typeof type === 'string' ? EVENT_SCHEMAS.get(type) : undefined;
    if (!specific) throw new Error(`stream event type ${String(type)} is not in OpenAI's OpenAPI spec`);
    name = specific;
  }
  let v = compiled.get(name);
  if (!v) {
    if (!(name in spec.schemas)) throw new Error(`no schema ${name} in the vendored spec`);
    v = ajv.compile({ $ref: `openai#/components/schemas/${name}` });
    compiled.set(name, v);
  }
  if (!v(value))
    throw new Error(
      `${name} does not match OpenAI's OpenAPI spec: ${ajv.errorsText(v.errors, { separator: '\n' })}\n${JSON.stringify(value).slice(0, 2000)}`,
    );
}

/** A few schemas still use OpenAPI 3.0's `nullable: true`: express it in JSON Schema (null allowed). */
function nullableToNull(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(nullableToNull);
  if (typeof v !== 'object' || v === null) return v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== 'nullable') o[k] = nullableToNull(x);
  if ((v as { nullable?: unknown }).nullable !== true) return o;
  if (Array.isArray(o.enum)) o.enum = [...o.enum, null];
  if (typeof o.type === 'string') return { ...o, type: [o.type, 'null'] };
  return { anyOf: [o, { type: 'null' }] };
}
