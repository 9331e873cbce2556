/**
 * The provider-type registry: the one list of upstream kinds Penny can call, merged from the provider
 * modules (modules.ts), so types, the config schema's enum and the codec lookup cannot drift from them.
 * Adding an OpenAI-compatible vendor is a config entry; adding a new wire format is a provider folder plus
 * one line in modules.ts.
 */
import { PROVIDER_MODULES } from './modules.js';
import type { ProviderTypeSpec } from './provider-type.js';

export type { ProviderTypeSpec } from './provider-type.js';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type Modules = typeof PROVIDER_MODULES;

/** Every provider type of every module, with its literal spec. */
export type ProviderTypes = UnionToIntersection<Modules[keyof Modules]['providerTypes']>;

function mergeProviderTypes(): ProviderTypes {
  const out: Record<string, ProviderTypeSpec> = {};
  for (const m of Object.values(PROVIDER_MODULES) as Array<Modules[keyof Modules]>) {
    for (const [type, spec] of Object.entries(m.providerTypes) as Array<[string, ProviderTypeSpec]>) {
      if (type in out) throw new Error(`provider type "${type}" is declared by two provider modules`);
      if (spec.dialect !== m.dialect)
        throw new Error(
          `provider type "${type}" speaks ${spec.dialect} but is declared by the ${m.dialect} module`,
        );
      out[type] = spec;
    }
  }
  return out as ProviderTypes;
}

export const PROVIDER_TYPES: ProviderTypes = mergeProviderTypes();

export type ProviderType = keyof ProviderTypes;

export function providerTypeSpec(type: ProviderType): ProviderTypeSpec {
  return PROVIDER_TYPES[type];
}
