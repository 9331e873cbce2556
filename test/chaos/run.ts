/**
 * One chaos run: a fake upstream injecting seeded faults, a real `penny serve` process (built dist, its own
 * SQLite ledger), and N planned requests at C concurrent keep-alive clients, some aborted on purpose.
 * Optionally SIGTERM or SIGKILL mid-run. Bounded: every request has a client timeout and the run stops by
 * itself. Loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { SqliteLedger } from '../../src/ledger/sqlite/sqlite-ledger.js';
import { startFakeUpstream } from '../fake-upstream/index.js';
import { type ClientRecord, send } from './client.js';
import type { PlannedRequest } from './plan.js';
import { BUDGET_USD, type FaultCounts, LIMITED_RPM, faultPicker, PRICES, planRequests } from './plan.js';
import { type ChaosReport, verify } from './verify.js';

export interface ChaosOptions {
  requests: number;
  concurrency?: number;
  seed?: number;
  /** Share of requests the client aborts on purpose (default 0.04). */
  abortShare?: number;
  /** Send SIGTERM (or SIGKILL) to Penny once this share of the requests has finished. */
  signal?: { kind: 'SIGTERM' | 'SIGKILL'; atShare: number };
  /** Called as requests finish (progress bars). */
  onProgress?: (done: number, total: number) => void;
  clientTimeoutMs?: number;
  /** `ledger.journal`: the write-ahead journal (replayed when the ledger is opened after the run). */
  journal?: boolean;
}

export interface ChaosResult {
  report: ChaosReport;
  faults: FaultCounts;
  upstreamCalls: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  exitCode: number | null;
  crashed: boolean;
  stderrTail: string;
  /** Requests refused or cut after the signal (conn errors once Penny stopped accepting). */
  afterSignal: { refused: number; answered: number; lostAnswered: number };
  budget: BudgetCheck;
  seconds: number;
}

/** The budget and rate limit in the mix, from the clients' records and the ledger. */
export interface BudgetCheck {
  limitPico: bigint;
  /** Settled spend of feature `budgeted` in the ledger. */
  spentPico: bigint;
  /** Budgeted requests served (200) and refused (429 budget_exceeded in the ledger). */
  served: number;
  refused: number;
  /** Rate-limited requests refused (429 rate_limited in the ledger). */
  rateLimited: number;
  /** Refusals whose client did not see a 429 in its dialect's error shape, or whose entry is missing. */
  problems: string[];
}

function budgetCheck(
  plan: PlannedRequest[],
  records: ClientRecord[],
  entries: LedgerEntry[],
  userPrefix: string,
): BudgetCheck {
  const byUser = new Map(entries.map((e) => [e.user, e]));
  const out: BudgetCheck = {
    limitPico: BigInt(Math.round(BUDGET_USD * 1e6)) * 1_000_000n,
    spentPico: 0n,
    served: 0,
    refused: 0,
    rateLimited: 0,
    problems: [],
  };
  for (const e of entries) if (e.feature === 'budgeted' && e.cost !== null) out.spentPico += e.cost;
  for (const p of plan) {
    if (p.feature !== 'budgeted' && p.feature !== 'limited') continue;
    const rec = records[p.n];
    const e = byUser.get(`${userPrefix}${p.n}`);
    if (!rec || !e) continue; // lost/aborted-before-read: judged by verify()
    const code = p.feature === 'budgeted' ? 'budget_exceeded' : 'rate_limited';
    if (e.errorClass === code) {
      if (p.feature === 'budgeted') out.refused++;
      else out.rateLimited++;
      if (rec.seen !== 'aborted' && (rec.seen !== 'http_error' || rec.status !== 429))
        out.problems.push(`#${p.n} refused (${code}) but the client saw ${rec.seen} ${rec.status ?? ''}`);
    } else if (p.feature === 'budgeted' && e.status === 'ok') out.served++;
  }
  if (out.spentPico > out.limitPico)
    out.problems.push(`spend under the budget ${out.spentPico} pUSD exceeds its limit ${out.limitPico}`);
  return out;
}

