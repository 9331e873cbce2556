/**
 * Reading the results a provider returns for a batch, one JSONL line at a time, as they stream to the client:
 * OpenAI's output/error file lines (`{custom_id, response: {status_code, body}, error}`; the body is a Chat
 * Completion, a Responses object or an embeddings list) and Anthropic's results lines
 * (`{custom_id, result: {type, message}}`). Each line becomes what pricing needs — the model and usage of a
 * succeeded line, or that it failed — and nothing else is kept, so a large file is never held in memory.
 */
import type { Usage } from '../../core/usage.js';
import { parseUsage as anthropicUsage } from '../../providers/anthropic/convert-usage.js';
import { parseUsage as openAiUsage } from '../../providers/openai/convert-usage.js';
import { parseResponsesUsage } from '../../providers/openai-responses/convert-usage.js';

export type ResultLine =
  | { customId: string; ok: true; model: string; usage: Usage }
  | { customId: string; ok: false; status: number; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One results line, or null when it is not a results line at all (blank, not JSON, no custom_id). */
export function parseResultLine(dialect: 'openai' | 'anthropic', line: string): ResultLine | null {
  if (line.trim() === '') return null;
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(x) || typeof x.custom_id !== 'string' || x.custom_id === '') return null;
  const customId = x.custom_id;
  if (dialect === 'anthropic') {
    const r = isRecord(x.result) ? x.result : {};
    const m = r.message;
    if (r.type === 'succeeded' && isRecord(m) && typeof m.model === 'string')
      return { customId, ok: true, model: m.model, usage: anthropicUsage(m.usage) };
    const inner = isRecord(r.error) && isRecord(r.error.error) ? r.error.error : undefined;
    const why = typeof inner?.message === 'string' ? `: ${inner.message}` : '';
    return { customId, ok: false, status: 0, error: `${String(r.type ?? 'unknown')}${why}` };
  }
  const res = isRecord(x.response) ? x.response : undefined;
  const body = isRecord(res?.body) ? res.body : undefined;
  const status = typeof res?.status_code === 'number' ? res.status_code : 0;
  if (status === 200 && body && typeof body.model === 'string') {
    const u = isRecord(body.usage) ? body.usage : undefined;
    // Responses objects count input_tokens/output_tokens; chat, completions and embeddings prompt_tokens/….
    const usage =
      u && ('input_tokens' in u || 'output_tokens' in u) ? parseResponsesUsage(u) : openAiUsage(u);
    return { customId, ok: true, model: body.model, usage };
  }
  const err = isRecord(x.error) ? x.error : isRecord(body?.error) ? body.error : undefined;
  const code = typeof err?.code === 'string' ? err.code : `http_${status}`;
  const msg = typeof err?.message === 'string' ? `: ${err.message}` : '';
  return { customId, ok: false, status, error: `${code}${msg}` };
}

/**
 * Splits a byte stream into lines as chunks arrive. A line longer than `maxLineBytes` is dropped (counted in
 * `overlong`), not buffered: results lines are a few KB, and a bound keeps a hostile file from growing memory.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  overlong = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes = 16 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, nl));
      this.emit();
      start = nl + 1;
    }
  }

  /** The last line, when the stream ended without a newline. */
  end(): void {
    if (this.size > 0 || this.skipping) this.emit();
  }

  private keep(b: Buffer): void {
    if (b.length === 0 || this.skipping) return;
    if (this.size + b.length > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(Buffer.from(b));
    this.size += b.length;
  }

  private emit(): void {
    if (this.skipping) this.overlong++;
    else if (this.size > 0) this.onLine(Buffer.concat(this.parts, this.size).toString('utf8'));
    this.parts = [];
    this.size = 0;
    this.skipping = false;
  }
}
