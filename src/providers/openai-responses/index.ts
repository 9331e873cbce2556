/**
 * The OpenAI Responses API provider module (`/v1/responses`). It declares no provider type of its own:
 * OpenAI providers serve it at `upstreamPath` (see upstream-dialect.ts for when); errors share OpenAI's shape.
 */
import { renderError } from '../openai/render-error.js';
import type { ProviderModuleV1 } from '../provider-module.js';
import { responsesCodec } from './codec.js';
import { parseResponsesUsage, renderResponsesUsage } from './convert-usage.js';
import { RESPONSES_PATH } from './upstream-path.js';

export const responsesProvider = {
  specificationVersion: 'v1',
  dialect: 'responses',
  label: 'OpenAI Responses',
  codec: responsesCodec,
  usage: { parse: parseResponsesUsage, render: renderResponsesUsage },
  renderError,
  providerTypes: {},
  capabilities: {
    logprobs: false,
    promptCacheMarkers: false,
    streamUsageOptIn: false,
    cacheWriteTtls: ['5m'],
  },
  clientKey: { requirePrefix: false },
  upstreamPath: RESPONSES_PATH,
} as const satisfies ProviderModuleV1;
