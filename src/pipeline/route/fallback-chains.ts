/**
 * Named fallback chains (`route.fallbacks: { model: [next, …] }`), expanded once at start-up: a model's
 * chain is followed through the chains of the models it names, depth first, without repeats. A chain
 * that leads back to a model already on the path is a cycle and a ConfigError naming where it closes,
 * because at run time it would either loop or silently stop short of what the operator wrote.
 */
import { ConfigError } from '../../core/errors.js';

export type FallbackChains = ReadonlyMap<string, readonly string[]>;

export function expandFallbacks(
  chains: Readonly<Record<string, readonly string[]>>,
  path = 'route.fallbacks',
): FallbackChains {
  const out = new Map<string, string[]>();
  const visit = (model: string, stack: string[]): string[] => {
    const done = out.get(model);
    if (done) return done;
    const next = chains[model];
    if (!next) return [];
    const seq: string[] = [];
    next.forEach((m, i) => {
      if (stack.includes(m) || m === model) {
        const loop = [...stack, model, m];
        throw new ConfigError(
          `${path}.${model}[${i}]`,
          `fallback cycle: ${loop.slice(loop.indexOf(m)).join(' → ')}`,
        );
      }
      for (const x of [m, ...visit(m, [...stack, model])]) if (x !== model && !seq.includes(x)) seq.push(x);
    });
    out.set(model, seq);
    return seq;
  };
  for (const model of Object.keys(chains)) visit(model, []);
  return out;
}

/** Each target followed by its own chain, without repeats. */
export function withFallbacks(targets: readonly string[], chains: FallbackChains): string[] {
  const out: string[] = [];
  for (const t of targets) {
    for (const x of [t, ...(chains.get(t) ?? [])]) if (!out.includes(x)) out.push(x);
  }
  return out;
}
