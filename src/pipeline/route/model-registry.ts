/**
 * The models routes and cascades may name: a name is known when a configured provider serves it or the
 * price catalog prices it (with no provider configured, Penny runs simulated and only the catalog can
 * vouch for a name). Prices are looked up the way settle does — the served model at its provider — so the
 * cost a route expects and the cost the ledger records come from the same entry.
 */
import { ConfigError } from '../../core/errors.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { Target, TargetResolver } from '../../providers/resolve-target.js';

export class ModelRegistry {
  private readonly prices = new Map<string, PriceEntry | null>();

  constructor(
    readonly resolver: TargetResolver,
    readonly catalog: PriceCatalog,
  ) {}

  /** The target serving `ref`, or undefined when no configured provider does. */
  tryResolve(ref: string): Target | undefined {
    if (!this.resolver.hasProviders) return undefined;
    try {
      return this.resolver.resolve(ref);
    } catch {
      return undefined;
    }
  }

  /** Throws a ConfigError naming `path` when neither a provider nor the catalog knows `ref`. */
  validate(ref: string, path: string): void {
    if (this.tryResolve(ref) || this.catalog.lookup(ref)) return;
    const hint = this.catalog.suggest(ref, 3);
    throw new ConfigError(
      path,
      `unknown model "${ref}": no configured provider serves it and the price catalog does not know it${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}`,
    );
  }

  price(ref: string): PriceEntry | undefined {
    const hit = this.prices.get(ref);
    if (hit !== undefined) return hit ?? undefined;
    const t = this.tryResolve(ref);
    const p = (t ? this.catalog.lookup(t.model, t.provider.name) : undefined) ?? this.catalog.lookup(ref);
    this.prices.set(ref, p ?? null);
    return p;
  }
}
