/**
 * `POST /v1/embeddings` bodies, validated at the edge (zod): a string, an array of strings, an array of
 * token ids or an array of token-id arrays, as OpenAI accepts them. Fields Penny does not read are kept
 * and forwarded untouched.
 */
import { z } from 'zod';
import { InvalidRequestError } from '../core/errors.js';

const tokens = z.array(z.number().int().nonnegative()).min(1);

const bodySchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), tokens, z.array(tokens).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().max(10_000).optional(),
});

export type EmbeddingsBody = z.output<typeof bodySchema>;

export function parseEmbeddingsBody(body: unknown): EmbeddingsBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidRequestError('request body must be a JSON object');
  const r = bodySchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .slice(1);
  const field = path.split(/[.[]/)[0] ?? '';
  const message =
    field === 'input'
      ? 'input must be a string, an array of strings, an array of token ids or an array of token-id arrays'
      : `${path || 'body'}: ${issue.message}`;
  throw new InvalidRequestError(message, path || undefined);
}

/** The inputs as a list: texts, or token-id arrays. */
export function inputList(input: EmbeddingsBody['input']): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}
