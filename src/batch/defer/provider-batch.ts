/**
 * The providers' batch APIs as Penny uses them: OpenAI (a JSONL file uploaded to `/files`, then `/batches`)
 * and Anthropic (`/v1/messages/batches`). `submit` returns the provider's batch id; `poll` says whether the
 * batch has ended and, when it has, each line's answer body or why it has none (`retry` when sending it
 * again can help: an expired line). Runs off the request path (the submitter loop), so it uses fetch.
 */
import { PennyError } from '../../core/errors.js';
import type { ResolvedProvider } from '../../config/load.js';

export interface BatchLine {
  customId: string;
  body: Record<string, unknown>;
}

export type LineResult = { ok: unknown } | { error: string; retry: boolean };

export type PollResult =
  | { state: 'running' }
  | { state: 'ended'; results: Map<string, LineResult>; batchError?: string; expired?: boolean };

export interface ProviderBatchClient {
  submit(lines: BatchLine[]): Promise<string>;
  poll(batchId: string): Promise<PollResult>;
}

export function batchClientFor(p: ResolvedProvider): ProviderBatchClient | null {
  if (p.type === 'openai') return openAiClient(p);
  if (p.type === 'anthropic') return anthropicClient(p);
  return null;
}

async function call(p: ResolvedProvider, url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(p.timeoutMs || 60_000) });
  } catch (e) {
    throw new PennyError(
      'upstream_unreachable',
      `provider "${p.name}" is unreachable: ${(e as Error).message}`,
      {
        retryable: true,
      },
    );
  }
  if (!res.ok) {
    const text = (await res.text()).slice(0, 500);
    throw new PennyError('upstream_error', `provider "${p.name}" answered ${res.status}: ${text}`, {
      retryable: res.status >= 500 || res.status === 429,
    });
  }
  return res;
}

function openAiClient(p: ResolvedProvider): ProviderBatchClient {
  const base = p.baseUrl.replace(/\/$/, '');
  const auth = { ...p.headers, ...(p.apiKey ? { authorization: `Bearer ${p.apiKey}` } : {}) };
  const jsonl = (text: string) =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            custom_id: string;
            response?: { status_code: number; body: unknown } | null;
            error?: { code?: string; message?: string } | null;
          },
      );
  return {
    async submit(lines) {
      const form = new FormData();
      form.append('purpose', 'batch');
      const text = lines
        .map((l) =>
          JSON.stringify({
            custom_id: l.customId,
            method: 'POST',
            url: '/v1/chat/completions',
            body: l.body,
          }),
        )
        .join('\n');
      form.append('file', new Blob([`${text}\n`], { type: 'application/jsonl' }), 'penny-batch.jsonl');
      const file = (await (
        await call(p, `${base}/files`, { method: 'POST', headers: auth, body: form })
      ).json()) as { id: string };
      const batch = (await (
        await call(p, `${base}/batches`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
          }),
        })
      ).json()) as { id: string };
      return batch.id;
    },
    async poll(id) {
      const b = (await (
        await call(p, `${base}/batches/${encodeURIComponent(id)}`, { headers: auth })
      ).json()) as {
        status: string;
        output_file_id?: string | null;
        error_file_id?: string | null;
        errors?: { data?: Array<{ message?: string }> } | null;
      };
      if (!['completed', 'failed', 'expired', 'cancelled'].includes(b.status)) return { state: 'running' };
      const results = new Map<string, LineResult>();
      const read = async (fileId: string | null | undefined) =>
        fileId
          ? jsonl(
              await (
                await call(p, `${base}/files/${encodeURIComponent(fileId)}/content`, { headers: auth })
              ).text(),
            )
          : [];
      for (const l of [...(await read(b.output_file_id)), ...(await read(b.error_file_id))]) {
        if (l.response && l.response.status_code === 200) results.set(l.custom_id, { ok: l.response.body });
        else {
          const code = l.error?.code ?? `http_${l.response?.status_code ?? 'error'}`;
          results.set(l.custom_id, {
            error: `${code}: ${l.error?.message ?? JSON.stringify(l.response?.body ?? null).slice(0, 300)}`,
            retry: code === 'batch_expired' || (l.response?.status_code ?? 0) >= 500,
          });
        }
      }
      return {
        state: 'ended',
        results,
        ...(b.status === 'failed' ? { batchError: b.errors?.data?.[0]?.message ?? 'the batch failed' } : {}),
        ...(b.status === 'expired' ? { expired: true } : {}),
      };
    },
  };
}

function anthropicClient(p: ResolvedProvider): ProviderBatchClient {
  const base = p.baseUrl.replace(/\/$/, '').replace(/\/v1$/, '');
  const headers = {
    'anthropic-version': '2023-06-01',
    ...p.headers,
    ...(p.apiKey ? { 'x-api-key': p.apiKey } : {}),
  };
  return {
    async submit(lines) {
      const res = await call(p, `${base}/v1/messages/batches`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ requests: lines.map((l) => ({ custom_id: l.customId, params: l.body })) }),
      });
      return ((await res.json()) as { id: string }).id;
    },
    async poll(id) {
      const b = (await (
        await call(p, `${base}/v1/messages/batches/${encodeURIComponent(id)}`, { headers })
      ).json()) as {
        processing_status: string;
        results_url?: string | null;
      };
      if (b.processing_status !== 'ended' || !b.results_url) return { state: 'running' };
      const text = await (await call(p, b.results_url, { headers })).text();
      const results = new Map<string, LineResult>();
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const r = JSON.parse(line) as {
          custom_id: string;
          result: {
            type: string;
            message?: unknown;
            error?: { error?: { type?: string; message?: string } };
          };
        };
        if (r.result.type === 'succeeded') results.set(r.custom_id, { ok: r.result.message });
        else
          results.set(r.custom_id, {
            error: `${r.result.type}${r.result.error?.error?.message ? `: ${r.result.error.error.message}` : ''}`,
            retry: r.result.type === 'expired' || r.result.error?.error?.type === 'api_error',
          });
      }
      return { state: 'ended', results };
    },
  };
}
