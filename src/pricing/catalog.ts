/**
 * The price catalog: layered price sources resolved into one fast lookup that runs on every request.
 * Layers are ordered from weakest to strongest (builtin genai-prices < imported LiteLLM files < config
 * overrides); a later layer replaces an earlier entry for the same provider + model as a whole — prices are
 * never mixed across sources — while context window, max output, cache minimum and capabilities it lacks
 * are inherited and their origin recorded in `fieldSources`.
 * Lookup order for a name: provider-qualified ("openai/gpt-4o" or the `provider` argument), then the bare
 * name or alias, each tried again with snapshot dates stripped, then name prefixes from sources that match
 * by prefix. With a `provider` that has no entry of its own the bare name still resolves (Azure or a proxy
 * serving "gpt-4o" bills like OpenAI); self-hosted models should be priced with a config override.
 */
import { loadGenaiPrices } from './genai-prices.js';
import { readLiteLLMFile } from './litellm.js';
import { nameCandidates, normalizeProviderId } from './model-name.js';
import type { PriceEntry, PriceField } from './price.js';
import { overrideToEntry, type PriceOverride, priceOverridesSchema } from './price-override.js';

export {
  CONFIG_SOURCE,
  overrideToEntry,
  type PriceOverride,
  priceOverrideSchema,
  priceOverridesSchema,
} from './price-override.js';

/** When two providers in one layer claim the same bare name, the earlier one here wins it. */
const PROVIDER_RANK = [
  'openai',
  'anthropic',
  'google',
  'groq',
  'together',
  'mistral',
  'deepseek',
  'x-ai',
  'cohere',
  'custom',
];

function rankOf(provider: string): number {
  const i = PROVIDER_RANK.indexOf(provider);
  return i < 0 ? PROVIDER_RANK.length : i;
}

const MEMO_LIMIT = 10_000;
const INHERITED: PriceField[] = ['contextWindow', 'maxOutput', 'promptCacheMinTokens', 'capabilities'];

export class PriceCatalog {
  /** provider/model → entry (the resolved, strongest one). */
  private readonly entries: Map<string, PriceEntry>;
  /** "provider/name" (names include aliases) → entry. */
  private readonly qualified: Map<string, PriceEntry>;
  /** bare name or alias → entry. */
  private readonly bare: Map<string, PriceEntry>;
  /** name prefixes, longest first. */
  private readonly prefixes: { prefix: string; entry: PriceEntry }[];
  private readonly providerIds: Set<string>;
  /**
   * Resolved lookups, by provider ('' for none) then model name. Two levels rather than one joined key: a
   * joined key is a new string on every call, hashed anew by the Map (~110 ns a lookup, and settle makes two
   * per request); a model name is hashed once per string and the provider names are few.
   */
  private readonly memo = new Map<string, Map<string, PriceEntry | null>>();
  private memoSize = 0;

  private constructor(
    entries: Map<string, PriceEntry>,
    qualified: Map<string, PriceEntry>,
    bare: Map<string, PriceEntry>,
    prefixes: { prefix: string; entry: PriceEntry }[],
  ) {
    this.entries = entries;
    this.qualified = qualified;
    this.bare = bare;
    this.prefixes = prefixes;
    this.providerIds = new Set([...entries.values()].map((e) => e.provider));
  }

