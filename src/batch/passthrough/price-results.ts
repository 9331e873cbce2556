/**
 * One ledger entry per result line of a pass-through batch, billed to whoever created the batch: a succeeded
 * line at the catalog's batch rates (baseline: the same usage at standard rates, the difference booked as the
 * `batch` saving — settle/deferred.ts), a failed line as an error entry (the providers do not bill failed
 * lines). The entry id is derived from provider, batch and custom_id, so the same line always has one id.
 */
import { createHash } from 'node:crypto';
import { MAX_STORED_TEXT, boundText } from '../../core/bounded-text.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import { settleDeferred } from '../../pipeline/settle/deferred.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { BatchObject } from './batch-object.js';
import type { ResultLine } from './result-lines.js';

export function resultLineId(provider: string, batchId: string, customId: string): string {
  return `bl_${createHash('sha256').update(`${provider}\n${batchId}\n${customId}`).digest('hex').slice(0, 32)}`;
}

export function resultEntry(
  batch: BatchObject,
  dialect: 'openai' | 'anthropic',
  line: ResultLine,
  catalog: PriceCatalog,
  now: number,
): LedgerEntry {
  const meta = {
    batchPassthrough: {
      batchId: boundText(batch.id, MAX_STORED_TEXT),
      customId: boundText(line.customId, MAX_STORED_TEXT),
      ...(line.ok ? {} : { error: boundText(line.error, 1000) }),
    },
  };
  const base = {
    id: resultLineId(batch.provider, batch.id, line.customId),
    ts: now,
    feature: batch.feature,
    user: batch.user,
    keyId: batch.keyId,
    dialect,
    provider: batch.provider,
    stream: false,
    simulated: false,
    latencyMs: Math.max(0, now - batch.createdAt),
    ttftMs: null,
    meta,
  };
  if (!line.ok)
    return {
      ...base,
      requestedModel: '',
      servedModel: null,
      inputUncached: 0,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: 0,
      reasoning: 0,
      usageEstimated: false,
      cost: 0n,
      baselineCost: null,
      savings: {},
      flags: ['batch_api'],
      status: 'error',
      httpStatus: line.status >= 400 ? line.status : 502,
      errorClass: 'batch_line_failed',
    };
  const model = boundText(line.model, MAX_STORED_TEXT);
  const s = settleDeferred(line.usage, { model: line.model, provider: batch.provider }, line.model, catalog);
  const u = line.usage;
  return {
    ...base,
    requestedModel: model,
    servedModel: model,
    inputUncached: u.inputUncached,
    cacheRead: u.cacheRead,
    cacheWrite5m: u.cacheWrite5m,
    cacheWrite1h: u.cacheWrite1h,
    outputText: u.outputText,
    reasoning: u.reasoning,
    usageEstimated: false,
    cost: s.cost,
    baselineCost: s.baselineCost,
    savings: s.savings,
    flags: s.flags,
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
  };
}
