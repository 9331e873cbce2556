/**
 * Security checks as tests: provider keys — configured ones and ones clients pass through — are absent from
 * every byte Penny writes (the ledger file, the prompt-body store, logs, /metrics, the dashboard API, the
 * answers); dashboard assets refuse path traversal in every encoding; SQL is built only with parameters.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ANTHROPIC_KEY, type Harness, OPENAI_KEY, startHarness } from './harness.js';

// Keys with no recognisable prefix: redaction must work by value, not by pattern.
const PASSED_OPENAI = 'zq9-passthrough-openai-key-7f3e2d1c0b9a8877';
const PASSED_ANTHROPIC = 'zq9-passthrough-anthropic-key-11aa22bb33cc44';
const KEYS = [OPENAI_KEY, ANTHROPIC_KEY, PASSED_OPENAI, PASSED_ANTHROPIC];

function allBytesUnder(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    try {
      parts.push(readFileSync(p));
    } catch {
      // a directory
    }
  }
  return Buffer.concat(parts);
}

describe('security: provider keys never leave the request', () => {
  let h: Harness;
  const answers: string[] = [];

  before(async () => {
    h = await startHarness({ config: { features: { kept: { storePrompts: true } } } });
  });
  after(async () => {
    await h?.close();
  });

  test('a mixed workload with configured and passed-through keys, including upstream errors', async () => {
    const openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    const ask = async (f: () => Promise<unknown>) => {
      try {
        answers.push(JSON.stringify(await f()));
      } catch (e) {
        answers.push(String(e), JSON.stringify((e as { error?: unknown }).error ?? null));
      }
    };
    for (const feature of ['kept', 'plain']) {
      const headers = { 'x-penny-feature': feature };
      await ask(() =>
        openai.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
          { headers },
        ),
      );
      await ask(() =>
        anthropic.messages.create(
          { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] },
          { headers },
        ),
      );
      // Passed-through keys, with an upstream 401 (the fake rejects "bad-key"; these are accepted, then the
      // fake is told to fail with a status so the error path runs with the passed key in play).
      await ask(() =>
        openai.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi #fake:status=401' }] },
          { headers: { ...headers, 'x-penny-provider-key': PASSED_OPENAI } },
        ),
      );
      await ask(() =>
        anthropic.messages.create(
          {
            model: 'claude-haiku-4-5',
            max_tokens: 50,
            messages: [{ role: 'user', content: 'hi #fake:status=500' }],
          },
          { headers: { ...headers, 'x-penny-provider-key': PASSED_ANTHROPIC } },
        ),
      );
      const stream = await openai.chat.completions.create(
        {
          model: 'claude-haiku-4-5',
          stream: true,
          messages: [{ role: 'user', content: 'hi #fake:break_after=2' }],
        },
        { headers: { ...headers, 'x-penny-provider-key': PASSED_ANTHROPIC } },
      );
      try {
        for await (const c of stream) answers.push(JSON.stringify(c));
      } catch (e) {
        answers.push(String(e));
      }
    }
    // The passed-through keys really reached the upstream (so their absence below means something).
    const sent = h.fake.requests.map(
      (r) => `${r.headers.authorization ?? ''} ${r.headers['x-api-key'] ?? ''}`,
    );
    assert.ok(sent.some((s) => s.includes(PASSED_OPENAI)));
    assert.ok(sent.some((s) => s.includes(PASSED_ANTHROPIC)));
  });

  test('no key in the ledger file, the body store, logs, /metrics, the dashboard API or any answer', async () => {
    const entries = await h.entries();
    assert.ok(entries.length >= 10);
    await h.app.bodies?.flush?.();
    const files = allBytesUnder(h.dir);
    assert.ok(files.length > 0 && existsSync(join(h.dir, 'ledger.db')));
    const metrics = await (await fetch(`${h.app.url}/metrics`)).text();
    const overview = await (await fetch(`${h.app.url}/dashboard/api/overview?since=30d`)).text();
    const requests = await (await fetch(`${h.app.url}/dashboard/api/requests?feature=kept&sort=cost`)).text();
    const places: Array<[string, string]> = [
      ['ledger and body-store files', files.toString('latin1')],
      ['logs', h.logs.join('\n')],
      ['/metrics', metrics],
      ['dashboard overview', overview],
      ['dashboard requests', requests],
      ['answers', answers.join('\n')],
    ];
    for (const [where, text] of places)
      for (const key of KEYS) assert.ok(!text.includes(key), `${key.slice(0, 12)}… found in ${where}`);
    // The body store did store bodies for the "kept" feature (so the check above covered real content).
    assert.ok(files.toString('latin1').includes('hello'), 'bodies were stored for the kept feature');
  });

  test('dashboard assets refuse path traversal in every encoding', async () => {
    const paths = [
      '/dashboard/assets/..%2F..%2Fpackage.json',
      '/dashboard/assets/%2e%2e/%2e%2e/package.json',
      '/dashboard/assets/%252e%252e%252fpackage.json',
      '/dashboard/assets/..%5c..%5cpackage.json',
      '/dashboard/assets//etc/passwd',
      '/dashboard/assets/%2Fetc%2Fpasswd',
      '/dashboard/../package.json',
      '/dashboard/assets/..\\..\\package.json',
    ];
    for (const p of paths) {
      const r = await fetch(`${h.app.url}${p}`);
      const body = await r.text();
      assert.ok(r.status === 404 || r.status === 400, `${p} → ${r.status}`);
      assert.ok(!body.includes('"name": "penny-gateway"') && !body.includes('root:'), `${p} leaked a file`);
    }
  });
});

describe('security: SQL is built only with parameters', () => {
  // Every interpolation inside a SQL string in src/ must be one of these vetted expressions: constants of
  // table and column names, fragments built by functions that themselves only emit placeholders (`?`, `$n`).
  // A new interpolation fails this test until it is reviewed and added here with its reason.
  const VETTED = new Set([
    'table',
    'TABLE',
    'SELECT_COLUMNS',
    "COLUMNS.map(() => '?').join(', ')",
    'where.sql',
    'whereSql',
    "[...groups, ...AGGREGATES].join(', ')",
    `groupBy.map((_, i) => \`g\${i}\`).join(', ')`,
    "cols.join(', ')",
    'GROUP_EXPR[k]',
    'i',
    // pg-ledger: the schema-qualified table, the schema quoted by quoteSchema() (from config, not clients).
    'this.#table',
    // pg-row-codec: `$n::type[]` placeholders built from the constant column list.
    'arrays',
    // postgres/migrate: the schema quoted by quoteSchema().
    's',
    // quality stores: the schema quoted by quoteSchema(); WHERE built by `where()` from `$n`/`?` placeholders
    // only; LIMIT from Math.floor of a number; SQLite's IN list of `?` placeholders.
    'this.s',
    'w.sql',
    'limit',
    "chunk.map(() => '?').join(',')",
    // governance pg-key-store: schema-qualified constant table names (schema quoted by quoteSchema()).
    'this.t.keys',
    'this.t.budgets',
    // batch pg-job-store: the schema-qualified constant table name (schema quoted by quoteSchema()).
    'this.t.jobs',
    // batch pg-passthrough-store: the schema-qualified constant table names (schema quoted by quoteSchema()).
    'this.t.objects',
    'this.t.lines',
    // PostgreSQL ledger rollups: the schema quoted by quoteSchema() (`schemaSql`, `this.#schemaSql`, and the
    // `schema` parameter of pg-rollup.ts, which receives it or the migration's `{schema}` token); `src`: the
    // CTE name `ins` or a subquery over the schema-qualified constant table.
    'schemaSql',
    'this.#schemaSql',
    'schema',
    'src',
    // rollup reads: group expressions from the constant ROLLUP_GROUP_EXPR map, constant aggregates.
    "[...groups, ...ROLLUP_AGGREGATES].join(', ')",
    // rollup grains (pg-rollup.ts): table names, key and column lists derived from the module constants
    // HOURLY / DAILY (`g`, `p.grain`: one of those two objects; `g.unit` a number, `g.bucket` "hour"/"day");
    // `add`/`sums`: constant column lists; the migrations' CREATE/backfill fragments built from them alone.
    'main',
    'tactics',
    'cache',
    'add',
    'sums',
    'g.unit',
    'g.bucket',
    'keyOf(g)',
    'keyOf(DAILY)',
    'rollupColumns(g)',
    'rollupColumns(DAILY)',
    'rollupTable(ROLLUP, DAILY)',
    'rollupTable(ROLLUP_TACTICS, DAILY)',
    'rollupTable(ROLLUP_CACHE, DAILY)',
    'rollupTable(ROLLUP, p.grain)',
    'rollupTable(ROLLUP_TACTICS, p.grain)',
    'rollupTable(ROLLUP_CACHE, p.grain)',
    'rollupTables(HOURLY)',
    'rollupTables(DAILY)',
    "dailyFromHourly('{schema}').join(';\\n')",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the SQL builder's source text, matched as written
    "userRollupUpsert('{schema}', `{schema}.${TABLE}`)",
    // user rollups at a grain (DAILY / WEEKLY constants): table name, key list and CREATE TABLE from them.
    'users',
    'userKey(g)',
    'userKey(WEEKLY)',
    'userRollupTable(WEEKLY)',
    'userRollupTableSql(WEEKLY)',
    // rollup reads: the hourly/daily or user rollup's constant aggregates (ROLLUP_AGGREGATES or
    // USER_ROLLUP_AGGREGATES) with group expressions from the constant maps.
    "[...groups, ...aggregates].join(', ')",
    // pg-rollup-delta: ORDER BY the key positions 1..k of a rollup table (numbers).
    'order',
    // rollup migration backfill: the upserts over a constant subquery (constants only).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the SQL builder's source text, matched as written
    "rollupUpserts('{schema}', `(SELECT *, ${MODEL_EXPR} AS model FROM {schema}.${TABLE}) AS e`).join(';\\n')",
  ]);
  /** `and("…")`: appends one constant condition to a placeholder-built WHERE (pg-cache-meta.ts). */
  const CONSTANT_CONDITION = /^and\(\s*(["'`])[\s\S]*\1\s*,?\s*\)$/;
  const SQL =
    /\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b[\s\S]*?\b(FROM|INTO|SET|TABLE|INDEX|WHERE|VALUES)\b/;

  /** A constant condition: a string literal whose own interpolations are only ALL_CAPS constants. */
  function constantCondition(e: string): boolean {
    if (!CONSTANT_CONDITION.test(e)) return false;
    const inner = [...e.matchAll(/\$\{([^}]*)\}/g)].map((m) => (m[1] ?? '').trim());
    return inner.every((x) => /^[A-Z][A-Z0-9_]*$/.test(x));
  }

  function* sourceFiles(dir: string): Generator<string> {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, name.name);
      if (name.isDirectory()) yield* sourceFiles(p);
      else if (name.name.endsWith('.ts') && !name.name.endsWith('.test.ts')) yield p;
    }
  }

  /** Template literals (with their interpolated expressions) in a file; nesting one level deep is enough. */
  function templates(src: string): Array<{ text: string; exprs: string[] }> {
    const out: Array<{ text: string; exprs: string[] }> = [];
    for (let i = src.indexOf('`'); i >= 0; i = src.indexOf('`', i)) {
      let j = i + 1;
      const exprs: string[] = [];
      let text = '';
      while (j < src.length && src[j] !== '`') {
        if (src[j] === '\\') {
          text += src.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (src[j] === '$' && src[j + 1] === '{') {
          let depth = 1;
          let k = j + 2;
          let inTpl = false;
          while (k < src.length && depth > 0) {
            if (src[k] === '`') inTpl = !inTpl;
            else if (!inTpl && src[k] === '{') depth++;
            else if (!inTpl && src[k] === '}') depth--;
            k++;
          }
          exprs.push(src.slice(j + 2, k - 1).trim());
          text += '?';
          j = k;
          continue;
        }
        text += src[j];
        j++;
      }
      out.push({ text, exprs });
      i = j + 1;
    }
    return out;
  }

  test('no SQL string interpolates anything but vetted identifiers and placeholder builders', () => {
    const offenders: string[] = [];
    let sqlStrings = 0;
    for (const file of sourceFiles('src')) {
      const src = readFileSync(file, 'utf8');
      for (const t of templates(src)) {
        if (!SQL.test(t.text)) continue;
        sqlStrings++;
        // ALL_CAPS names are module constants (table names, column lists, expressions fixed at load time).
        for (const e of t.exprs)
          if (!VETTED.has(e) && !/^[A-Z][A-Z0-9_]*$/.test(e) && !constantCondition(e))
            offenders.push(`${file}: \${${e}} in \`${t.text.slice(0, 80)}\``);
      }
    }
    assert.ok(sqlStrings > 3, 'the scan found the SQL it should');
    assert.deepEqual(offenders, []);
  });
});
