/**
 * What the fuzz tests share: bad bodies generated from a valid one (fast-check, seeded), a raw POST, and
 * the two checks every error answer must pass — the endpoint's dialect error shape, and a message that
 * names the field (the `param`, or a field of the endpoint, appears in it) or says that the body is not
 * JSON / not a JSON object / not sent as JSON.
 */
import { type Agent, request } from 'node:http';
import fc from 'fast-check';

export type ErrorDialect = 'openai' | 'anthropic';

export interface Answer {
  status: number;
  body: string;
}

export function post(
  agent: Agent,
  url: string,
  path: string,
  body: Buffer,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': contentType, 'anthropic-version': '2023-06-01' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () =>
      req.destroy(new Error(`hang: no answer for ${body.subarray(0, 200).toString()}`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface WireError {
  message: string;
  /** OpenAI's `param`; null when absent (always for Anthropic). */
  param: string | null;
  /** OpenAI's `code`, Anthropic's `penny_code`. */
  code: string;
}

/** The error when the body is one in the dialect's shape, else null. */
export function dialectError(dialect: ErrorDialect, text: string): WireError | null {
  let v: {
    type?: unknown;
    error?: { type?: unknown; message?: unknown; code?: unknown; penny_code?: unknown; param?: unknown };
  };
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const e = v?.error;
  if (!e || typeof e.message !== 'string' || typeof e.type !== 'string') return null;
  if (dialect === 'anthropic') {
    if (v.type !== 'error' || 'param' in e) return null;
    return { message: e.message, param: null, code: String(e.penny_code ?? '') };
  }
  if (!('param' in e) || (e.param !== null && typeof e.param !== 'string')) return null;
  return { message: e.message, param: e.param as string | null, code: String(e.code ?? '') };
}

const NOT_JSON =
  /not valid JSON|must be a JSON object|request body|content-type|application\/json|expected object, received/i;

/** The root field of a path: `messages[2].role` → `messages`, `input.0` → `input`. */
export function rootField(path: string): string {
  return path.split(/[.[]/)[0] ?? path;
}

function mentions(message: string, field: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_])${field.replace(/[^A-Za-z0-9_]/g, '\\$&')}($|[^A-Za-z0-9_])`).test(
    message,
  );
}

/**
 * Why the message does not name a field (null when it does): the `param`, when there is one, must appear in
 * the message; else one of the endpoint's fields must; a body that is not JSON may say so instead. When the
 * damage was to one known field (`damagedField`), that field must be the one named.
 */
export function unnamedField(
  e: WireError,
  fields: readonly string[],
  damagedField: string | undefined,
): string | null {
  if (e.param !== null && e.param !== '') {
    if (!e.message.includes(e.param) && !mentions(e.message, rootField(e.param)))
      return `param ${e.param} is not in the message`;
    if (damagedField !== undefined && rootField(e.param) !== damagedField && rootField(e.param) !== 'body')
      return `param ${e.param} is not the damaged field ${damagedField}`;
    return null;
  }
  if (damagedField !== undefined)
    return mentions(e.message, damagedField) ? null : `does not name ${damagedField}`;
  if (NOT_JSON.test(e.message)) return null;
  return fields.some((f) => mentions(e.message, f)) ? null : `names none of ${fields.join(', ')}`;
}

export const nastyNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '18446744073709551616',
  '1180591620717411303424',
  '-5',
  '0',
  '1.5',
  '-0',
  '1e-400',
  '9007199254740993',
);
export const nastyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\uFFFD',
    'gpt-4o-mini-日本',
    '\ud800',
    'x'.repeat(5000),
    'system',
    'tool',
    'developer',
    'assistant',
  ),
);

/** One bad body: its bytes, the content type it is sent with, and the field damaged when it was one field. */
export interface BadBody {
  body: Buffer;
  contentType: string;
  field?: string;
}

export interface BodySpec {
  /** A valid body for the endpoint. */
  base: Record<string, unknown>;
  /** Fields whose values are numbers (receive huge, negative and odd numbers). */
  numeric: readonly string[];
  /** Fields that hold nested structures (receive deep nesting). */
  nested: readonly string[];
}

/**
 * Bad bodies made by one kind of damage to a valid one: byte flips, truncation, a field of a wrong type
 * (any JSON value) or null, nesting up to 20,000 deep, invalid UTF-8 in a string, huge and odd numbers,
 * a body that is not an object, and a wrong content type.
 */
export function badBodies(spec: BodySpec): fc.Arbitrary<BadBody> {
  const { base } = spec;
  const text = JSON.stringify(base);
  const bytes = Buffer.from(text);
  const keys = Object.keys(base);
  const ct = 'application/json';
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const withRaw = (k: string, rawValue: string) => {
    const { [k]: _, ...rest } = base;
    const head = JSON.stringify(rest).slice(0, -1);
    return Buffer.from(`${head}${head.length > 1 ? ',' : ''}${JSON.stringify(k)}:${rawValue}}`);
  };
  return fc.oneof(
    fc
      .array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      })
      .map((flips) => {
        const b = Buffer.from(bytes);
        for (const [i, v] of flips) b[i] = v;
        return { body: b, contentType: ct };
      }),
    fc.nat(bytes.length - 1).map((n) => ({ body: bytes.subarray(0, n), contentType: ct })),
    fc
      .tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 4 }))
      .map(([k, v]) => ({ body: json({ ...base, [k]: v }), contentType: ct, field: k })),
    fc.constantFrom(...keys).map((k) => ({ body: json({ ...base, [k]: null }), contentType: ct, field: k })),
    fc
      .tuple(fc.constantFrom(...spec.nested, 'whatever'), fc.integer({ min: 90, max: 20_000 }), fc.boolean())
      .map(([k, depth, arr]) => ({
        body: withRaw(
          k,
          arr ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        ),
        contentType: ct,
      })),
    fc.tuple(fc.nat(text.length), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([at, junk]) => {
      const i = text.indexOf('"', Math.min(at, text.length - 1));
      const body =
        i < 0
          ? Buffer.concat([bytes, Buffer.from(junk)])
          : Buffer.concat([
              bytes.subarray(0, i + 1),
              Buffer.from(junk.map((x) => x | 0x80)),
              bytes.subarray(i + 1),
            ]);
      return { body, contentType: ct };
    }),
    fc
      .tuple(fc.constantFrom(...spec.numeric), nastyNumber)
      .map(([k, n]) => ({ body: withRaw(k, n), contentType: ct, field: k })),
    fc
      .tuple(fc.constantFrom(...keys), nastyString)
      .map(([k, s]) => ({ body: json({ ...base, [k]: s }), contentType: ct })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => ({ body: json(v), contentType: ct })),
    fc
      .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/html')
      .map((contentType) => ({ body: bytes, contentType })),
  );
}
