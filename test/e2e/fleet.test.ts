/**
 * The fleet test: three `penny serve` processes on different ports share one PostgreSQL ledger and one Redis
 * cache; a client spreads mixed requests over them (OpenAI and Anthropic, streamed and not, cacheable
 * repeats that hit the shared cache, requests on a feature whose budget refuses most of them). Mid-run one instance is SIGKILLed and restarted, and the PostgreSQL
 * server is stopped (fast shutdown) while a stretch of the traffic goes on, then started again: the instances
 * spill their batches to their local files meanwhile and replay them when it is back. The server is the
 * test's own (private-postgres.ts: initdb in a temporary directory, a free port), so restarting it disturbs
 * no other test. Without the binaries, or when that server cannot start, the test falls back to terminating
 * the fleet's ledger connections on the shared server and says so (under PENNY_REQUIRE_POSTGRES it fails
 * instead). Afterwards:
 * - every acknowledged request has exactly one ledger entry, except entries of the killed instance that
 *   were still in its memory buffer (the stated SIGKILL bound; the number lost is printed);
 * - no request id appears twice;
 * - every budget refusal is a 429 in the dialect's shape naming the budget, recorded in the ledger at no cost,
 *   and the budget's settled spend is within its limit;
 * - each non-streamed answer's x-penny-cost-usd equals its entry's cost, and `penny report --json` totals
 *   (read from the hourly rollups) equal the ledger's sum;
 * - a Responses API conversation started on one instance continues on another (state in PostgreSQL).
 * PENNY_FLEET_REQUESTS sets the number of requests (default 5,000, as the issue asks).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { usd } from '../../src/core/money.js';
import { connectRedis, dropPrefix, redisReady } from '../../src/governance/redis-counter-store.js';
import { uniquePrefix } from '../../src/governance/redis-test-support.js';
import { RedisStore } from '../../src/pipeline/cache/store/redis-store.js';
import {
  dropSchema,
  postgresReachable,
  sql,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../../src/postgres/test-support.js';
import { send } from '../chaos/client.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream/index.js';
import { type PrivatePostgres, postgresBindir, startPrivatePostgres } from './private-postgres.js';

const REDIS_URL = process.env.PENNY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = Number(process.env.PENNY_FLEET_REQUESTS ?? 5000);
const CONCURRENCY = 12;
/**
 * A budget in the mix: one request in 16 (an Anthropic, non-streamed slot) goes to feature `capped`, whose
 * `reject` budget (shared by the fleet through Redis) holds a few dozen of them. The rest get a 429 naming it.
 */
const CAPPED = 'capped';
const CAPPED_BUDGET = 'fleet-capped';
const CAPPED_LIMIT = '0.003';
const isCapped = (n: number) => n % 16 === 2;
/** Requests sent while the PostgreSQL server is down (a few seconds of traffic). */
const OUTAGE_REQUESTS = Math.max(50, Math.floor(REQUESTS * 0.04));
const PENNY = ['--import', 'tsx', 'src/cli/run.ts'];

async function redisUp(): Promise<boolean> {
  const s = new RedisStore({ url: REDIS_URL });
  try {
    await s.ready(1000);
    return true;
  } catch {
    return false;
  } finally {
    await s.close();
  }
}

const [pgUp, rUp] = await Promise.all([postgresReachable(), redisUp()]);
test('PostgreSQL and Redis are reachable when the run requires them', () => {
  if (process.env.PENNY_REQUIRE_POSTGRES)
    assert.ok(pgUp, 'PENNY_REQUIRE_POSTGRES is set but no PostgreSQL answers');
  if (process.env.PENNY_REQUIRE_REDIS) assert.ok(rUp, 'PENNY_REQUIRE_REDIS is set but no Redis answers');
});
const pgBindir = postgresBindir();
const skip =
  rUp && (pgUp || pgBindir)
    ? false
    : 'the fleet test needs Redis and PostgreSQL (its binaries for a private server, or the shared server)';
if (skip) process.stderr.write(`fleet.test: ${skip}; SKIPPED\n`);

interface Instance {
  child: ChildProcess;
  url: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  log: () => string;
}

