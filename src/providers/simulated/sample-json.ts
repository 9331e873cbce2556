/**
 * A small value valid against a JSON Schema, for the simulated upstream's tool arguments and structured
 * answers: every property (required or not) is filled, enums/consts honoured, numbers kept inside their
 * bounds, strings sized and formatted (date, date-time, email, uri, uuid), local `$ref`s followed
 * (`#/$defs/…`, `#/definitions/…`, as zod and Pydantic emit them). Deterministic.
 */
import { ownCopy } from '../../core/own-copy.js';

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FORMATS: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00',
  email: 'simulated@example.com',
  uri: 'https://example.com/simulated',
  url: 'https://example.com/simulated',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
};

function resolveRef(ref: string, root: Schema): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!isSchema(at)) return undefined;
    at = at[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return isSchema(at) ? at : undefined;
}

function sampleString(s: Schema, word: string): string {
  if (typeof s.format === 'string' && FORMATS[s.format]) return FORMATS[s.format]!;
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Number.POSITIVE_INFINITY;
  let v = word || 'simulated';
  while (v.length < min) v += 'x';
  return v.slice(0, max);
}

function sampleNumber(s: Schema, integer: boolean): number {
  let lo = typeof s.minimum === 'number' ? s.minimum : Number.NEGATIVE_INFINITY;
  let hi = typeof s.maximum === 'number' ? s.maximum : Number.POSITIVE_INFINITY;
  if (typeof s.exclusiveMinimum === 'number') lo = Math.max(lo, s.exclusiveMinimum + (integer ? 1 : 1e-6));
  if (typeof s.exclusiveMaximum === 'number') hi = Math.min(hi, s.exclusiveMaximum - (integer ? 1 : 1e-6));
  let v = Number.isFinite(lo) ? lo : Number.isFinite(hi) ? Math.min(hi, 1) : 1;
  if (integer) v = Math.ceil(v);
  const step = typeof s.multipleOf === 'number' && s.multipleOf > 0 ? s.multipleOf : undefined;
  if (step !== undefined) v = Math.ceil(v / step) * step;
  return v;
}

export function sampleJson(schema: unknown, word = 'simulated', root?: Schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > 12) return null;
  const top = root ?? schema;
  if (typeof schema.$ref === 'string') return sampleJson(resolveRef(schema.$ref, top), word, top, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const alt = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(alt) && alt.length > 0) {
    const pick = alt.find((a) => !(isSchema(a) && a.type === 'null')) ?? alt[0];
    return sampleJson(pick, word, top, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Schema = {};
    for (const part of schema.allOf) {
      const p = isSchema(part) && typeof part.$ref === 'string' ? resolveRef(part.$ref, top) : part;
      if (!isSchema(p)) continue;
      Object.assign(merged, p, {
        properties: Object.assign(ownCopy(merged.properties as Schema | undefined), p.properties),
        required: [...((merged.required as unknown[]) ?? []), ...((p.required as unknown[]) ?? [])],
      });
    }
    return sampleJson(merged, word, top, depth + 1);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'object':
      return sampleObject(schema, word, top, depth);
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Math.max(min, 1);
      const n = Math.min(Math.max(min, 1), max);
      const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : undefined;
      return Array.from({ length: items ? items.length : n }, (_, i) =>
        sampleJson(items ? items[i] : schema.items, word, top, depth + 1),
      );
    }
    case 'string':
      return sampleString(schema, word);
    case 'integer':
      return sampleNumber(schema, true);
    case 'number':
      return sampleNumber(schema, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return isSchema(schema.properties) ? sampleObject(schema, word, top, depth) : word;
  }
}

function sampleObject(schema: Schema, word: string, root: Schema, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = isSchema(schema.properties) ? schema.properties : {};
  for (const [k, v] of Object.entries(props)) out[k] = sampleJson(v, word, root, depth + 1);
  const min = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  for (let i = Object.keys(out).length; i < min; i++) out[`field${i}`] = word;
  return out;
}