const ROOT = resolve(import.meta.dirname, '../..');
const HEADERS_TIMEOUT_MS = 1500;

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function startPenny(
  configPath: string,
  ledgerPath: string,
): Promise<{ child: ChildProcess; url: URL; stderr: string[] }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/penny.js'), 'serve', '--config', configPath, '--ledger', ledgerPath, '--port', '0'],
    {
      cwd: ROOT,
      env: { ...process.env, PENNY_LOG_LEVEL: 'warn', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const stderr: string[] = [];
  return new Promise((resolveP, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`penny serve did not start:\n${stderr.join('')}`)),
      20_000,
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderr.push(s);
      if (stderr.length > 2000) stderr.splice(0, 1000);
      const m = /Penny listening on (http:\/\/\S+)/.exec(stderr.join(''));
      if (m) {
        clearTimeout(timer);
        resolveP({ child, url: new URL(m[1] as string), stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`penny serve exited with ${code}:\n${stderr.join('')}`));
    });
  });
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const seed = opts.seed ?? 1;
  const concurrency = opts.concurrency ?? 64;
  const clientTimeoutMs = opts.clientTimeoutMs ?? 30_000;
  const t0 = Date.now();
  const faults = faultPicker(seed, { headersMs: HEADERS_TIMEOUT_MS });
  const fake = await startFakeUpstream({ chaos: faults.pick });
  const dir = mkdtempSync(join(tmpdir(), 'penny-chaos-'));
  const ledgerPath = join(dir, 'ledger.db');
  const configPath = join(dir, 'penny.config.json');
  const provider = { timeoutMs: HEADERS_TIMEOUT_MS, idleTimeoutMs: 700 };
  writeFileSync(
    configPath,
    JSON.stringify({
      ledger: { flushIntervalMs: 50, journal: opts.journal ?? false },
      providers: {
        openai: {
          type: 'openai',
          baseUrl: `${fake.url}/v1`,
          apiKey: 'sk-chaos-openai-0123456789abcdef',
          ...provider,
        },
        anthropic: {
          type: 'anthropic',
          baseUrl: fake.url,
          apiKey: 'sk-ant-chaos-0123456789abcdef',
          ...provider,
        },
      },
      prices: PRICES,
      route: {
        fallbacks: { 'gpt-4o': ['claude-haiku-4-5'] },
        retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20, retryAfterCapMs: 1500 },
      },
      // A breaker that trips under this fault rate and recovers within the run: its refusals and probes are
      // part of what the checks must hold for.
      circuitBreaker: { failureThreshold: 6, coolDownMs: 1000 },
      // Budgets and rate limits in the mix: a small total budget that refuses (429) once spent, and a
      // requests-per-minute limit; both checked from the ledger after the run (budgetCheck).
      governance: {
        budgets: [
          { name: 'chaos-budget', match: { feature: 'budgeted' }, limit: BUDGET_USD, window: 'total' },
        ],
        rateLimits: [{ name: 'chaos-rpm', match: { feature: 'limited' }, rpm: LIMITED_RPM }],
      },
      features: {
        cached: { cache: { enabled: true } },
        cascade: { cascade: { models: ['gpt-4o-mini', 'gpt-4o'] } },
      },
    }),
  );
  const plan = planRequests(opts.requests, seed, opts.abortShare ?? 0.04);
  const userPrefix = `chaos-${seed}-`;
  let penny: Awaited<ReturnType<typeof startPenny>>;
  try {
    penny = await startPenny(configPath, ledgerPath);
  } catch (e) {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { child, url } = penny;
  const pid = child.pid as number;
  let exited = false;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;
  const exitP = new Promise<void>((r) =>
    child.once('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      r();
    }),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const rssStartMb = rssMb(pid);
  let rssPeakMb = rssStartMb;
  const rssTimer = setInterval(() => {
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
  }, 250);

  const records: ClientRecord[] = new Array(plan.length);
  let next = 0;
  let finished = 0;
  let signalled = false;
  let signalAt = -1;
  const worker = async () => {
    while (next < plan.length) {
      const p = plan[next++];
      if (!p) break;
      const rec = await send(url, agent, p, `${userPrefix}${p.n}`, clientTimeoutMs);
      records[p.n] = rec;
      finished++;
      opts.onProgress?.(finished, plan.length);
      if (opts.signal && !signalled && finished >= Math.floor(plan.length * opts.signal.atShare)) {
        signalled = true;
        signalAt = finished;
        child.kill(opts.signal.kind);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(rssTimer);
  const rssEndMb = exited ? 0 : rssMb(pid);
  agent.destroy();
  if (!exited) child.kill('SIGTERM');
  await Promise.race([exitP, new Promise((r) => setTimeout(r, 20_000))]);
  if (!exited) child.kill('SIGKILL');
  await exitP;
  await fake.close();

  // As the next `penny serve` would: with the journal on, a SIGKILLed process's received entries are replayed.
  const ledger = SqliteLedger.open(ledgerPath, { journal: opts.journal ?? false });
  let entries: LedgerEntry[];
  try {
    entries = await ledger.query({});
  } finally {
    await ledger.close();
  }
  const stderrTail = penny.stderr.join('').slice(-4000);
  rmSync(dir, { recursive: true, force: true });

  // After a signal, a request that found no server (refused, reset before any byte) is not a fault when
  // the ledger has no entry saying it was answered.
  const afterSignal = { refused: 0, answered: 0, lostAnswered: 0 };
  let considered = records;
  if (opts.signal) {
    const entryUsers = new Set(entries.map((e) => e.user));
    considered = records.filter((r) => {
      if (r.seen === 'conn_error' && !entryUsers.has(r.user)) {
        afterSignal.refused++;
        return false;
      }
      return true;
    });
    if (opts.signal.kind === 'SIGKILL') {
      // What SIGKILL may lose: answered requests whose entry was still in the write buffer.
      for (const r of considered) {
        if (r.seen === 'ok' || r.seen === 'http_error' || r.seen === 'stream_error') {
          afterSignal.answered++;
          if (!entryUsers.has(r.user)) afterSignal.lostAnswered++;
        }
      }
      const killedUsers = new Set(considered.filter((r) => !entryUsers.has(r.user)).map((r) => r.user));
      considered = considered.filter(
        (r) => !killedUsers.has(r.user) && r.seen !== 'conn_error' && r.seen !== 'truncated',
      );
    }
  }
  const consideredPlan = plan.filter((p) => considered.some((r) => r.n === p.n));
  // A group with a member left out above still has that member's upstream calls in fake.requests.
  const uncheckedGroups = new Set(plan.filter((p) => !consideredPlan.includes(p)).map((p) => p.group));
  const report = verify(consideredPlan, considered, fake.requests, entries, { userPrefix, uncheckedGroups });
  const budget = budgetCheck(plan, records, entries, userPrefix);
  const signalled9 = opts.signal?.kind === 'SIGKILL';
  const crashed = !signalled9 && !(exitCode === 0 && exitSignal === null);
  void signalAt;
  return {
    report,
    faults: faults.counts,
    upstreamCalls: fake.requests.length,
    rssStartMb,
    rssPeakMb,
    rssEndMb,
    exitCode,
    crashed,
    stderrTail,
    afterSignal,
    budget,
    seconds: (Date.now() - t0) / 1000,
  };
}
