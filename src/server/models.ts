/**
 * GET /v1/models and /v1/models/{id} in the caller's dialect: configured aliases, provider model lists, and
 * the servable catalog models of configured provider types. Catalog rows that are name patterns rather than
 * models (`ft:gpt-3.5-turbo-`, `gpt-4o:extended`), deprecated models, and kinds no Penny endpoint serves
 * (image, audio, realtime …) are left out. No source gives model release dates, so `created` is the time
 * this Penny process started — a real time, never 0.
 */
import type { LoadedConfig } from '../config/load.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { PriceEntry } from '../pricing/price.js';

export interface ModelListing {
  id: string;
  ownedBy: string;
}

const STARTED = Math.floor(Date.now() / 1000);
const STARTED_ISO = new Date(STARTED * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Catalog names that are patterns, not models; and model kinds no Penny endpoint serves. */
const NOT_A_MODEL = /(^ft:|:|[-.]$|\.ft-)/;
const NOT_SERVED = /(image|tts|transcribe|realtime|audio|computer-use|moderation|search-preview)/i;

export function servableCatalogModel(e: PriceEntry): boolean {
  if (NOT_A_MODEL.test(e.model) || NOT_SERVED.test(e.model)) return false;
  return !(e.notes ?? []).some((n) => n.startsWith('deprecated'));
}

export function listModels(
  loaded: Pick<LoadedConfig, 'providers' | 'config'>,
  catalog: PriceCatalog,
): ModelListing[] {
  const seen = new Map<string, ModelListing>();
  const add = (id: string, ownedBy: string) => {
    if (!id.includes('*') && !seen.has(id)) seen.set(id, { id, ownedBy });
  };
  for (const [alias, t] of Object.entries(loaded.config.models)) add(alias, t.provider);
  const providers = loaded.providers.length
    ? loaded.providers
    : [
        { name: 'simulated', type: 'openai' as const, models: [] },
        { name: 'simulated', type: 'anthropic' as const, models: [] },
      ];
  for (const p of providers) {
    if (p.models.length) for (const m of p.models) add(m, p.name);
    else if (p.type === 'openai' || p.type === 'anthropic') {
      for (const e of catalog.list())
        if (e.provider === p.type && servableCatalogModel(e)) add(e.model, p.name);
    }
  }
  return [...seen.values()];
}

export function renderModel(m: ModelListing, dialect: 'openai' | 'anthropic'): Record<string, unknown> {
  if (dialect === 'anthropic')
    return { type: 'model', id: m.id, display_name: m.id, created_at: STARTED_ISO };
  return { id: m.id, object: 'model', created: STARTED, owned_by: m.ownedBy };
}

export function renderModelList(
  models: ModelListing[],
  dialect: 'openai' | 'anthropic',
): Record<string, unknown> {
  const data = models.map((m) => renderModel(m, dialect));
  if (dialect === 'anthropic')
    return { data, has_more: false, first_id: models[0]?.id ?? null, last_id: models.at(-1)?.id ?? null };
  return { object: 'list', data };
}
