/**
 * Deterministic embedding vectors for the offline try-out (no provider configured): the same text and model
 * always give the same unit-length vector, seeded by SHA-256, so caches and similarity code behave as
 * they would against a real provider. Token counts come from Penny's tokenizer.
 */
import { createHash } from 'node:crypto';
import { countText } from '../tokens/index.js';
import type { EmbeddingsBody } from './parse-request.js';
import { inputList } from './parse-request.js';

const DEFAULT_DIMENSIONS: Array<[RegExp, number]> = [
  [/3-large/, 3072],
  [/./, 1536],
];

export function simulatedVector(text: string, model: string, dims: number): Float32Array {
  const out = new Float32Array(dims);
  let block = createHash('sha256').update(`${model}\0${text}`).digest();
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const at = (i * 2) % block.length;
    if (i > 0 && at === 0) block = createHash('sha256').update(block).digest();
    const v = block.readUInt16BE(at) / 32767.5 - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dims; i++) out[i] = out[i]! * scale;
  return out;
}

export function simulateEmbeddings(body: EmbeddingsBody): {
  json: Record<string, unknown>;
  promptTokens: number;
} {
  const dims = body.dimensions ?? DEFAULT_DIMENSIONS.find(([re]) => re.test(body.model))![1];
  let promptTokens = 0;
  const data = inputList(body.input).map((item, index) => {
    const text = typeof item === 'string' ? item : item.join(' ');
    promptTokens += typeof item === 'string' ? countText(item, body.model).tokens : item.length;
    const v = simulatedVector(text, body.model, dims);
    const embedding =
      body.encoding_format === 'base64'
        ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
        : [...v];
    return { object: 'embedding', index, embedding };
  });
  return {
    json: {
      object: 'list',
      data,
      model: body.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    promptTokens,
  };
}
