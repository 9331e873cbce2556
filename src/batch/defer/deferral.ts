/**
 * Batch-API deferral. The `defer` stage answers a request the feature defers (`defer: batch`) or that asks
 * for it (`x-penny-defer: batch`) with `202` and a job id at once and stores the job; the submitter sends
 * queued jobs as one provider batch per provider (OpenAI files + `/v1/batches`, Anthropic message batches),
 * polls them, and on each line's result prices it at batch rates (settle/deferred.ts), writes its ledger
 * entry (meta.defer) and keeps the answer for `GET /v1/penny/jobs/{id}` (only the key that created it; 404
 * for any other) and the optional webhook (`x-penny-webhook`). An expired or retryable line is queued again
 * until `maxAttempts`, then reported failed; an upstream that is down leaves jobs queued. Jobs in every
 * state are stored, so a restart resumes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_STORED_TEXT, boundText } from '../../core/bounded-text.js';
import { InvalidRequestError, PennyError } from '../../core/errors.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { Dialect } from '../../core/request.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Logger } from '../../observability/logger.js';
import type { Outcome } from '../../pipeline/context.js';
import { settleDeferred } from '../../pipeline/settle/deferred.js';
import { defineSlot } from '../../pipeline/slots.js';
import { type Stage, defineStage } from '../../pipeline/stage.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { CODECS } from '../../providers/codecs.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import type { TargetResolver } from '../../providers/resolve-target.js';
import { toWireError } from '../../providers/wire-error.js';
import type { BatchJobsConfig } from './config.js';
import type { Job } from './job.js';
import type { JobStore } from './job-store.js';
import type { Governance } from '../../governance/governance.js';
import { reserveJob, settleJob } from './job-budget.js';
import { type ProviderBatchClient, batchClientFor } from './provider-batch.js';

export const DEFER = defineSlot<{ jobId: string }>('defer');
export const JOBS_PREFIX = '/v1/penny/jobs/';

type Headers = Readonly<Record<string, string | string[] | undefined>>;
const header = (h: Headers | undefined, n: string) => {
  const v = h?.[n];
  return Array.isArray(v) ? v[0] : v;
};

/** Not deferred: no (or `none`) x-penny-defer and a policy that does not defer. An invalid header is not. */
function passesThrough(ctx: Parameters<Stage['run']>[0]): boolean {
  const asked = header(ctx.requestHeaders, 'x-penny-defer');
  return asked === 'none' || (asked === undefined && ctx.policy?.defer !== 'batch');
}

/** Fingerprint of the credential a client presented (Authorization bearer, x-api-key or x-penny-key). */
export function ownerOf(h: Headers | undefined): string | null {
  const auth = header(h, 'authorization');
  const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  const key = bearer || header(h, 'x-api-key') || header(h, 'x-penny-key');
  if (!key) return null;
  return createHash('sha256').update(`penny-job-owner\n${key}`).digest('hex');
}

export interface DeferralDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  resolver: TargetResolver;
  store: JobStore;
  config: BatchJobsConfig;
  /** Budgets: a job reserves its worst case at batch rates when queued, settled when answered. */
  gov?: Governance;
}

