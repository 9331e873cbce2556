/**
 * POST /v1/embeddings on the fake: deterministic unit vectors (8 dimensions unless `dimensions` asks
 * otherwise), float or base64, and usage.prompt_tokens = characters / 4 rounded up per input (token-id
 * inputs count one token per id). #fake:status=N in an input answers with that error.
 */
import { openAiError } from './openai-wire.js';
import { parseBody, type RouteContext } from './route-context.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

function vector(text: string, dims: number): number[] {
  const out: number[] = [];
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    h = Math.imul(h ^ (h >>> 13), 1274126177) >>> 0;
    const v = h / 2 ** 31 - 1;
    out.push(v);
    norm += v * v;
  }
  return out.map((v) => v / Math.sqrt(norm));
}

export function openAiEmbeddings(ctx: RouteContext): void {
  const { ex } = ctx;
  const auth = ex.req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ') || auth === 'Bearer bad-key') {
    ex.send(401, openAiError(401, 'Incorrect API key provided.'), JSON_HEADERS);
    return;
  }
  const body = parseBody(ctx.raw);
  if (body === undefined || typeof body.model !== 'string' || body.input === undefined) {
    ex.send(400, openAiError(400, "Missing required parameter: 'input'.", { param: 'input' }), JSON_HEADERS);
    return;
  }
  ex.rec.body = body;
  const input = body.input;
  const items: unknown[] =
    typeof input === 'string'
      ? [input]
      : Array.isArray(input) && typeof input[0] === 'number'
        ? [input]
        : (input as unknown[]);
  const status = /#fake:status=(\d{3})/.exec(JSON.stringify(input));
  if (status) {
    const code = Number(status[1]);
    ex.send(code, openAiError(code), JSON_HEADERS);
    return;
  }
  const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
  let tokens = 0;
  const data = items.map((item, index) => {
    const text = typeof item === 'string' ? item : JSON.stringify(item);
    tokens +=
      typeof item === 'string'
        ? Math.max(1, Math.ceil(item.length / 4))
        : Array.isArray(item)
          ? item.length
          : 1;
    const v = vector(text, dims);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', index, embedding };
  });
  const json = {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  ex.send(200, JSON.stringify(json), { ...JSON_HEADERS, 'x-request-id': `req_fake_${ctx.seq}` });
}
