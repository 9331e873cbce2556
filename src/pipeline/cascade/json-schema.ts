/**
 * A small JSON-Schema validator for cascade checks: type, properties, required, additionalProperties,
 * enum, const, items, min/maxItems, minimum/maximum (and exclusive), min/maxLength, pattern, anyOf.
 * The schema is compiled once at config time into closures; anything it does not understand
 * (`$ref`, `oneOf`, a misspelt `requried`, a bad regex) is a compile error rather than silently
 * ignored, because a check that quietly validates nothing would let bad cheap answers through.
 */

export class SchemaCompileError extends Error {
  readonly pointer: string;
  constructor(pointer: string, message: string) {
    super(`${pointer || '#'}: ${message}`);
    this.name = 'SchemaCompileError';
    this.pointer = pointer;
  }
}

/** Returns the list of violations (empty when valid), each prefixed by its JSON pointer. */
export type JsonValidator = (value: unknown) => string[];

const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'format',
  'deprecated',
  'readOnly',
  'writeOnly',
  'strict',
  'name',
]);
const KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'items',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'anyOf',
]);

type Rule = (v: unknown, at: string, out: string[]) => void;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function num(schema: Record<string, unknown>, key: string, ptr: string, integer = false): number | undefined {
  const v = schema[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && (!Number.isInteger(v) || v < 0))) {
    throw new SchemaCompileError(
      `${ptr}/${key}`,
      integer ? 'must be a non-negative integer' : 'must be a number',
    );
  }
  return v;
}