export class Deferral {
  readonly stage: Stage;
  private record: ((e: LedgerEntry) => void) | null = null;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: DeferralDeps) {
    // A request that is not deferred gets next()'s own promise (no async function in between: that would add
    // three microtask turns between the upstream's answer and the client's).
    this.stage = defineStage({
      name: 'defer',
      run: (ctx, next) => (passesThrough(ctx) ? next() : this.run(ctx, next)),
    });
  }

  /** Where settled job entries go (the gateway's `record`: ledger, metrics), and start the submitter. */
  start(record: (e: LedgerEntry) => void): void {
    this.record = record;
    const every = (ms: number, f: () => Promise<void>) => {
      const t = setInterval(() => {
        this.running = this.running
          .then(f)
          .catch((e) => this.deps.logger.error('batch jobs: tick failed', { error: e }));
      }, ms);
      t.unref?.();
      this.timers.push(t);
    };
    every(this.deps.config.submitEveryMs, () => this.submitQueued());
    every(this.deps.config.pollEveryMs, () => this.pollSubmitted());
  }

  /** One submit pass and one poll pass now (tests, shutdown). */
  async tick(): Promise<void> {
    this.running = this.running.then(async () => {
      await this.submitQueued();
      await this.pollSubmitted();
    });
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.running.catch(() => undefined);
    await this.deps.store.close();
  }

  private async run(ctx: Parameters<Stage['run']>[0], next: Parameters<Stage['run']>[1]): Promise<Outcome> {
    const asked = header(ctx.requestHeaders, 'x-penny-defer');
    if (asked !== undefined && asked !== 'batch' && asked !== 'none')
      throw new InvalidRequestError('x-penny-defer must be "batch" (or "none")', 'x-penny-defer');
    if (passesThrough(ctx)) return next();
    if (ctx.request.stream)
      throw new InvalidRequestError(
        'a request deferred to the Batch API cannot stream: send stream: false',
        'stream',
      );
    const owner = ownerOf(ctx.requestHeaders);
    if (!owner)
      throw new InvalidRequestError(
        'a deferred request needs an API key (Authorization or x-api-key): only that key may fetch the job',
        'authorization',
      );
    const target = this.deps.resolver.resolve(ctx.request.model);
    if (!batchClientFor(target.provider) || !target.provider.apiKey)
      throw new InvalidRequestError(
        `provider "${target.provider.name}" (${target.provider.type}) has no Batch API Penny can use (openai or anthropic with a configured key)`,
        'model',
      );
    const webhook = header(ctx.requestHeaders, 'x-penny-webhook');
    if (webhook !== undefined && (!/^https?:\/\/\S+$/.test(webhook) || webhook.length > 2000))
      throw new InvalidRequestError(
        'x-penny-webhook must be an http(s) URL (at most 2000 characters)',
        'x-penny-webhook',
      );
    const now = Date.now();
    const job: Job = {
      id: `job_${randomBytes(12).toString('base64url')}`,
      owner,
      status: 'queued',
      createdAt: now,
      updatedAt: now,
      requestId: ctx.id,
      feature: ctx.attribution.feature,
      user: ctx.attribution.user,
      keyId: ctx.attribution.keyId,
      dialect: ctx.clientDialect,
      request: ctx.request,
      provider: target.provider.name,
      model: target.model,
      attempts: 0,
      ...(webhook ? { webhook } : {}),
    };
    // A budget that cannot hold the job's worst case (at batch rates) refuses it now, with the usual 429.
    const reservation = await reserveJob(ctx, target, job.id, this.deps.catalog, this.deps.gov);
    if (reservation) job.reservation = reservation;
    try {
      await this.deps.store.put(job);
    } catch (e) {
      settleJob(this.deps.gov, reservation ?? undefined, null);
      throw e;
    }
    ctx.money.unbilled = true;
    ctx.slots.set(DEFER, { jobId: job.id });
    ctx.headers['x-penny-job'] = job.id;
    ctx.flags.push('deferred');
    return {
      status: 'ok',
      httpStatus: 202,
      provider: target.provider.name,
      servedModel: null,
      usage: null,
      response: null,
      error: null,
      ttftMs: null,
      simulated: false,
      written: false,
      body: JSON.stringify(publicJob(job)),
    };
  }

  private clientFor(providerName: string): { client: ProviderBatchClient; dialect: Dialect } | null {
    const p = this.deps.loaded.providers.find((x) => x.name === providerName);
    const client = p ? batchClientFor(p) : null;
    return p && client ? { client, dialect: PROVIDER_TYPES[p.type].dialect } : null;
  }

  private async submitQueued(): Promise<void> {
    if (this.closed) return;
    // Leased: an instance sharing the store does not take these while this one submits them.
    const queued = await this.deps.store.claim(
      'queued',
      this.deps.config.maxJobsPerBatch * 4,
      this.deps.config.leaseMs,
    );
    const byProvider = new Map<string, Job[]>();
    for (const j of queued) byProvider.set(j.provider, [...(byProvider.get(j.provider) ?? []), j]);
    for (const [provider, jobs] of byProvider) {
      const c = this.clientFor(provider);
      if (!c) {
        for (const j of jobs)
          await this.fail(j, `provider "${provider}" is no longer configured for batches`);
        continue;
      }
      for (let i = 0; i < jobs.length; i += this.deps.config.maxJobsPerBatch)
        await this.submitChunk(provider, c, jobs.slice(i, i + this.deps.config.maxJobsPerBatch));
    }
  }

  /** Sends jobs as one provider batch; a batch the provider refuses is split, so one bad job fails alone. */
  private async submitChunk(
    provider: string,
    c: { client: ProviderBatchClient; dialect: Dialect },
    chunk: Job[],
  ): Promise<void> {
    const lines = chunk.map((j) => {
      const body = CODECS[c.dialect].renderRequest(
        { ...j.request, stream: false },
        { model: j.model, forceStreamUsage: false },
      );
      delete body.stream_options;
      return { customId: j.id, body };
    });
    let batchId: string;
    try {
      batchId = await c.client.submit(lines);
    } catch (e) {
      const err = e instanceof PennyError ? e : new PennyError('upstream_error', String(e));
      this.deps.logger.warn('batch jobs: submission failed', {
        provider,
        jobs: chunk.length,
        error: err.message,
      });
      if (!err.retryable && chunk.length > 1) {
        for (const j of chunk) await this.submitChunk(provider, c, [j]);
        return;
      }
      for (const j of chunk) {
        j.error = err.message;
        j.updatedAt = Date.now();
        // Upstream down: stays queued. Refused by the provider: tried again, then reported.
        if (err.retryable) await this.deps.store.put(j);
        else if (++j.attempts < this.deps.config.maxAttempts) await this.deps.store.put(j);
        else await this.fail(j, `the provider refused the batch: ${err.message}`);
      }
      return;
    }
    for (const j of chunk) {
      j.status = 'submitted';
      j.providerBatchId = batchId;
      j.attempts++;
      j.updatedAt = Date.now();
      delete j.error;
      await this.deps.store.put(j);
    }
  }

  private async pollSubmitted(): Promise<void> {
    if (this.closed) return;
    const submitted = await this.deps.store.claim('submitted', 100_000, this.deps.config.leaseMs);
    const byBatch = new Map<string, Job[]>();
    for (const j of submitted) {
      const k = `${j.provider}\n${j.providerBatchId}`;
      byBatch.set(k, [...(byBatch.get(k) ?? []), j]);
    }
    for (const jobs of byBatch.values()) {
      const first = jobs[0]!;
      const c = this.clientFor(first.provider);
      // Not settled this pass: the lease ends now, so whichever instance polls next may take the batch.
      const giveBack = () => this.deps.store.release(jobs.map((j) => j.id));
      if (!c) {
        await giveBack();
        continue;
      }
      let polled: Awaited<ReturnType<ProviderBatchClient['poll']>>;
      try {
        polled = await c.client.poll(first.providerBatchId!);
      } catch (e) {
        this.deps.logger.warn('batch jobs: poll failed', {
          provider: first.provider,
          error: (e as Error).message,
        });
        await giveBack();
        continue;
      }
      if (polled.state === 'running') {
        await giveBack();
        continue;
      }
      for (const j of jobs) {
        const r = polled.results.get(j.id);
        if (r && 'ok' in r) await this.complete(j, r.ok, c.dialect);
        else {
          const why =
            r?.error ??
            polled.batchError ??
            (polled.expired ? 'expired before it ran' : 'no result for this line');
          const retry = r ? r.retry : polled.expired === true;
          if (retry && j.attempts < this.deps.config.maxAttempts) {
            j.status = 'queued';
            j.error = why;
            delete j.providerBatchId;
            j.updatedAt = Date.now();
            await this.deps.store.put(j);
          } else await this.fail(j, why);
        }
      }
    }
  }

  private async complete(j: Job, body: unknown, upstream: Dialect): Promise<void> {
    let entry: LedgerEntry;
    try {
      const res = CODECS[upstream].parseResponse(body, j.provider);
      const usage = res.usage ?? {
        inputUncached: 0,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 0,
        reasoning: 0,
      };
      j.response = CODECS[j.dialect].renderResponse(res, j.request);
      const s = settleDeferred(
        usage,
        { model: j.model, provider: j.provider },
        j.request.model,
        this.deps.catalog,
      );
      entry = this.entry(j, 'ok', 200, null, s);
      Object.assign(entry, {
        servedModel: boundText(res.model || j.model, MAX_STORED_TEXT),
        inputUncached: usage.inputUncached,
        cacheRead: usage.cacheRead,
        cacheWrite5m: usage.cacheWrite5m,
        cacheWrite1h: usage.cacheWrite1h,
        outputText: usage.outputText,
        reasoning: usage.reasoning,
      });
    } catch (e) {
      return this.fail(j, `the provider's answer could not be read: ${(e as Error).message}`);
    }
    settleJob(this.deps.gov, j.reservation, entry.cost);
    delete j.reservation;
    j.status = 'completed';
    j.completedAt = Date.now();
    j.updatedAt = j.completedAt;
    delete j.error;
    await this.deps.store.put(j);
    this.record?.(entry);
    this.notify(j);
  }

  private async fail(j: Job, why: string): Promise<void> {
    settleJob(this.deps.gov, j.reservation, null);
    delete j.reservation;
    j.status = 'failed';
    j.error = why.slice(0, 1000);
    j.completedAt = Date.now();
    j.updatedAt = j.completedAt;
    await this.deps.store.put(j);
    this.record?.(
      this.entry(j, 'error', 502, 'batch_failed', {
        cost: 0n,
        baselineCost: null,
        savings: {},
        flags: ['batch_api'],
      }),
    );
    this.notify(j);
  }

  private entry(
    j: Job,
    status: 'ok' | 'error',
    httpStatus: number,
    errorClass: string | null,
    s: ReturnType<typeof settleDeferred>,
  ): LedgerEntry {
    return {
      id: j.id,
      ts: j.createdAt,
      feature: j.feature,
      user: j.user,
      keyId: j.keyId,
      dialect: j.dialect,
      provider: j.provider,
      requestedModel: boundText(j.request.model, MAX_STORED_TEXT),
      servedModel: status === 'ok' ? j.model : null,
      stream: false,
      simulated: false,
      inputUncached: 0,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 0,
      reasoning: 0,
      usageEstimated: false,
      cost: s.cost,
      baselineCost: s.baselineCost,
      savings: s.savings,
      flags: s.flags,
      latencyMs: Date.now() - j.createdAt,
      ttftMs: null,
      status,
      httpStatus,
      errorClass,
      meta: {
        defer: {
          jobId: j.id,
          requestId: j.requestId,
          providerBatchId: j.providerBatchId ?? null,
          attempts: j.attempts,
          ...(j.error ? { error: j.error } : {}),
        },
      },
    };
  }

  private notify(j: Job): void {
    if (!j.webhook) return;
    fetch(j.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(publicJob(j)),
      signal: AbortSignal.timeout(10_000),
    }).catch((e: unknown) =>
      this.deps.logger.warn('batch jobs: webhook failed', { job: j.id, error: (e as Error).message }),
    );
  }

  /** `GET /v1/penny/jobs/{id}`: the job for the key that created it; 404 for anyone else. */
  route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (!path.startsWith(JOBS_PREFIX)) return false;
    req.resume();
    const dialect: Dialect = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
    const id = decodeURIComponent(path.slice(JOBS_PREFIX.length));
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(text)),
      });
      res.end(text);
    };
    if (req.method !== 'GET') {
      const w = toWireError(new PennyError('method_not_allowed', `${JOBS_PREFIX}{id} takes GET`), dialect);
      send(w.status, w.body);
      return true;
    }
    const owner = ownerOf(req.headers);
    const job = id && !id.includes('/') ? await this.deps.store.get(id) : undefined;
    if (!job || owner === null || job.owner !== owner) {
      const w = toWireError(
        new PennyError('not_found', `No job found with id '${boundText(id, 200)}'.`),
        dialect,
      );
      send(w.status, w.body);
      return true;
    }
    send(200, publicJob(job));
    return true;
  };
}

/** What a client sees of its job. */
function publicJob(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    object: 'penny.job',
    status: j.status,
    model: j.request.model,
    created_at: Math.floor(j.createdAt / 1000),
    completed_at: j.completedAt ? Math.floor(j.completedAt / 1000) : null,
    url: `${JOBS_PREFIX}${j.id}`,
    ...(j.status === 'completed' ? { response: j.response } : {}),
    ...(j.error && j.status === 'failed' ? { error: { message: j.error } } : {}),
  };
}
