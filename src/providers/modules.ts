/**
 * The provider-module registry: one line per wire format. The dialect list, the codecs (codecs.ts) and
 * the provider types with the config schema's enum (registry.ts) are all derived from it.
 *
 * The keys must be exactly core's `Dialect` ids: a module missing here, or a key core does not know, is a
 * type error. dialect-contract.test.ts runs the dialect contract suite on every module listed.
 */
import type { Dialect } from '../core/request.js';
import { anthropicProvider } from './anthropic/index.js';
import { openaiProvider } from './openai/index.js';
import { responsesProvider } from './openai-responses/index.js';
import type { ProviderModuleV1 } from './provider-module.js';

export const PROVIDER_MODULES = {
  openai: openaiProvider,
  anthropic: anthropicProvider,
  responses: responsesProvider,
} as const satisfies { readonly [D in Dialect]: ProviderModuleV1 & { readonly dialect: D } };

/** Every dialect Penny speaks, in registry order. */
export const DIALECTS = Object.keys(PROVIDER_MODULES) as Dialect[];

export function providerModule(dialect: Dialect): ProviderModuleV1 {
  return PROVIDER_MODULES[dialect];
}