function compileNode(schema: unknown, ptr: string): Rule {
  if (schema === true) return () => {};
  if (schema === false) return (_v, at, out) => void out.push(`${at || '/'}: no value is allowed here`);
  if (!isObject(schema)) throw new SchemaCompileError(ptr, 'a schema must be an object or a boolean');
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) {
      throw new SchemaCompileError(`${ptr}/${key}`, `unsupported schema keyword "${key}"`);
    }
  }
  const rules: Rule[] = [];

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t))) {
      throw new SchemaCompileError(`${ptr}/type`, `unknown type ${JSON.stringify(schema.type)}`);
    }
    const allowed = new Set(types as string[]);
    rules.push((v, at, out) => {
      const t = typeOf(v);
      if (allowed.has(t) || (t === 'integer' && allowed.has('number'))) return;
      out.push(`${at || '/'}: expected ${[...allowed].join(' or ')}, got ${t}`);
    });
  }

  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0) {
      throw new SchemaCompileError(`${ptr}/enum`, 'must be a non-empty array');
    }
    const values = schema.enum as unknown[];
    rules.push((v, at, out) => {
      if (!values.some((e) => deepEqual(e, v)))
        out.push(`${at || '/'}: not one of ${JSON.stringify(values)}`);
    });
  }
  if ('const' in schema) {
    const c = schema.const;
    rules.push((v, at, out) => {
      if (!deepEqual(c, v)) out.push(`${at || '/'}: must equal ${JSON.stringify(c)}`);
    });
  }

  // Objects.
  let props: [string, Rule][] = [];
  if (schema.properties !== undefined) {
    if (!isObject(schema.properties)) throw new SchemaCompileError(`${ptr}/properties`, 'must be an object');
    props = Object.entries(schema.properties).map(([k, s]) => [k, compileNode(s, `${ptr}/properties/${k}`)]);
  }
  let required: string[] = [];
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || !schema.required.every((r) => typeof r === 'string')) {
      throw new SchemaCompileError(`${ptr}/required`, 'must be an array of property names');
    }
    required = schema.required as string[];
  }
  let additional: Rule | 'forbid' | null = null;
  if (schema.additionalProperties === false) additional = 'forbid';
  else if (schema.additionalProperties !== undefined && schema.additionalProperties !== true) {
    additional = compileNode(schema.additionalProperties, `${ptr}/additionalProperties`);
  }
  if (props.length > 0 || required.length > 0 || additional !== null) {
    const known = new Set(props.map(([k]) => k));
    rules.push((v, at, out) => {
      if (!isObject(v)) return;
      for (const r of required) if (!(r in v)) out.push(`${at || '/'}: missing required property "${r}"`);
      for (const [k, rule] of props) if (k in v) rule(v[k], `${at}/${k}`, out);
      if (additional === null) return;
      for (const k of Object.keys(v)) {
        if (known.has(k)) continue;
        if (additional === 'forbid') out.push(`${at || '/'}: unexpected property "${k}"`);
        else additional(v[k], `${at}/${k}`, out);
      }
    });
  }

  // Arrays.
  if (schema.items !== undefined) {
    if (Array.isArray(schema.items))
      throw new SchemaCompileError(`${ptr}/items`, 'tuple items are not supported');
    const item = compileNode(schema.items, `${ptr}/items`);
    rules.push((v, at, out) => {
      if (!Array.isArray(v)) return;
      for (let i = 0; i < v.length; i++) item(v[i], `${at}/${i}`, out);
    });
  }
  const minItems = num(schema, 'minItems', ptr, true);
  const maxItems = num(schema, 'maxItems', ptr, true);
  if (minItems !== undefined || maxItems !== undefined) {
    rules.push((v, at, out) => {
      if (!Array.isArray(v)) return;
      if (minItems !== undefined && v.length < minItems)
        out.push(`${at || '/'}: fewer than ${minItems} items`);
      if (maxItems !== undefined && v.length > maxItems)
        out.push(`${at || '/'}: more than ${maxItems} items`);
    });
  }

  // Numbers.
  const minimum = num(schema, 'minimum', ptr);
  const maximum = num(schema, 'maximum', ptr);
  const exMin = num(schema, 'exclusiveMinimum', ptr);
  const exMax = num(schema, 'exclusiveMaximum', ptr);
  if ([minimum, maximum, exMin, exMax].some((x) => x !== undefined)) {
    rules.push((v, at, out) => {
      if (typeof v !== 'number') return;
      const p = at || '/';
      if (minimum !== undefined && v < minimum) out.push(`${p}: ${v} < minimum ${minimum}`);
      if (maximum !== undefined && v > maximum) out.push(`${p}: ${v} > maximum ${maximum}`);
      if (exMin !== undefined && v <= exMin) out.push(`${p}: ${v} <= exclusiveMinimum ${exMin}`);
      if (exMax !== undefined && v >= exMax) out.push(`${p}: ${v} >= exclusiveMaximum ${exMax}`);
    });
  }

  // Strings.
  const minLength = num(schema, 'minLength', ptr, true);
  const maxLength = num(schema, 'maxLength', ptr, true);
  let pattern: RegExp | null = null;
  if (schema.pattern !== undefined) {
    if (typeof schema.pattern !== 'string')
      throw new SchemaCompileError(`${ptr}/pattern`, 'must be a string');
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch (e) {
      throw new SchemaCompileError(`${ptr}/pattern`, `invalid regular expression: ${(e as Error).message}`);
    }
  }
  if (minLength !== undefined || maxLength !== undefined || pattern !== null) {
    rules.push((v, at, out) => {
      if (typeof v !== 'string') return;
      const p = at || '/';
      const len = [...v].length;
      if (minLength !== undefined && len < minLength) out.push(`${p}: shorter than ${minLength} characters`);
      if (maxLength !== undefined && len > maxLength) out.push(`${p}: longer than ${maxLength} characters`);
      if (pattern && !pattern.test(v)) out.push(`${p}: does not match pattern ${pattern.source}`);
    });
  }

  if (schema.anyOf !== undefined) {
    if (!Array.isArray(schema.anyOf) || schema.anyOf.length === 0) {
      throw new SchemaCompileError(`${ptr}/anyOf`, 'must be a non-empty array of schemas');
    }
    const alts = schema.anyOf.map((s, i) => compileNode(s, `${ptr}/anyOf/${i}`));
    rules.push((v, at, out) => {
      for (const alt of alts) {
        const errs: string[] = [];
        alt(v, at, errs);
        if (errs.length === 0) return;
      }
      out.push(`${at || '/'}: matches none of the anyOf alternatives`);
    });
  }

  return (v, at, out) => {
    for (const r of rules) r(v, at, out);
  };
}

/** Compiles a schema; throws SchemaCompileError with a JSON pointer to the offending keyword. */
export function compileJsonSchema(schema: unknown): JsonValidator {
  const rule = compileNode(schema, '');
  return (value) => {
    const out: string[] = [];
    rule(value, '', out);
    return out;
  };
}
