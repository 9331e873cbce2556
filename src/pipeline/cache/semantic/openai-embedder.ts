/**
 * Embeddings from any OpenAI-compatible `POST {baseUrl}/v1/embeddings` (OpenAI, Azure-style proxies,
 * vLLM, Ollama …), over undici's `request` rather than global fetch. Texts are sent in batches; each
 * batch's `usage.prompt_tokens` is summed so the caller can book the embedding cost in the ledger.
 * Vectors are re-normalised: the cache relies on dot product = cosine, and not every server normalises.
 */
import type { Dispatcher } from 'undici';
import { ProviderError } from '../../../core/errors.js';
import type { Embedder, EmbedResult } from './embedder.js';
import { l2normalize } from './embedder.js';
import { undiciApi } from '../../../providers/undici-api.js';

export interface OpenAIEmbedderOptions {
  /** e.g. "https://api.openai.com" (without /v1). */
  baseUrl: string;
  apiKey?: string;
  /** e.g. "text-embedding-3-small". */
  model: string;
  /** Vector size the model returns (or is asked for with `requestDimensions`). */
  dims: number;
  /** Send `dimensions` in the request (text-embedding-3 models can shorten their vectors). */
  requestDimensions?: boolean;
  /** Texts per request. Default 128. */
  batchSize?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Provider name in errors. Default "openai". */
  provider?: string;
  dispatcher?: Dispatcher;
  /** Extra headers (e.g. an Azure `api-key`). */
  headers?: Record<string, string>;
}

interface EmbeddingsBody {
  data: Array<{ index: number; embedding: number[] }>;
  usage?: { prompt_tokens?: number };
}

function isEmbeddingsBody(v: unknown): v is EmbeddingsBody {
  if (typeof v !== 'object' || v === null) return false;
  const data = (v as { data?: unknown }).data;
  return (
    Array.isArray(data) &&
    data.every(
      (d) =>
        typeof d === 'object' &&
        d !== null &&
        typeof (d as { index?: unknown }).index === 'number' &&
        Array.isArray((d as { embedding?: unknown }).embedding),
    )
  );
}

function codeForStatus(
  status: number,
): 'upstream_auth' | 'upstream_rate_limited' | 'upstream_bad_request' | 'upstream_error' {
  if (status === 401 || status === 403) return 'upstream_auth';
  if (status === 429) return 'upstream_rate_limited';
  if (status >= 400 && status < 500) return 'upstream_bad_request';
  return 'upstream_error';
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly url: string;
  private readonly opts: OpenAIEmbedderOptions;

  constructor(opts: OpenAIEmbedderOptions) {
    this.opts = opts;
    this.dims = opts.dims;
    this.id = `openai:${opts.model}/${opts.dims}`;
    this.url = `${opts.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/embeddings`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts)).vectors;
  }

  async embedWithUsage(texts: string[]): Promise<EmbedResult> {
    const batchSize = Math.max(1, this.opts.batchSize ?? 128);
    const vectors: Float32Array[] = [];
    let promptTokens = 0;
    for (let i = 0; i < texts.length; i += batchSize) {
      const r = await this.call(texts.slice(i, i + batchSize));
      vectors.push(...r.vectors);
      promptTokens += r.promptTokens;
    }
    return { vectors, usage: { model: this.opts.model, promptTokens } };
  }

  private async call(input: string[]): Promise<{ vectors: Float32Array[]; promptTokens: number }> {
    const provider = this.opts.provider ?? 'openai';
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const body: Record<string, unknown> = { model: this.opts.model, input, encoding_format: 'float' };
    if (this.opts.requestDimensions) body.dimensions = this.opts.dims;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.opts.headers };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let res: Dispatcher.ResponseData;
    try {
      const { request } = await undiciApi();
      res = await request(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
        ...(this.opts.dispatcher ? { dispatcher: this.opts.dispatcher } : {}),
      });
    } catch (e) {
      const name = e instanceof Error ? e.name : '';
      const code = (e as { code?: unknown }).code;
      const timedOut =
        name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      throw new ProviderError(
        timedOut ? 'upstream_timeout' : 'upstream_unreachable',
        provider,
        timedOut
          ? `embeddings request timed out after ${timeoutMs} ms`
          : `embeddings endpoint unreachable: ${name || 'error'}`,
        { retryable: true, cause: e },
      );
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new ProviderError(
        'upstream_timeout',
        provider,
        'embeddings response body did not arrive in time',
        {
          retryable: true,
          cause: e,
        },
      );
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const code = codeForStatus(res.statusCode);
      throw new ProviderError(code, provider, `embeddings request failed with HTTP ${res.statusCode}`, {
        status: code === 'upstream_error' ? 502 : res.statusCode,
        retryable: code === 'upstream_rate_limited' || code === 'upstream_error',
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ProviderError('upstream_bad_response', provider, 'embeddings response is not JSON', {
        cause: e,
      });
    }
    if (!isEmbeddingsBody(parsed) || parsed.data.length !== input.length) {
      throw new ProviderError(
        'upstream_bad_response',
        provider,
        'embeddings response has no vector per input',
      );
    }
    const vectors = new Array<Float32Array>(input.length);
    for (const d of parsed.data) {
      if (d.embedding.length !== this.dims || d.index < 0 || d.index >= input.length) {
        throw new ProviderError(
          'upstream_bad_response',
          provider,
          `embedding ${d.index} has ${d.embedding.length} dimensions, expected ${this.dims}`,
        );
      }
      vectors[d.index] = l2normalize(Float32Array.from(d.embedding));
    }
    for (let i = 0; i < input.length; i++) {
      if (vectors[i] === undefined) {
        throw new ProviderError(
          'upstream_bad_response',
          provider,
          `embeddings response has no vector for input ${i}`,
        );
      }
    }
    return { vectors, promptTokens: parsed.usage?.prompt_tokens ?? 0 };
  }
}
