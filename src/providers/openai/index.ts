/**
 * The OpenAI Chat Completions provider module: the dialect spoken by OpenAI, Azure OpenAI and every
 * OpenAI-compatible server (vLLM, Ollama, Groq, Together, OpenRouter, Gemini's OpenAI endpoint …).
 */
import type { ProviderModuleV1 } from '../provider-module.js';
import { openaiCodec } from './codec.js';
import { parseUsage, renderUsage } from './convert-usage.js';
import { parseLogprobs } from './parse-logprobs.js';
import { renderError } from './render-error.js';

export const openaiProvider = {
  specificationVersion: 'v1',
  dialect: 'openai',
  label: 'OpenAI Chat Completions',
  codec: openaiCodec,
  usage: { parse: parseUsage, render: renderUsage },
  renderError,
  providerTypes: {
    openai: {
      dialect: 'openai',
      defaultBaseUrl: 'https://api.openai.com/v1',
      keyEnv: 'OPENAI_API_KEY',
      baseUrlEnv: 'OPENAI_BASE_URL',
      auth: 'bearer',
      chatPath: () => '/chat/completions',
      family: /^(gpt-|o\d|chatgpt-|ft:gpt|davinci|babbage|text-)/i,
    },
    /** Any server speaking OpenAI Chat Completions: vLLM, Ollama, Groq, Together, OpenRouter, Gemini's OpenAI endpoint … */
    'openai-compatible': {
      dialect: 'openai',
      auth: 'bearer',
      chatPath: () => '/chat/completions',
    },
    /** Azure OpenAI: deployments in the path, `api-key` header, `api-version` query. */
    'azure-openai': {
      dialect: 'openai',
      auth: 'api-key',
      chatPath: (
        model: string,
        { apiVersion, deployments }: { apiVersion?: string; deployments?: Record<string, string> },
      ) =>
        `/openai/deployments/${encodeURIComponent(deployments?.[model] ?? model)}/chat/completions?api-version=${encodeURIComponent(apiVersion ?? '2024-10-21')}`,
    },
  },
  capabilities: { logprobs: true, promptCacheMarkers: false, streamUsageOptIn: true, cacheWriteTtls: ['5m'] },
  clientKey: { requirePrefix: false },
  parseLogprobs,
} as const satisfies ProviderModuleV1;
