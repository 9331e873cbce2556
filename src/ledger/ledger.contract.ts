/**
 * The behaviour every Ledger implementation must show, as one node:test suite. A store's test file calls
 * `ledgerContract(name, make)`; `make` returns a fresh, empty ledger (and, when the store is durable, a
 * `reopen` that closes nothing itself and opens the same store again after `close()`).
 * The suite only uses the Ledger interface, so SQLite, PostgreSQL and memory all run it unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LedgerEntry } from '../core/ledger-entry.js';
import { makeEntry, makeRichEntry } from './entry-fixtures.js';
import { groupValue, matchesFilter } from './group-keys.js';
import type { GroupKey, Ledger, LedgerFilter, SummaryRow } from './ledger.js';
import { SummaryAccumulator, sortTactics } from './summary-accumulator.js';

export interface LedgerHarness {
  ledger: Ledger;
  /** Opens the same store again (called after `ledger.close()`); omitted for non-durable stores. */
  reopen?: () => Promise<Ledger>;
  cleanup: () => Promise<void>;
}

const DAY1 = Date.UTC(2025, 8, 1);
const DAY2 = Date.UTC(2025, 8, 2);
const HOUR = 3_600_000;

/**
 * Eight entries over two UTC days: several features, users, keys, providers; a routed request (served
 * model differs from requested), an error before any provider (no served model), an unpriced self-hosted
 * model, a client abort, and savings from three tactics.
 */
export function contractDataset(): LedgerEntry[] {
  return [
    makeEntry({
      id: 'e1',
      ts: DAY1 + 10 * HOUR,
      feature: 'chat',
      user: 'alice',
      keyId: 'k1',
      requestedModel: 'gpt-4o',
      servedModel: 'gpt-4o-mini',
      inputUncached: 100,
      cacheRead: 10,
      cacheWrite5m: 1,
      cacheWrite1h: 2,
      outputText: 20,
      reasoning: 5,
      cost: 1000n,
      baselineCost: 5000n,
      savings: { route: 4000n },
    }),
    makeEntry({
      id: 'e2',
      ts: DAY1 + 11 * HOUR,
      feature: 'chat',
      user: 'bob',
      keyId: 'k1',
      cost: 3000n,
      baselineCost: 3000n,
    }),
    makeEntry({
      id: 'e3',
      ts: DAY2 - 1,
      feature: 'search',
      user: 'alice',
      keyId: 'k2',
      dialect: 'anthropic',
      provider: 'anthropic',
      requestedModel: 'claude-sonnet-4-5',
      servedModel: 'claude-sonnet-4-5',
      cost: 7000n,
      baselineCost: 9000n,
      savings: { 'cache.prompt': 2000n },
    }),
    makeEntry({
      id: 'e4',
      ts: DAY2,
      feature: 'search',
      user: null,
      keyId: null,
      provider: null,
      requestedModel: 'gpt-4o',
      servedModel: null,
      outputText: 0,
      inputUncached: 0,
      cost: 0n,
      baselineCost: 0n,
      status: 'error',
      httpStatus: 502,
      errorClass: 'upstream_unreachable',
    }),
    makeEntry({
      id: 'e5',
      ts: DAY2 + 8 * HOUR,
      feature: null,
      user: 'carol',
      keyId: 'k2',
      provider: 'vllm',
      requestedModel: 'llama-local',
      servedModel: 'llama-local',
      cost: null,
      baselineCost: null,
      flags: ['unpriced_model'],
    }),
    makeEntry({
      id: 'e6',
      ts: DAY2 + 9 * HOUR,
      feature: 'chat',
      user: 'alice',
      keyId: 'k1',
      requestedModel: 'gpt-4o-mini',
      servedModel: 'gpt-4o-mini',
      cost: 500n,
      baselineCost: 500n,
      status: 'aborted',
      httpStatus: 499,
      errorClass: 'client_aborted',
      flags: ['client_aborted', 'usage_estimated'],
      usageEstimated: true,
    }),
    makeEntry({
      id: 'e7',
      ts: DAY2 + 10 * HOUR,
      feature: 'summarize',
      user: 'bob',
      keyId: 'k2',
      cost: 2000n,
      baselineCost: 2500n,
      savings: { compress: 500n },
    }),
    makeEntry({
      id: 'e8',
      ts: DAY2 + 11 * HOUR,
      feature: 'chat',
      user: 'carol',
      keyId: 'k2',
      provider: 'vllm',
      requestedModel: 'llama-local',
      servedModel: 'llama-local',
      cost: null,
      baselineCost: null,
      flags: ['unpriced_model'],
      status: 'error',
      httpStatus: 500,
      errorClass: 'upstream_error',
    }),
  ];
}

