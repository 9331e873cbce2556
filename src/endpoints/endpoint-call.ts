/**
 * What the OpenAI endpoints outside the chat pipeline (embeddings, legacy completions) share: the request's
 * id and attribution (same headers as chat), the upstream path of an OpenAI-format provider for another
 * endpoint, and the one ledger entry each call settles — priced from usage, or null-and-flagged, never $0.
 */
import type { ServerResponse } from 'node:http';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { Money } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import type { Attribution } from '../pipeline/context.js';
import { attribute } from '../pipeline/gateway.js';
import { newRequestId } from '../pipeline/request-id.js';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { Target } from '../providers/resolve-target.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface EndpointCall {
  body: unknown;
  headers: Headers;
  tokenName?: string;
  signal: AbortSignal;
  /** Whether a value is one of Penny's own tokens or virtual keys (never forwarded as a provider key). */
  isPennyToken?: (value: string) => boolean;
}

export interface EndpointReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A service either returns a reply for the route to write, or writes the response itself (streams). */
export interface EndpointService {
  handle(call: EndpointCall, res: ServerResponse): Promise<EndpointReply | null>;
}

export interface CallStart {
  id: string;
  startedAt: number;
  t0: bigint;
  attribution: Attribution;
}

export function startCall(call: EndpointCall): CallStart {
  const startedAt = Date.now();
  const attribution = attribute(call, undefined);
  const b = call.body as { user?: unknown } | undefined;
  if (attribution.user === null && typeof b?.user === 'string' && b.user !== '')
    attribution.user = b.user.slice(0, 200);
  return { id: newRequestId(startedAt), startedAt, t0: process.hrtime.bigint(), attribution };
}

/** The path of `endpoint` ("/embeddings", "/completions") on an OpenAI-format provider, or null for others. */
export function endpointPath(target: Target, endpoint: string): string | null {
  const spec = PROVIDER_TYPES[target.provider.type];
  if (spec.dialect !== 'openai') return null;
  const chat = spec.chatPath(target.model, {
    ...(target.provider.apiVersion ? { apiVersion: target.provider.apiVersion } : {}),
    deployments: target.provider.deployments,
  });
  return chat.replace('/chat/completions', endpoint);
}

export interface EntryParts {
  provider: string | null;
  requestedModel: string;
  servedModel: string | null;
  stream: boolean;
  simulated: boolean;
  usage: Usage | null;
  cost: Money | null;
  baselineCost?: Money | null;
  savings?: Record<string, Money>;
  flags: string[];
  ttftMs?: number | null;
  status: LedgerEntry['status'];
  httpStatus: number;
  errorClass: string | null;
  meta: Record<string, unknown>;
}

export function endpointEntry(start: CallStart, p: EntryParts): LedgerEntry {
  const u = p.usage;
  const flags = [...p.flags];
  if (p.simulated && !flags.includes('simulated')) flags.push('simulated');
  if (u?.estimated && !flags.includes('usage_estimated')) flags.push('usage_estimated');
  const latency = Number(process.hrtime.bigint() - start.t0) / 1e6;
  return {
    id: start.id,
    ts: start.startedAt,
    feature: start.attribution.feature,
    user: start.attribution.user,
    keyId: start.attribution.keyId,
    dialect: 'openai',
    provider: p.provider,
    requestedModel: p.requestedModel,
    servedModel: p.servedModel,
    stream: p.stream,
    simulated: p.simulated,
    inputUncached: u?.inputUncached ?? 0,
    cacheRead: u?.cacheRead ?? 0,
    cacheWrite5m: u?.cacheWrite5m ?? 0,
    cacheWrite1h: u?.cacheWrite1h ?? 0,
    outputText: u?.outputText ?? 0,
    reasoning: u?.reasoning ?? 0,
    usageEstimated: u?.estimated === true,
    cost: p.cost,
    baselineCost: p.baselineCost !== undefined ? p.baselineCost : p.cost,
    savings: p.savings ?? {},
    flags,
    latencyMs: Math.round(latency * 1000) / 1000,
    ttftMs: p.ttftMs ?? null,
    status: p.status,
    httpStatus: p.httpStatus,
    errorClass: p.errorClass,
    meta: p.meta,
  };
}