function startInstance(config: string, ledgerPath: string): Promise<Instance> {
  const child = spawn(process.execPath, [...PENNY, 'serve', '--config', config, '--port', '0'], {
    env: { ...process.env, PENNY_LEDGER_PATH: ledgerPath, PENNY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) =>
    child.on('exit', (code, signal) => {
      if (signal) out += `\n[exited on ${signal}]`;
      r(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Penny listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exited, log: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`penny serve exited (${code}) before listening: ${out}`)));
  });
}

interface Sent {
  instance: number;
  kind: string;
  stream: boolean;
  acked: boolean;
  id?: string;
  cost?: string;
  cache?: string;
  /** Sent to the budget-capped feature. */
  capped?: boolean;
  /** HTTP status and the start of the body of a non-200 answer (raw client only). */
  status?: number | null;
  errorBody?: string;
}

/** The mix, by request number: both dialects, streamed and not, and repeats of 24 cacheable questions. */
const KINDS = ['openai', 'openai-stream', 'anthropic', 'anthropic-stream', 'faq', 'faq', 'faq', 'faq'];
/**
 * One block of KINDS in SDK_EVERY goes through the official SDKs; the rest through the raw keep-alive client
 * of the chaos run, which parses every body and event as strictly but costs a fraction of the SDKs' CPU
 * (their WHATWG fetch made the single-threaded client, not Penny, the bottleneck at 5,000 requests).
 */
const SDK_EVERY = 5;
const sdkClients = new Map<string, { openai: OpenAI; anthropic: Anthropic }>();

async function viaSdk(
  url: string,
  s: Sent,
  dialect: 'openai' | 'anthropic',
  feature: string,
  content: string,
): Promise<void> {
  let c = sdkClients.get(url);
  if (!c) {
    const apiKey = 'penny-fleet-placeholder';
    c = {
      openai: new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 }),
      anthropic: new Anthropic({ apiKey, baseURL: url, maxRetries: 0 }),
    };
    sdkClients.set(url, c);
  }
  const headers = { 'x-penny-feature': feature };
  const messages = [{ role: 'user' as const, content }];
  try {
    if (dialect === 'anthropic') {
      const body = { model: 'claude-haiku-4-5', max_tokens: 64, messages };
      if (s.stream) {
        const { data, response } = await c.anthropic.messages
          .create({ ...body, stream: true }, { headers })
          .withResponse();
        s.id = response.headers.get('x-penny-request-id') ?? undefined;
        let sawStop = false;
        for await (const ev of data) if (ev.type === 'message_stop') sawStop = true;
        s.acked = sawStop;
      } else {
        const { response } = await c.anthropic.messages.create(body, { headers }).withResponse();
        s.id = response.headers.get('x-penny-request-id') ?? undefined;
        s.cost = response.headers.get('x-penny-cost-usd') ?? undefined;
        s.acked = true;
      }
    } else {
      const body = { model: 'gpt-4o-mini', temperature: 0, messages };
      if (s.stream) {
        const { data, response } = await c.openai.chat.completions
          .create({ ...body, stream: true, stream_options: { include_usage: true } }, { headers })
          .withResponse();
        s.id = response.headers.get('x-penny-request-id') ?? undefined;
        let sawUsage = false;
        for await (const chunk of data) if (chunk.usage) sawUsage = true;
        s.acked = sawUsage;
      } else {
        const { response } = await c.openai.chat.completions.create(body, { headers }).withResponse();
        s.id = response.headers.get('x-penny-request-id') ?? undefined;
        s.cost = response.headers.get('x-penny-cost-usd') ?? undefined;
        s.cache = response.headers.get('x-penny-cache') ?? undefined;
        s.acked = true;
      }
    }
  } catch {
    // Not acknowledged (the instance was killed under it): the client would retry; it counts as lost.
  }
}