/**
 * 600 varied entries over three UTC days with every dimension changing (nulls, unpriced, errors, several
 * tactics), from a fixed seed: the data of the exactness test below.
 */
export function mixedDataset(): LedgerEntry[] {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  const features = ['chat', 'search', null, 'summarize'];
  const models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'llama-local'];
  const statuses = ['ok', 'ok', 'ok', 'error', 'aborted'] as const;
  const out: LedgerEntry[] = [];
  for (let i = 0; i < 600; i++) {
    const priced = rnd(7) !== 0;
    const tactics: Record<string, bigint> = {};
    if (rnd(3) === 0) tactics.route = BigInt(rnd(1_000_000)) * 1_000_003n;
    if (rnd(4) === 0) tactics['cache.exact'] = BigInt(rnd(1_000_000)) * 999_983n;
    if (rnd(9) === 0) tactics.compress = -BigInt(rnd(50));
    const requested = models[rnd(models.length)]!;
    out.push(
      makeEntry({
        id: `mix_${i}`,
        ts: DAY1 + rnd(3 * 24 * HOUR),
        feature: features[rnd(features.length)]!,
        user: rnd(5) === 0 ? null : `user_${rnd(7)}`,
        keyId: rnd(6) === 0 ? null : `k${rnd(3)}`,
        provider: rnd(8) === 0 ? null : ['openai', 'anthropic', 'vllm'][rnd(3)]!,
        requestedModel: requested,
        servedModel: rnd(5) === 0 ? null : rnd(2) ? requested : models[rnd(models.length)]!,
        inputUncached: rnd(5000),
        cacheRead: rnd(3000),
        cacheWrite5m: rnd(100),
        cacheWrite1h: rnd(100),
        outputText: rnd(2000),
        reasoning: rnd(500),
        cost: priced ? BigInt(rnd(1_000_000_000)) * 9_007_199n : null,
        baselineCost: rnd(10) === 0 ? null : BigInt(rnd(1_000_000_000)) * 9_007_199n,
        savings: tactics,
        status: statuses[rnd(statuses.length)]!,
      }),
    );
  }
  return out;
}

/** The reference summary: the entries filtered and grouped in memory with the shared key definitions. */
function referenceSummary(entries: LedgerEntry[], filter: LedgerFilter, keys: GroupKey[]): SummaryRow[] {
  const acc = new SummaryAccumulator(keys);
  for (const e of entries) {
    if (!matchesFilter(e, filter)) continue;
    let savingsTotal = 0n;
    for (const v of Object.values(e.savings)) savingsTotal += v;
    acc.add({
      values: keys.map((k) => groupValue(e, k)),
      status: e.status,
      inputUncached: e.inputUncached,
      cacheRead: e.cacheRead,
      cacheWrite: e.cacheWrite5m + e.cacheWrite1h,
      outputText: e.outputText,
      reasoning: e.reasoning,
      cost: e.cost,
      baselineCost: e.baselineCost,
      savingsTotal,
    });
  }
  return acc.rows();
}

