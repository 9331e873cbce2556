/** GET /v1/models in the caller's dialect: configured aliases, provider model lists, and catalog models of configured provider types. */
import type { LoadedConfig } from '../config/load.js';
import type { PriceCatalog } from '../pricing/catalog.js';

export interface ModelListing {
  id: string;
  ownedBy: string;
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
      for (const e of catalog.list()) if (e.provider === p.type) add(e.model, p.name);
    }
  }
  return [...seen.values()];
}

export function renderModelList(
  models: ModelListing[],
  dialect: 'openai' | 'anthropic',
): Record<string, unknown> {
  if (dialect === 'anthropic') {
    const data = models.map((m) => ({
      type: 'model',
      id: m.id,
      display_name: m.id,
      created_at: '1970-01-01T00:00:00Z',
    }));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy })),
  };
}
