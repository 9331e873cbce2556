/** The Anthropic Messages provider module. */
import type { ProviderModuleV1 } from '../provider-module.js';
import { anthropicCodec } from './codec.js';
import { parseUsage, renderUsage } from './convert-usage.js';
import { renderError } from './render-error.js';

export const anthropicProvider = {
  specificationVersion: 'v1',
  dialect: 'anthropic',
  label: 'Anthropic Messages',
  codec: anthropicCodec,
  usage: { parse: parseUsage, render: renderUsage },
  renderError,
  providerTypes: {
    anthropic: {
      dialect: 'anthropic',
      defaultBaseUrl: 'https://api.anthropic.com',
      keyEnv: 'ANTHROPIC_API_KEY',
      baseUrlEnv: 'ANTHROPIC_BASE_URL',
      auth: 'x-api-key',
      chatPath: () => '/v1/messages',
      family: /^claude-/i,
    },
  },
  capabilities: {
    logprobs: false,
    promptCacheMarkers: true,
    streamUsageOptIn: false,
    cacheWriteTtls: ['5m', '1h'],
  },
  // The Anthropic SDK sends x-api-key (newer versions: Authorization: Bearer); its keys start "sk-ant-".
  clientKey: { header: 'x-api-key', prefix: 'sk-ant-', requirePrefix: true },
} as const satisfies ProviderModuleV1;
