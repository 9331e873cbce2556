/**
 * The provider-type registry: the one list of upstream kinds Penny can call. Types, the config schema's enum
 * and the codec lookup are all derived from it; adding an OpenAI-compatible vendor is a config entry, adding
 * a new wire format is a codec folder plus one line here.
 */
import type { Dialect } from '../core/request.js';

export interface ProviderTypeSpec {
  /** Wire format spoken upstream. */
  dialect: Dialect;
  /** Default base URL (OpenAI-style includes /v1). */
  defaultBaseUrl?: string;
  /** Environment variables read when the provider comes from the environment. */
  keyEnv?: string;
  baseUrlEnv?: string;
  /** How the key is sent. */
  auth: 'bearer' | 'x-api-key' | 'api-key';
  /** Path appended to the base URL for a chat request. */
  chatPath: (model: string, opts: { apiVersion?: string; deployments?: Record<string, string> }) => string;
  /** Model names this type serves by default, when the provider lists none. */
  family?: RegExp;
}

export const PROVIDER_TYPES = {
  openai: {
    dialect: 'openai',
    defaultBaseUrl: 'https://api.openai.com/v1',
    keyEnv: 'OPENAI_API_KEY',
    baseUrlEnv: 'OPENAI_BASE_URL',
    auth: 'bearer',
    chatPath: () => '/chat/completions',
    family: /^(gpt-|o\d|chatgpt-|ft:gpt|davinci|babbage|text-)/i,
  },
  anthropic: {
    dialect: 'anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    keyEnv: 'ANTHROPIC_API_KEY',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    auth: 'x-api-key',
    chatPath: () => '/v1/messages',
    family: /^claude-/i,
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
    chatPath: (model, { apiVersion, deployments }) =>
      `/openai/deployments/${encodeURIComponent(deployments?.[model] ?? model)}/chat/completions?api-version=${encodeURIComponent(apiVersion ?? '2024-10-21')}`,
  },
} as const satisfies Record<string, ProviderTypeSpec>;

export type ProviderType = keyof typeof PROVIDER_TYPES;

export function providerTypeSpec(type: ProviderType): ProviderTypeSpec {
  return PROVIDER_TYPES[type];
}
