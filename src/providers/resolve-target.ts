/**
 * Decides which configured provider serves a model: an alias in `models`, a "provider/model" prefix, a
 * provider that lists the model (globs allowed), then the model-name family (claude-* → anthropic,
 * gpt-* / o* → openai), then a lone catch-all OpenAI-compatible provider.
 */
import { PennyError } from '../core/errors.js';
import type { LoadedConfig, ResolvedProvider } from '../config/load.js';
import { PROVIDER_TYPES } from './registry.js';

export interface Target {
  provider: ResolvedProvider;
  /** Model id to send upstream. */
  model: string;
}

export class TargetResolver {
  private readonly cache = new Map<string, Target>();
  private readonly globs: Array<{ re: RegExp; provider: ResolvedProvider }> = [];

  constructor(private readonly loaded: Pick<LoadedConfig, 'providers' | 'config'>) {
    for (const p of loaded.providers) {
      for (const m of p.models) this.globs.push({ re: globToRegExp(m), provider: p });
    }
  }

  get hasProviders(): boolean {
    return this.loaded.providers.length > 0;
  }

  resolve(model: string): Target {
    const hit = this.cache.get(model);
    if (hit) return hit;
    const t = this.find(model);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(model, t);
    return t;
  }

  private find(model: string): Target {
    const { providers, config } = this.loaded;
    const alias = config.models[model];
    if (alias) {
      const provider = providers.find((p) => p.name === alias.provider);
      if (provider) return { provider, model: alias.model };
    }
    const slash = model.indexOf('/');
    if (slash > 0) {
      const provider = providers.find((p) => p.name === model.slice(0, slash));
      if (provider) return { provider, model: model.slice(slash + 1) };
    }
    for (const g of this.globs) if (g.re.test(model)) return { provider: g.provider, model };
    for (const p of providers) {
      const spec = PROVIDER_TYPES[p.type];
      if (p.models.length === 0 && 'family' in spec && spec.family.test(model)) return { provider: p, model };
    }
    const catchAll = providers.filter((p) => p.models.length === 0 && !('family' in PROVIDER_TYPES[p.type]));
    if (catchAll.length === 1) return { provider: catchAll[0]!, model };
    throw new PennyError(
      'unknown_model',
      `no configured provider serves model "${model}". Configured: ${providers.map((p) => `${p.name} (${p.type}${p.models.length ? `: ${p.models.join(', ')}` : ''})`).join('; ') || 'none'}. Add it to a provider's "models" list, add an alias under "models", or use "<provider>/<model>".`,
      { param: 'model' },
    );
  }
}

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`, 'i');
}
