/**
 * `POST /v1/penny/feedback`: the HTTP face of FeedbackService. Authenticated like requests by the server
 * (a Penny token when auth is on); a virtual key in the headers is verified here and names the caller.
 * Answers `{ "ok": true, "request_id": … }`, or an OpenAI-shaped error (400 naming the field, 404).
 */
import { PennyError, asPennyError } from '../core/errors.js';
import type { EndpointCall } from '../endpoints/endpoint-call.js';
import { toWireError } from '../providers/wire-error.js';
import type { EndpointReply, EndpointService } from '../endpoints/endpoint-call.js';
import { type FeedbackService, type Headers, callerIdentities, parseFeedbackBody } from './feedback.js';

export type VirtualKeyName = (presented: string) => Promise<string | null>;

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A virtual key the caller presents (x-penny-key, Bearer, x-api-key), verified to its name. */
export async function virtualKeyName(h: Headers, verify: VirtualKeyName | undefined): Promise<string | null> {
  if (!verify) return null;
  const auth = one(h.authorization);
  const bearer = auth ? /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() : undefined;
  for (const v of [one(h['x-penny-key']), bearer, one(h['x-api-key'])])
    if (v?.startsWith('sk-penny-')) return verify(v);
  return null;
}

export class FeedbackEndpoint implements EndpointService {
  constructor(
    private readonly service: FeedbackService,
    private readonly verifyVirtualKey?: VirtualKeyName,
  ) {}

  async handle(call: EndpointCall): Promise<EndpointReply> {
    try {
      const input = parseFeedbackBody(call.body);
      const vk = await virtualKeyName(call.headers, this.verifyVirtualKey);
      const ids = callerIdentities(call.headers, call.tokenName ?? null);
      if (vk) ids.add(vk);
      const f = await this.service.submit(input, ids);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ok: true, request_id: f.requestId }),
      };
    } catch (e) {
      const err = e instanceof PennyError ? e : asPennyError(e);
      const wire = toWireError(err, 'openai');
      return {
        status: wire.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(wire.body),
      };
    }
  }
}
