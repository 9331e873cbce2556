/**
 * Anthropic `POST /v1/messages/count_tokens`: forwarded to the Anthropic provider that serves the model
 * (its count is exact and free), else — OpenAI-format models, or no provider configured — answered from
 * Penny's own tokenizer, marked `x-penny-estimate: true`. Counting costs nothing, so no ledger entry is
 * written. Errors are in Anthropic's shape.
 */
import { PennyError, asPennyError } from '../core/errors.js';
import type { CanonicalRequest } from '../core/request.js';
import type { Gateway } from '../pipeline/gateway.js';
import { CODECS } from '../providers/codecs.js';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { EndpointReply, EndpointService } from './endpoint-call.js';
import { countRequestTokens } from '../tokens/index.js';
import { type EndpointCall, startCall } from './endpoint-call.js';
import type { EndpointGuard } from '../governance/endpoint-guard.js';
import { toWireError } from '../providers/wire-error.js';

const HEADERS = { 'content-type': 'application/json' };

export class CountTokensService implements EndpointService {
  constructor(
    private readonly gateway: Gateway,
    /** Checks the caller's virtual key (and governance.requireKeys) as chat does; nothing is spent here. */
    private readonly guard?: EndpointGuard,
  ) {}

  async handle(call: EndpointCall): Promise<EndpointReply> {
    try {
      return await this.count(call);
    } catch (e) {
      const w = toWireError(asPennyError(e), 'anthropic');
      return { status: w.status, headers: { ...HEADERS }, body: JSON.stringify(w.body) };
    }
  }

  private async count(call: EndpointCall): Promise<EndpointReply> {
    const body = call.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new PennyError('invalid_request', 'request body must be a JSON object');
    const b = body as Record<string, unknown>;
    // count_tokens takes a Messages body without max_tokens; the parser needs one.
    const req: CanonicalRequest = CODECS.anthropic.parseRequest({ ...b, max_tokens: b.max_tokens ?? 1 });
    const attribution = startCall(call).attribution;
    if (this.guard) await this.guard.verify(call.headers, attribution, req.model);
    let model = req.model;
    if (!this.gateway.simulated) {
      const target = this.gateway.resolver.resolve(req.model);
      model = target.model;
      if (PROVIDER_TYPES[target.provider.type].dialect === 'anthropic') {
        const provider = target.provider;
        const res = await this.gateway.upstreams.call(
          provider,
          target.model,
          JSON.stringify({ ...b, model: target.model }),
          {
            apiKey: this.gateway.providerKeyFor(call, target, attribution) ?? provider.apiKey,
            signal: call.signal,
            path: '/v1/messages/count_tokens',
          },
        );
        const text = res.text;
        if (res.statusCode >= 400) throw CODECS.anthropic.parseError(res.statusCode, text, provider.name);
        return { status: 200, headers: { ...HEADERS, 'x-penny-provider': provider.name }, body: text };
      }
    }
    const counted = countRequestTokens(req, model);
    return {
      status: 200,
      headers: { ...HEADERS, 'x-penny-estimate': 'true' },
      body: JSON.stringify({ input_tokens: counted.tokens }),
    };
  }
}