  /** Builds a catalog from layers, weakest first. */
  static fromLayers(layers: readonly (readonly PriceEntry[])[]): PriceCatalog {
    const entries = new Map<string, PriceEntry>();
    const qualifiedKeys = new Map<string, string>();
    const bareKeys = new Map<string, { key: string; layer: number; rank: number }>();
    const prefixKeys = new Map<string, { key: string; layer: number; rank: number }>();

    layers.forEach((layer, li) => {
      for (const raw of layer) {
        const provider = normalizeProviderId(raw.provider);
        const model = raw.model.trim();
        const key = `${provider}/${model.toLowerCase()}`;
        const prev = entries.get(key);
        const entry = prev ? inheritFrom({ ...raw, provider, model }, prev) : { ...raw, provider, model };
        entries.set(key, entry);
        const rank = rankOf(provider);
        const claim = (map: Map<string, { key: string; layer: number; rank: number }>, name: string) => {
          const cur = map.get(name);
          if (!cur || cur.layer < li || (cur.layer === li && rank < cur.rank))
            map.set(name, { key, layer: li, rank });
        };
        for (const name of [model.toLowerCase(), ...(raw.aliases ?? []).map((a) => a.toLowerCase())]) {
          qualifiedKeys.set(`${provider}/${name}`, key);
          claim(bareKeys, name);
        }
        for (const p of raw.prefixes ?? []) claim(prefixKeys, p.toLowerCase());
      }
    });

    const resolve = (key: string): PriceEntry => entries.get(key)!;
    const qualified = new Map<string, PriceEntry>();
    for (const [name, key] of qualifiedKeys) qualified.set(name, resolve(key));
    const bare = new Map<string, PriceEntry>();
    for (const [name, v] of bareKeys) bare.set(name, resolve(v.key));
    const prefixes = [...prefixKeys]
      .map(([prefix, v]) => ({ prefix, entry: resolve(v.key) }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
    return new PriceCatalog(entries, qualified, bare, prefixes);
  }

  /** The price entry for a model, or undefined when no source prices it. Case-insensitive; memoised. */
  lookup(model: string, provider?: string): PriceEntry | undefined {
    const byModel = this.memo.get(provider || '');
    const hit = byModel?.get(model);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.resolve(model, provider);
    if (this.memoSize >= MEMO_LIMIT) {
      this.memo.clear();
      this.memoSize = 0;
    }
    let models = this.memo.get(provider || '');
    if (!models) {
      models = new Map();
      this.memo.set(provider || '', models);
    }
    models.set(model, found ?? null);
    this.memoSize += 1;
    return found;
  }

  /** Every resolved entry (one per provider + model). */
  list(): PriceEntry[] {
    return [...this.entries.values()];
  }

  /** Provider ids that have at least one entry. */
  providers(): string[] {
    return [...this.providerIds].sort();
  }

  /** Up to `limit` known names close to `model` (for "did you mean"). */
  suggest(model: string, limit = 5): string[] {
    const q = model.trim().toLowerCase();
    const stem = q.includes('/') ? q.slice(q.lastIndexOf('/') + 1) : q;
    const scored: { name: string; score: number }[] = [];
    for (const name of this.bare.keys()) {
      if (Math.abs(name.length - stem.length) > 12 && !name.includes(stem) && !stem.includes(name)) continue;
      const contains = name.includes(stem) || stem.includes(name);
      const d = editDistance(stem, name, 6);
      if (!contains && d > 5) continue;
      scored.push({ name, score: contains ? Math.min(d, 3) - 1 : d });
    }
    scored.sort((a, b) => a.score - b.score || a.name.length - b.name.length || a.name.localeCompare(b.name));
    const seen = new Set<PriceEntry>();
    const out: string[] = [];
    for (const s of scored) {
      const e = this.bare.get(s.name)!;
      if (seen.has(e)) continue;
      seen.add(e);
      out.push(s.name);
      if (out.length >= limit) break;
    }
    return out;
  }

  private resolve(model: string, provider?: string): PriceEntry | undefined {
    const name = model.trim().toLowerCase();
    if (!name) return undefined;
    const prov = provider ? normalizeProviderId(provider) : undefined;
    const candidates = nameCandidates(name);
    for (const cand of candidates) {
      if (prov) {
        const q = this.qualified.get(`${prov}/${cand}`);
        if (q) return q;
      }
      const slash = cand.indexOf('/');
      if (slash > 0) {
        const p = normalizeProviderId(cand.slice(0, slash));
        if (this.providerIds.has(p)) {
          const q = this.qualified.get(`${p}/${cand.slice(slash + 1)}`);
          if (q) return q;
        }
      }
      const b = this.bare.get(cand);
      if (b) return b;
    }
    // Provider-prefixed names whose rest is only known bare ("anthropic/claude-x" priced under another id).
    const slash = name.indexOf('/');
    if (slash > 0 && this.providerIds.has(normalizeProviderId(name.slice(0, slash)))) {
      for (const cand of nameCandidates(name.slice(slash + 1))) {
        const b = this.bare.get(cand);
        if (b) return b;
      }
    }
    const stem =
      slash > 0 && this.providerIds.has(normalizeProviderId(name.slice(0, slash)))
        ? name.slice(slash + 1)
        : name;
    for (const { prefix, entry } of this.prefixes) {
      if (stem.startsWith(prefix) && (!prov || entry.provider === prov || !this.providerIds.has(prov)))
        return entry;
    }
    return undefined;
  }
}

/** A later layer's entry, with the non-price metadata it lacks taken from the entry it replaces. */
function inheritFrom(next: PriceEntry, prev: PriceEntry): PriceEntry {
  const out: PriceEntry = { ...next };
  const fieldSources: Partial<Record<PriceField, string>> = { ...next.fieldSources };
  for (const f of INHERITED) {
    const k = f as 'contextWindow' | 'maxOutput' | 'promptCacheMinTokens' | 'capabilities';
    if (out[k] === undefined && prev[k] !== undefined) {
      (out as unknown as Record<string, unknown>)[k] = prev[k];
      fieldSources[f] = prev.fieldSources?.[f] ?? prev.source;
    }
  }
  if (Object.keys(fieldSources).length) out.fieldSources = fieldSources;
  const aliases = [...new Set([...(prev.aliases ?? []), ...(next.aliases ?? [])])];
  if (aliases.length) out.aliases = aliases;
  return out;
}

/** Levenshtein distance, giving up (returning `max + 1`) once it exceeds `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

export interface LoadCatalogOptions {
  /** LiteLLM-format JSON files to layer over the builtin data, in order. */
  files?: string[];
  /** Config overrides keyed by model name (or "provider/model"); USD per 1M tokens. */
  overrides?: Record<string, PriceOverride>;
  /** The moment whose date-conditional prices apply. Default: now. */
  now?: Date;
  /** Leave out the bundled genai-prices data (tests, or a catalog built only from files). */
  builtin?: boolean | PriceEntry[];
  /** Provider ids to take from the bundled data. */
  providers?: readonly string[];
}

/** Builds the catalog: bundled genai-prices < LiteLLM files (in order) < config overrides. Synchronous. */
export function loadCatalog(opts: LoadCatalogOptions = {}): PriceCatalog {
  const layers: PriceEntry[][] = [];
  if (Array.isArray(opts.builtin)) {
    layers.push(opts.builtin);
  } else if (opts.builtin !== false) {
    layers.push(
      loadGenaiPrices({
        ...(opts.now ? { now: opts.now } : {}),
        ...(opts.providers ? { providers: opts.providers } : {}),
      }),
    );
  }
  for (const file of opts.files ?? []) layers.push(readLiteLLMFile(file).entries);
  if (opts.overrides && Object.keys(opts.overrides).length) {
    const base = PriceCatalog.fromLayers(layers);
    layers.push(overridesToEntries(opts.overrides, base));
  }
  return PriceCatalog.fromLayers(layers);
}

/**
 * Converts config overrides into entries. A name that an earlier layer prices keeps that entry's provider
 * (so "gpt-4o" overrides OpenAI's gpt-4o); an unknown name becomes provider "custom" unless one is given.
 */
export function overridesToEntries(
  overrides: Record<string, PriceOverride>,
  base: PriceCatalog,
): PriceEntry[] {
  const parsed = priceOverridesSchema.parse(overrides);
  const known = new Set(base.providers());
  const out: PriceEntry[] = [];
  for (const [rawName, o] of Object.entries(parsed)) {
    let name = rawName.trim();
    let provider = o.provider ? normalizeProviderId(o.provider) : undefined;
    const slash = name.indexOf('/');
    if (slash > 0) {
      const p = normalizeProviderId(name.slice(0, slash));
      if ((known.has(p) || p === provider) && (!provider || provider === p)) {
        provider = p;
        name = name.slice(slash + 1);
      }
    }
    const shadowed = base.lookup(name, provider);
    const sameModel = shadowed && (!provider || shadowed.provider === provider) ? shadowed : undefined;
    out.push(overrideToEntry(name, provider ?? sameModel?.provider ?? 'custom', o, sameModel));
  }
  return out;
}
