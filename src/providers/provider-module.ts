/**
 * The provider-module contract, versioned like the Vercel AI SDK's `specificationVersion`: everything
 * Penny knows about one wire format (a dialect) lives in that dialect's folder and is reachable only
 * through this object. The pipeline, server, audit and CLI ask the module — never `dialect === '…'`.
 *
 * Adding a provider: a folder with a `codec` (see dialect.ts) and an index.ts exporting a
 * `ProviderModuleV1`, and one line in modules.ts. `dialect.contract.ts` (run by dialect-contract.test.ts
 * on every registered module) says what is missing. See docs/architecture.md, "Adding a provider".
 */
import type { PennyError, WireError } from '../core/errors.js';
import type { Dialect } from '../core/request.js';
import type { Usage } from '../core/usage.js';
import type { DialectCodec } from './dialect.js';
import type { ProviderTypeSpec } from './provider-type.js';

/** One token's log-probability (OpenAI `logprobs.content[]`). */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

export interface ProviderCapabilities {
  /** The upstream can return token log-probabilities (cascade confidence checks use them). */
  logprobs: boolean;
  /** The dialect carries prompt-cache breakpoints (`cache_control`) that Penny may place. */
  promptCacheMarkers: boolean;
  /** A client of this dialect gets usage in a stream only when it asks (OpenAI `stream_options.include_usage`). */
  streamUsageOptIn: boolean;
  /** Cache-write TTLs the usage object can report separately. */
  cacheWriteTtls: readonly ('5m' | '1h')[];
}

/** How a client's own provider key arrives and how it is recognised (pass-through keys). */
export interface ClientKeyRule {
  /** A header the dialect's SDK sends the key in, besides `Authorization: Bearer` (Anthropic: x-api-key). */
  header?: string;
  /** The prefix that marks this provider's keys (Anthropic: "sk-ant-"). */
  prefix?: string;
  /** Accept a bearer key only when it carries `prefix` (else: any key no other module claims). */
  requirePrefix: boolean;
}

export interface ProviderModuleV1 {
  readonly specificationVersion: 'v1';
  /** The wire format's id; also the module's key in the registry. */
  readonly dialect: Dialect;
  /** Human name for docs and errors. */
  readonly label: string;
  readonly codec: DialectCodec;
  /** This dialect's usage object ⇄ canonical usage (the codec, the audit and the contract suite use these). */
  readonly usage: {
    parse(raw: unknown): Usage;
    render(usage: Usage): Record<string, unknown>;
  };
  /** The HTTP error a client of this dialect gets for a Penny error. */
  renderError(err: PennyError): WireError;
  /** Upstream provider types (config `providers.<name>.type`) whose servers speak this dialect. */
  readonly providerTypes: Readonly<Record<string, ProviderTypeSpec>>;
  readonly capabilities: ProviderCapabilities;
  readonly clientKey: ClientKeyRule;
  /** Path (after the base URL) for a request in this dialect when it differs from the provider type's. */
  readonly upstreamPath?: string;
  /** Token log-probabilities from a response choice's `logprobs`, when the dialect reports them. */
  parseLogprobs?(logprobs: unknown): TokenLogprob[] | null;
}

export type ProviderModule = ProviderModuleV1;