describe('a fleet of three instances sharing PostgreSQL and Redis', { skip }, () => {
  let fake: FakeUpstream;
  let dir: string;
  let schema: string;
  let config: string;
  /** The test's own server, restarted mid-run; undefined when it fell back to the shared server. */
  let privatePg: PrivatePostgres | undefined;
  let dbUrl = TEST_DATABASE_URL;
  const db = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    sql<R>(text, params, dbUrl);
  const appName = `penny_fleet_${process.pid}`;
  const govPrefix = uniquePrefix('fleet');
  const instances: (Instance | undefined)[] = [];
  const ledgerPaths: string[] = [];

  before(async () => {
    const [f, pgStarted] = await Promise.all([
      startFakeUpstream({ record: false }),
      startPrivatePostgres('penny-fleet-pg-').catch((err: Error) => err),
    ]);
    fake = f;
    if (pgStarted instanceof Error) {
      if (process.env.PENNY_REQUIRE_POSTGRES)
        throw new Error(
          `PENNY_REQUIRE_POSTGRES is set and the private PostgreSQL server did not start: ${pgStarted.message}`,
        );
      process.stderr.write(
        `fleet.test: NO POSTGRESQL RESTART: the private server did not start (${pgStarted.message.split('\n')[0]}); ` +
          `falling back to terminating the fleet's connections on the shared server ${TEST_DATABASE_URL}\n`,
      );
    } else {
      privatePg = pgStarted;
      dbUrl = pgStarted.url;
    }
    dir = mkdtempSync(join(tmpdir(), 'penny-fleet-'));
    schema = uniqueSchema('penny_fleet');
    const url = `${dbUrl}?application_name=${appName}`;
    config = join(dir, 'penny.json');
    writeFileSync(
      config,
      JSON.stringify({
        providers: {
          openai: { type: 'openai', baseUrl: `${fake.url}/v1`, apiKey: 'sk-fleet-openai-0123456789abcdef' },
          anthropic: { type: 'anthropic', baseUrl: fake.url, apiKey: 'sk-ant-fleet-0123456789abcdef' },
        },
        ledger: { url, schema, flushIntervalMs: 50 },
        cache: { store: 'redis', redisUrl: REDIS_URL, redisKeyPrefix: `penny:fleet:${process.pid}:` },
        governance: {
          store: { redis: { url: REDIS_URL, keyPrefix: govPrefix } },
          budgets: [
            { name: CAPPED_BUDGET, match: { feature: CAPPED }, limit: CAPPED_LIMIT, window: 'total' },
          ],
        },
        // `plain` keeps its prompt bodies: in PostgreSQL too, written by every instance.
        features: { faq: { cache: { enabled: true } }, plain: { storePrompts: true } },
      }),
    );
    for (let i = 0; i < 3; i++) {
      const d = join(dir, `instance-${i}`);
      mkdirSync(d);
      ledgerPaths.push(join(d, 'ledger.db'));
    }
    instances.push(...(await Promise.all(ledgerPaths.map((p) => startInstance(config, p)))));
  });

  after(async () => {
    try {
      for (const inst of instances) inst?.child.kill('SIGKILL');
      await fake?.close();
      if (schema && !privatePg) await dropSchema(schema);
      const r = new RedisStore({ url: REDIS_URL, keyPrefix: `penny:fleet:${process.pid}:` });
      await r.ready().catch(() => {});
      await r.clear().catch(() => {});
      await r.close();
      const c = connectRedis({ url: REDIS_URL, keyPrefix: '' });
      await redisReady(c).catch(() => {});
      await dropPrefix(c, govPrefix).catch(() => {});
      c.disconnect();
    } finally {
      await privatePg?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test('mixed traffic, a SIGKILL and a PostgreSQL outage: one entry per acknowledged request', async () => {
    // Every instance answers /readyz with its ledger and Redis reachable.
    for (const inst of instances) {
      let r = await fetch(`${inst!.url}/readyz`);
      // Ready means connected: an instance that just started may still be opening its Redis connection.
      for (let i = 0; i < 50 && r.status !== 200; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await fetch(`${inst!.url}/readyz`);
      }
      assert.equal(r.status, 200, await r.text());
    }
    const sent: Sent[] = [];

    // Conversations are shared through PostgreSQL: a response created on one instance is continued
    // (previous_response_id) on a second and fetched on the third.
    const responsesOn = (i: number) =>
      new OpenAI({ apiKey: 'penny-fleet-placeholder', baseURL: `${instances[i]!.url}/v1`, maxRetries: 0 });
    const turn = async (i: number, body: OpenAI.Responses.ResponseCreateParamsNonStreaming) => {
      const { data, response } = await responsesOn(i).responses.create(body).withResponse();
      sent.push({
        instance: i,
        kind: 'responses',
        stream: false,
        acked: true,
        id: response.headers.get('x-penny-request-id') ?? undefined,
        cost: response.headers.get('x-penny-cost-usd') ?? undefined,
      });
      return data;
    };
    const first = await turn(0, { model: 'gpt-4o-mini', input: 'fleet conversation #fake:words=3' });
    const second = await turn(1, {
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: 'and then? #fake:words=4',
    });
    assert.equal(second.previous_response_id, first.id);
    const fetched = await responsesOn(2).responses.retrieve(second.id);
    assert.equal(fetched.id, second.id);
    assert.equal(fetched.output_text, second.output_text);
    const stored = await db<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".responses`);
    assert.equal(Number(stored[0]!.n), 2, 'both responses are stored in the shared database');

    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    let killedAt = -1;
    let terminated = 0;
    let restarting: Promise<void> | undefined;
    /** The PostgreSQL outage: stopped at 60 % of the traffic, started again OUTAGE_REQUESTS later. */
    let outage: Promise<void> | undefined;
    let endOutage: (() => void) | undefined;
    let outageEndsAt = Number.POSITIVE_INFINITY;
    let outageSpan = '';
    const KILLED = 1;

    async function one(n: number): Promise<void> {
      // Route round-robin over the instances that are up (the killed one is skipped until it is back).
      let idx = n % 3;
      if (!instances[idx]) idx = (idx + 1) % 3;
      const inst = instances[idx]!;
      const kind = KINDS[n % KINDS.length]!;
      const capped = isCapped(n);
      const s: Sent = { instance: idx, kind, stream: kind.endsWith('stream'), acked: false, capped };
      sent.push(s);
      const dialect = kind.startsWith('anthropic') ? 'anthropic' : 'openai';
      const faq = kind === 'faq';
      const text = faq ? `frequently asked question ${n % 24}` : `fleet request ${n} #fake:words=8`;
      if (!capped && Math.floor(n / KINDS.length) % SDK_EVERY === 0) {
        await viaSdk(inst.url, s, dialect, faq ? 'faq' : 'plain', text);
        return;
      }
      const model = dialect === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5';
      const feature = capped ? CAPPED : faq ? 'faq' : 'plain';
      const r = await send(
        new URL(inst.url),
        agent,
        { n, dialect, model, stream: s.stream, feature, text },
        `fleet-${n % 20}`,
        30_000,
      );
      s.id = r.requestId ?? undefined;
      s.cost = r.costHeader ?? undefined;
      s.cache = r.cacheHeader ?? undefined;
      s.status = r.status;
      if (r.seen === 'http_error') s.errorBody = r.detail;
      // Acknowledged: a 200 whose body parsed, or a stream that reached its end marker.
      s.acked = r.seen === 'ok';
    }

    async function worker(): Promise<void> {
      for (;;) {
        const n = next++;
        if (n >= REQUESTS) return;
        if (n === Math.floor(REQUESTS * 0.3)) {
          // SIGKILL one instance mid-run and start it again on the same spill directory.
          const victim = instances[KILLED]!;
          instances[KILLED] = undefined;
          killedAt = sent.length;
          victim.child.kill('SIGKILL');
          restarting = (async () => {
            await victim.exited;
            instances[KILLED] = await startInstance(config, ledgerPaths[KILLED]!);
          })();
        }
        if (n === Math.floor(REQUESTS * 0.6)) {
          if (privatePg) {
            // Stop the test's own server; traffic goes on (the writers spill to their local files) until
            // OUTAGE_REQUESTS more requests have started, then it comes back and the writers replay.
            const pg = privatePg;
            const restarted = restarting;
            outage = (async () => {
              // Not while the SIGKILLed instance is still starting: an instance whose ledger cannot be opened
              // at start-up refuses to start (ledger_unavailable), by design; the outage is for running ones.
              await restarted;
              await pg.stop();
              const from = next;
              await new Promise<void>((resume) => {
                endOutage = resume;
                outageEndsAt = from + OUTAGE_REQUESTS;
              });
              outageSpan = `requests ${from} to ${next}`;
              await pg.start();
            })();
          } else {
            // Fallback: drop every ledger connection of the fleet from the shared server's side (not the
            // whole server: other test runs share it). The writers spill, reconnect and replay.
            const killed = await db<{ ok: boolean }>(
              'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
              [appName],
            );
            terminated = killed.filter((k) => k.ok).length;
          }
        }
        if (n >= outageEndsAt) {
          outageEndsAt = Number.POSITIVE_INFINITY;
          endOutage?.();
        }
        await one(n);
      }
    }

    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await restarting;
    // Traffic may end before the outage does (a small PENNY_FLEET_REQUESTS): bring the server back.
    endOutage?.();
    await outage;
    agent.destroy();
    assert.ok(killedAt > 0);
    if (privatePg) {
      assert.ok(outageSpan, 'the PostgreSQL server was stopped and started mid-run');
      // The restart was felt: at least one instance failed a write and spilled (its warning).
      const spilled = instances.filter((inst) => /PostgreSQL ledger write failed/.test(inst!.log())).length;
      assert.ok(spilled > 0, 'an instance spilled while PostgreSQL was down');
    } else assert.ok(terminated > 0, 'the fleet had ledger connections open to terminate');

    // Graceful stop (SIGTERM drains and flushes) of the three instances now running.
    await Promise.all(
      instances.map(async (inst) => {
        inst!.child.kill('SIGTERM');
        assert.equal(await inst!.exited, 0, inst!.log());
      }),
    );
    instances.length = 0;
    // What was spilled while the server was down has been replayed: no spill file is left behind.
    const leftInSpill = ledgerPaths.flatMap((p) => {
      const spillDir = join(dirname(p), 'spill');
      return existsSync(spillDir) ? readdirSync(spillDir).map((f) => join(spillDir, f)) : [];
    });
    assert.deepEqual(leftInSpill, [], 'every spill file was replayed and removed');

    const acked = sent.filter((s) => s.acked);
    assert.ok(
      acked.every((s) => s.id),
      'every acknowledged answer carries x-penny-request-id',
    );
    const rows = await db<{
      id: string;
      cost: string | null;
      stream: boolean;
      feature: string;
      status: string;
      http_status: number;
      error_class: string | null;
    }>(`SELECT id, cost, stream, feature, status, http_status, error_class FROM "${schema}".ledger_entries`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const dups = await db<{ n: string }>(
      `SELECT COUNT(*) - COUNT(DISTINCT id) AS n FROM "${schema}".ledger_entries`,
    );
    assert.equal(Number(dups[0]!.n), 0, 'no request id is stored twice');

    const missing = acked.filter((s) => !byId.has(s.id!));
    // Only the SIGKILLed instance may have lost entries: those still in its memory buffer when it died.
    const missingElsewhere = missing.filter((s) => s.instance !== KILLED);
    assert.deepEqual(missingElsewhere, [], 'instances stopped with SIGTERM lose nothing');
    const failed = sent.length - acked.length;
    const extra = rows.length - (acked.length - missing.length);
    assert.ok(extra >= 0 && extra <= failed, `${extra} entries for ${failed} unacknowledged requests`);

    // The budget: some capped requests served, the rest refused with a 429 in Anthropic's shape naming it;
    // a refusal is a ledger entry (status error, budget_exceeded, 429) that costs nothing; settled spend
    // on the budget stays within its limit across the fleet.
    const cappedSent = sent.filter((s) => s.capped);
    const refused = cappedSent.filter((s) => !s.acked && s.status != null && s.status !== 200);
    assert.ok(refused.length > 0, 'the budget refused requests');
    assert.ok(
      cappedSent.some((s) => s.acked),
      'the budget served requests before it refused',
    );
    let refusalRows = 0;
    for (const s of refused) {
      assert.equal(s.status, 429, `a refusal is a 429: ${s.errorBody}`);
      assert.match(s.errorBody ?? '', /"type":"rate_limit_error"/);
      assert.ok(
        (s.errorBody ?? '').includes(`budget \\"${CAPPED_BUDGET}\\"`),
        `names the budget: ${s.errorBody}`,
      );
      assert.ok(s.id, 'a refusal carries x-penny-request-id');
      const row = byId.get(s.id!);
      if (!row) {
        assert.equal(s.instance, KILLED, 'only the SIGKILLed instance may lose a refusal entry');
        continue;
      }
      assert.deepEqual(
        [row.status, row.http_status, row.error_class, BigInt(row.cost ?? '0')],
        ['error', 429, 'budget_exceeded', 0n],
        `refusal ${s.id} is recorded at no cost`,
      );
      refusalRows += 1;
    }
    const cappedRows = rows.filter((r) => r.feature === CAPPED);
    const cappedSpend = cappedRows.reduce((a, r) => a + BigInt(r.cost ?? '0'), 0n);
    assert.ok(
      cappedSpend > 0n && cappedSpend <= usd(CAPPED_LIMIT),
      `settled spend ${cappedSpend} ≤ the budget`,
    );
    const cut = failed - refused.length;
    // Entries beyond the acknowledged ones: the refusals, and at most one per request cut by the SIGKILL.
    assert.ok(
      extra - refusalRows <= cut,
      `${extra - refusalRows} entries for ${cut} requests cut by the SIGKILL`,
    );
    process.stderr.write(
      `fleet.test: budget ${CAPPED_BUDGET} ($${CAPPED_LIMIT}): ${cappedSent.length} requests, ` +
        `${cappedSent.filter((s) => s.acked).length} served, ${refused.length} refused with 429, ` +
        `settled ${cappedSpend} pico-USD\n`,
    );
    process.stderr.write(
      `fleet.test: ${sent.length} requests, ${acked.length} acknowledged, ${cut} cut by the SIGKILL, ` +
        `${missing.length} acknowledged entries lost with the SIGKILLed instance's buffer, ${rows.length} ledger entries, ` +
        (privatePg
          ? `PostgreSQL stopped and restarted during ${outageSpan}\n`
          : `${terminated} PostgreSQL connections terminated mid-run (shared server, no restart)\n`),
    );

    // Money: each non-streamed answer's header equals its entry; the report's total equals the ledger's sum.
    let headerSum = 0n;
    let entrySum = 0n;
    for (const s of acked) {
      const row = byId.get(s.id!);
      if (!row || s.stream) continue;
      assert.ok(s.cost && s.cost !== 'unknown', `priced answer ${s.id}`);
      headerSum += usd(s.cost);
      entrySum += BigInt(row.cost ?? '0');
    }
    assert.equal(headerSum, entrySum, 'x-penny-cost-usd headers add up to the ledger entries');
    const total = await db<{ cost: string }>(
      `SELECT COALESCE(SUM(cost), 0) AS cost FROM "${schema}".ledger_entries`,
    );
    const rep = spawnSync(process.execPath, [...PENNY, 'report', '--json', '--config', config], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(rep.status, 0, rep.stderr);
    const report = JSON.parse(rep.stdout) as { totals: { requests: number; cost: string } };
    assert.equal(report.totals.requests, rows.length);
    assert.equal(usd(report.totals.cost), BigInt(total[0]!.cost));
    const streamedSum = rows.filter((r) => r.stream).reduce((a, r) => a + BigInt(r.cost ?? '0'), 0n);
    const ackedIds = new Set(acked.map((s) => s.id));
    const unackedSum = rows
      .filter((r) => !r.stream && !ackedIds.has(r.id))
      .reduce((a, r) => a + BigInt(r.cost ?? '0'), 0n);
    assert.equal(usd(report.totals.cost), headerSum + streamedSum + unackedSum);

    // Prompt bodies of `plain` were stored in the shared database; every stored one is an entry's.
    const bodies = await db<{ stored: string; orphans: string; missing: string }>(
      `SELECT (SELECT COUNT(*) FROM "${schema}".bodies) AS stored,
         (SELECT COUNT(*) FROM "${schema}".bodies b WHERE NOT EXISTS (
            SELECT 1 FROM "${schema}".ledger_entries e WHERE e.meta->>'bodyHash' = b.hash)) AS orphans,
         (SELECT COUNT(*) FROM "${schema}".ledger_entries e WHERE e.meta->>'bodyHash' IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM "${schema}".bodies b WHERE b.hash = e.meta->>'bodyHash')) AS missing`,
    );
    assert.ok(Number(bodies[0]!.stored) > 0, 'bodies stored in PostgreSQL');
    process.stderr.write(
      `fleet.test: ${bodies[0]!.stored} prompt bodies stored, ${bodies[0]!.orphans} without an entry, ` +
        `${bodies[0]!.missing} entries whose body was lost (the SIGKILLed instance's buffer)\n`,
    );
    const sentToKilled = sent.slice(0, killedAt).filter((s) => s.instance === KILLED).length;
    assert.ok(
      Number(bodies[0]!.missing) <= sentToKilled,
      'only bodies buffered by the SIGKILLed instance may be missing',
    );

    // The shared Redis cache served repeats across instances.
    const hits = acked.filter((s) => s.cache === 'hit');
    assert.ok(hits.length > 0, 'cache hits from the shared store');
    assert.ok(new Set(hits.map((h) => h.instance)).size >= 2, 'hits on more than one instance');
  });
});
