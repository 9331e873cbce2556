/**
 * A provider type: one kind of upstream server (config `providers.<name>.type`). Each provider module
 * declares the types that speak its dialect; registry.ts merges them into PROVIDER_TYPES.
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