function referenceTactics(entries: LedgerEntry[], filter: LedgerFilter): Record<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const e of entries) {
    if (!matchesFilter(e, filter)) continue;
    for (const [t, v] of Object.entries(e.savings)) totals.set(t, (totals.get(t) ?? 0n) + v);
  }
  return sortTactics(totals);
}

type Brief = Pick<SummaryRow, 'group' | 'requests' | 'errors' | 'cost' | 'unpriced'>;

function brief(rows: SummaryRow[]): Brief[] {
  return rows.map(({ group, requests, errors, cost, unpriced }) => ({
    group,
    requests,
    errors,
    cost,
    unpriced,
  }));
}

function row(
  group: Record<string, string>,
  requests: number,
  errors: number,
  cost: bigint,
  unpriced = 0,
): Brief {
  return { group, requests, errors, cost, unpriced };
}

/** Expected summaries of `contractDataset()` by each key: known cost descending, then group ascending. */
const EXPECTED_BY_KEY: Record<GroupKey, Brief[]> = {
  feature: [
    row({ feature: 'search' }, 2, 1, 7000n),
    row({ feature: 'chat' }, 4, 1, 4500n, 1),
    row({ feature: 'summarize' }, 1, 0, 2000n),
    row({ feature: '(none)' }, 1, 0, 0n, 1),
  ],
  user: [
    row({ user: 'alice' }, 3, 0, 8500n),
    row({ user: 'bob' }, 2, 0, 5000n),
    row({ user: '(none)' }, 1, 1, 0n),
    row({ user: 'carol' }, 2, 1, 0n, 2),
  ],
  model: [
    row({ model: 'claude-sonnet-4-5' }, 1, 0, 7000n),
    row({ model: 'gpt-4o' }, 3, 1, 5000n),
    row({ model: 'gpt-4o-mini' }, 2, 0, 1500n),
    row({ model: 'llama-local' }, 2, 1, 0n, 2),
  ],
  provider: [
    row({ provider: 'anthropic' }, 1, 0, 7000n),
    row({ provider: 'openai' }, 4, 0, 6500n),
    row({ provider: '(none)' }, 1, 1, 0n),
    row({ provider: 'vllm' }, 2, 1, 0n, 2),
  ],
  day: [row({ day: '2025-09-01' }, 3, 0, 11000n), row({ day: '2025-09-02' }, 5, 2, 2500n, 2)],
  key: [
    row({ key: 'k2' }, 4, 1, 9000n, 2),
    row({ key: 'k1' }, 3, 0, 4500n),
    row({ key: '(none)' }, 1, 1, 0n),
  ],
  status: [
    row({ status: 'ok' }, 5, 0, 13000n, 1),
    row({ status: 'aborted' }, 1, 0, 500n),
    row({ status: 'error' }, 2, 2, 0n, 1),
  ],
};

export function ledgerContract(name: string, make: () => Promise<LedgerHarness>): void {
  async function withLedger(fn: (h: LedgerHarness) => Promise<void>): Promise<void> {
    const h = await make();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  }

  async function withDataset(fn: (ledger: Ledger) => Promise<void>): Promise<void> {
    await withLedger(async ({ ledger }) => {
      for (const e of contractDataset()) ledger.append(e);
      await ledger.flush();
      await fn(ledger);
    });
  }

  describe(`Ledger contract: ${name}`, () => {
    test('round-trips every field exactly (bigints, null costs, savings, flags, meta)', async () => {
      await withLedger(async ({ ledger }) => {
        const rich = makeRichEntry({ id: 'rich', ts: DAY1 + 3 });
        const plain = makeEntry({ id: 'plain', ts: DAY1 + 2 });
        const unpriced = makeEntry({
          id: 'unpriced',
          ts: DAY1 + 1,
          feature: null,
          user: null,
          keyId: null,
          provider: null,
          servedModel: null,
          cost: null,
          baselineCost: null,
          flags: ['unpriced_model'],
          ttftMs: null,
          status: 'error',
          httpStatus: 404,
          errorClass: 'unknown_model',
        });
        ledger.append(rich);
        ledger.append(plain);
        ledger.append(unpriced);
        await ledger.flush();
        const got = await ledger.query();
        assert.deepEqual(got, [rich, plain, unpriced]);
        const [r, , u] = got;
        assert.equal(typeof r?.cost, 'bigint');
        assert.equal(r?.baselineCost, 123_456_789_012_345n);
        assert.equal(r?.savings.compress, -1n);
        assert.equal(u?.cost, null, 'an unknown cost must stay null, never 0');
        assert.equal(u?.baselineCost, null);
        assert.equal('meta' in (u ?? {}), false, 'absent meta stays absent');
      });
    });

    test('reads see entries appended before them without an explicit flush', async () => {
      await withLedger(async ({ ledger }) => {
        ledger.append(makeEntry({ id: 'a' }));
        const got = await ledger.query();
        assert.deepEqual(
          got.map((e) => e.id),
          ['a'],
        );
        const [total] = await ledger.summarize({}, []);
        assert.equal(total?.requests, 1);
      });
    });

    test('query returns newest first, ties newest-appended first', async () => {
      await withLedger(async ({ ledger }) => {
        ledger.append(makeEntry({ id: 'mid', ts: DAY1 + 5 }));
        ledger.append(makeEntry({ id: 'old', ts: DAY1 }));
        ledger.append(makeEntry({ id: 'new', ts: DAY1 + 9 }));
        ledger.append(makeEntry({ id: 'mid2', ts: DAY1 + 5 }));
        await ledger.flush();
        const ids = (await ledger.query()).map((e) => e.id);
        assert.deepEqual(ids, ['new', 'mid2', 'mid', 'old']);
      });
    });

    test('filters by time range (from inclusive, to exclusive), feature, user, model, status, limit', async () => {
      await withDataset(async (ledger) => {
        const ids = async (f: Parameters<Ledger['query']>[0]) => (await ledger.query(f)).map((e) => e.id);
        assert.deepEqual(await ids({}), ['e8', 'e7', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1']);
        assert.deepEqual(await ids({ from: DAY2 }), ['e8', 'e7', 'e6', 'e5', 'e4']);
        assert.deepEqual(await ids({ to: DAY2 }), ['e3', 'e2', 'e1']);
        assert.deepEqual(await ids({ from: DAY1 + 11 * HOUR, to: DAY2 + 8 * HOUR }), ['e4', 'e3', 'e2']);
        assert.deepEqual(await ids({ feature: 'chat' }), ['e8', 'e6', 'e2', 'e1']);
        assert.deepEqual(await ids({ user: 'alice' }), ['e6', 'e3', 'e1']);
        // The model filter matches the served model, falling back to the requested one.
        assert.deepEqual(await ids({ model: 'gpt-4o-mini' }), ['e6', 'e1']);
        assert.deepEqual(await ids({ model: 'gpt-4o' }), ['e7', 'e4', 'e2']);
        assert.deepEqual(await ids({ status: 'error' }), ['e8', 'e4']);
        assert.deepEqual(await ids({ status: 'aborted' }), ['e6']);
        assert.deepEqual(await ids({ limit: 3 }), ['e8', 'e7', 'e6']);
        assert.deepEqual(await ids({ limit: 0 }), []);
        assert.deepEqual(await ids({ feature: 'chat', user: 'alice', from: DAY2 }), ['e6']);
        assert.deepEqual(await ids({ feature: 'no-such-feature' }), []);
      });
    });

    test('filters by request id, experiment and arm (meta.experiment), in query, summarize and savings', async () => {
      await withLedger(async ({ ledger }) => {
        const exp = (name: string, arm: string) => ({ experiment: { name, arm, stickBy: 'user' } });
        ledger.append(
          makeEntry({ id: 'x1', meta: exp('cheap-v1', 'control'), cost: 10n, baselineCost: 10n }),
        );
        ledger.append(
          makeEntry({
            id: 'x2',
            meta: { ...exp('cheap-v1', 'treatment'), route: { rule: 'r' } },
            cost: 4n,
            baselineCost: 10n,
            savings: { route: 6n },
          }),
        );
        ledger.append(makeEntry({ id: 'x3', meta: exp('other', 'treatment'), cost: 1n, baselineCost: 1n }));
        ledger.append(makeEntry({ id: 'x4', cost: 1n, baselineCost: 1n }));
        const ids = async (f: Parameters<Ledger['query']>[0]) => (await ledger.query(f)).map((e) => e.id);
        assert.deepEqual(await ids({ id: 'x3' }), ['x3']);
        assert.deepEqual(await ids({ id: 'nope' }), []);
        assert.deepEqual(await ids({ experiment: 'cheap-v1' }), ['x2', 'x1']);
        assert.deepEqual(await ids({ experiment: 'cheap-v1', arm: 'treatment' }), ['x2']);
        assert.deepEqual(await ids({ arm: 'treatment' }), ['x3', 'x2']);
        const [row] = await ledger.summarize({ experiment: 'cheap-v1', arm: 'treatment' }, []);
        assert.equal(row?.requests, 1);
        assert.equal(row?.cost, 4n);
        assert.deepEqual(await ledger.savingsByTactic({ experiment: 'cheap-v1' }), { route: 6n });
      });
    });

    test('summarize with no keys gives one total row, also when empty', async () => {
      await withLedger(async ({ ledger }) => {
        const empty = await ledger.summarize({}, []);
        assert.deepEqual(empty, [
          {
            group: {},
            requests: 0,
            errors: 0,
            inputTokens: 0,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            outputTokens: 0,
            reasoningTokens: 0,
            cost: 0n,
            unpriced: 0,
            baselineCost: 0n,
            savings: 0n,
          },
        ]);
      });
      await withDataset(async (ledger) => {
        assert.deepEqual(await ledger.summarize({}, []), [
          {
            group: {},
            requests: 8,
            errors: 2,
            inputTokens: 6100,
            cacheReadTokens: 10,
            cacheWriteTokens: 3,
            outputTokens: 1220,
            reasoningTokens: 5,
            cost: 13500n,
            unpriced: 2,
            baselineCost: 20000n,
            savings: 6500n,
          },
        ]);
      });
    });

    for (const key of Object.keys(EXPECTED_BY_KEY) as GroupKey[]) {
      test(`summarize by ${key}`, async () => {
        await withDataset(async (ledger) => {
          assert.deepEqual(brief(await ledger.summarize({}, [key])), EXPECTED_BY_KEY[key]);
        });
      });
    }

    test('summarize by feature carries every total of each group', async () => {
      await withDataset(async (ledger) => {
        const rows = await ledger.summarize({}, ['feature']);
        assert.deepEqual(rows[1], {
          group: { feature: 'chat' },
          requests: 4,
          errors: 1,
          inputTokens: 3100,
          cacheReadTokens: 10,
          cacheWriteTokens: 3,
          outputTokens: 620,
          reasoningTokens: 5,
          cost: 4500n,
          unpriced: 1,
          baselineCost: 8500n,
          savings: 4000n,
        });
      });
    });

    test('summarize by two keys, in key order, with a filter', async () => {
      await withDataset(async (ledger) => {
        const rows = await ledger.summarize({}, ['feature', 'model']);
        assert.deepEqual(brief(rows), [
          row({ feature: 'search', model: 'claude-sonnet-4-5' }, 1, 0, 7000n),
          row({ feature: 'chat', model: 'gpt-4o' }, 1, 0, 3000n),
          row({ feature: 'summarize', model: 'gpt-4o' }, 1, 0, 2000n),
          row({ feature: 'chat', model: 'gpt-4o-mini' }, 2, 0, 1500n),
          row({ feature: '(none)', model: 'llama-local' }, 1, 0, 0n, 1),
          row({ feature: 'chat', model: 'llama-local' }, 1, 1, 0n, 1),
          row({ feature: 'search', model: 'gpt-4o' }, 1, 1, 0n),
        ]);
        assert.deepEqual(Object.keys(rows[0]?.group ?? {}), ['feature', 'model']);
        const day2 = await ledger.summarize({ from: DAY2 }, ['day', 'status']);
        assert.deepEqual(brief(day2), [
          row({ day: '2025-09-02', status: 'ok' }, 2, 0, 2000n, 1),
          row({ day: '2025-09-02', status: 'aborted' }, 1, 0, 500n),
          row({ day: '2025-09-02', status: 'error' }, 2, 2, 0n, 1),
        ]);
      });
    });

    test('sums money exactly over many entries', async () => {
      await withLedger(async ({ ledger }) => {
        for (let i = 0; i < 10_000; i++) {
          ledger.append(
            makeEntry({
              ts: DAY1 + i,
              feature: i % 2 ? 'odd' : 'even',
              cost: 7_275_000_000n,
              // 2^53 + 1: not representable as a double; the total also exceeds a signed 64-bit integer.
              baselineCost: 9_007_199_254_740_993n,
              savings: { route: 1_234_567n },
            }),
          );
        }
        await ledger.flush();
        const [total] = await ledger.summarize({}, []);
        assert.equal(total?.requests, 10_000);
        assert.equal(total?.cost, 72_750_000_000_000n);
        assert.equal(total?.baselineCost, 90_071_992_547_409_930_000n);
        assert.equal(total?.savings, 12_345_670_000n);
        const byFeature = await ledger.summarize({}, ['feature']);
        assert.deepEqual(
          byFeature.map((r) => [r.group.feature, r.cost]),
          [
            ['even', 36_375_000_000_000n],
            ['odd', 36_375_000_000_000n],
          ],
        );
        assert.deepEqual(await ledger.savingsByTactic({}), { route: 12_345_670_000n });
      });
    });

    test('summaries and savings are exact over any range, cut mid-hour or not, any filter and grouping', async () => {
      await withLedger(async ({ ledger }) => {
        const data = mixedDataset();
        // Two batches, so stores that pre-aggregate add to what they already hold.
        for (const e of data.slice(0, 250)) ledger.append(e);
        await ledger.flush();
        for (const e of data.slice(250)) ledger.append(e);
        await ledger.flush();
        const ranges: LedgerFilter[] = [
          {},
          { from: DAY1 + 5 * HOUR, to: DAY2 + 7 * HOUR },
          { from: DAY1 + 5 * HOUR + 1234, to: DAY2 + 7 * HOUR - 1 },
          // A whole day with whole hours and partial hours on both sides (daily, hourly and raw parts).
          { from: DAY1 + 5 * HOUR + 1234, to: DAY2 + 31 * HOUR - 1 },
          { from: DAY2, to: DAY2 + 48 * HOUR },
          { from: DAY1 + 90 * 60_000 },
          { to: DAY2 + 30 * HOUR + 17 },
          { from: DAY1 + 3 * HOUR + 10, to: DAY1 + 3 * HOUR + 2_000_000 },
          { from: DAY1 + 3 * HOUR + 10, to: DAY1 + 4 * HOUR + 20 },
        ];
        const extras: LedgerFilter[] = [
          {},
          { feature: 'chat' },
          { model: 'gpt-4o-mini' },
          { status: 'error' },
          { user: 'user_3' },
        ];
        const groupings: GroupKey[][] = [
          [],
          ['feature'],
          ['model'],
          ['provider'],
          ['day'],
          ['status'],
          ['user'],
          ['key'],
          ['day', 'user', 'key'],
          ['day', 'feature', 'model'],
          ['provider', 'status'],
        ];
        for (const range of ranges) {
          for (const extra of extras) {
            const filter = { ...range, ...extra };
            const label = JSON.stringify(filter);
            assert.deepEqual(
              await ledger.savingsByTactic(filter),
              referenceTactics(data, filter),
              `savings by tactic ${label}`,
            );
            for (const by of groupings) {
              assert.deepEqual(
                await ledger.summarize(filter, by),
                referenceSummary(data, filter, by),
                `summarize ${label} by [${by.join(', ')}]`,
              );
            }
          }
        }
      });
    });

    test('unpriced entries are counted, never summed as zero-cost money', async () => {
      await withLedger(async ({ ledger }) => {
        ledger.append(
          makeEntry({ cost: null, baselineCost: null, requestedModel: 'mystery', servedModel: 'mystery' }),
        );
        ledger.append(
          makeEntry({ cost: null, baselineCost: 5n, requestedModel: 'mystery', servedModel: 'mystery' }),
        );
        ledger.append(makeEntry({ cost: 0n, baselineCost: 0n, requestedModel: 'free', servedModel: 'free' }));
        const rows = await ledger.summarize({}, ['model']);
        assert.deepEqual(
          rows.map((r) => [r.group.model, r.requests, r.cost, r.unpriced, r.baselineCost]),
          [
            ['free', 1, 0n, 0, 0n],
            ['mystery', 2, 0n, 2, 5n],
          ],
        );
      });
    });

    test('savings by tactic, largest first, over a filter', async () => {
      await withDataset(async (ledger) => {
        const all = await ledger.savingsByTactic({});
        assert.deepEqual(all, { route: 4000n, 'cache.prompt': 2000n, compress: 500n });
        assert.deepEqual(Object.keys(all), ['route', 'cache.prompt', 'compress']);
        assert.deepEqual(await ledger.savingsByTactic({ feature: 'chat' }), { route: 4000n });
        assert.deepEqual(await ledger.savingsByTactic({ from: DAY2 }), { compress: 500n });
        assert.deepEqual(await ledger.savingsByTactic({ user: 'carol' }), {});
      });
      await withLedger(async ({ ledger }) => {
        ledger.append(makeRichEntry());
        ledger.append(makeRichEntry());
        assert.deepEqual(await ledger.savingsByTactic({}), {
          route: 200_000_000_000_000n,
          'cache.prompt': 46_899_028_024_690n,
          compress: -2n,
        });
      });
    });

    test('flush then close keeps everything; close is safe to call twice', async () => {
      await withLedger(async (h) => {
        h.ledger.append(makeEntry({ id: 'flushed' }));
        await h.ledger.flush();
        h.ledger.append(makeEntry({ id: 'just-before-close', ts: DAY2 }));
        await h.ledger.close();
        await h.ledger.close();
        if (!h.reopen) return;
        const again = await h.reopen();
        try {
          assert.deepEqual(
            (await again.query()).map((e) => e.id),
            ['just-before-close', 'flushed'],
          );
        } finally {
          await again.close();
        }
      });
    });

    test('durable across reopen: entries, summaries and savings are unchanged', async (t) => {
      await withLedger(async (h) => {
        if (!h.reopen) {
          t.skip(`${name} is not durable`);
          return;
        }
        const data = contractDataset();
        for (const e of data) h.ledger.append(e);
        const rich = makeRichEntry({ id: 'rich', ts: DAY1 });
        h.ledger.append(rich);
        await h.ledger.close();
        const again = await h.reopen();
        try {
          assert.deepEqual(await again.query({ to: DAY1 + 1 }), [rich]);
          assert.deepEqual(
            brief(await again.summarize({ from: DAY1 + 1 }, ['feature'])),
            EXPECTED_BY_KEY.feature,
          );
          assert.deepEqual(await again.savingsByTactic({ from: DAY1 + 1 }), {
            route: 4000n,
            'cache.prompt': 2000n,
            compress: 500n,
          });
        } finally {
          await again.close();
        }
      });
    });
  });
}
