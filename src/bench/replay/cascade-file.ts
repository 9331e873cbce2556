/**
 * A cascade to replay from the command line (`penny bench replay --input … --cascade cascade.yaml`): the
 * same shape as a feature's `cascade` section in the config (models, checks, `parallelWith`, `codeTests`),
 * validated by the same zod schema and compiled by the same code, so what is replayed is what the gateway
 * would run. A `judge` cannot be replayed (no recorded grades) and is reported as left out.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../../core/errors.js';
import { compileCascade } from '../../pipeline/cascade/compile-cascade.js';
import { cascadeFeatureSchema, cascadeGlobalSchema } from '../../pipeline/cascade/config.js';
import type { ReplayCascade } from './outcome-bench.js';

export function parseReplayCascade(
  raw: unknown,
  models: readonly string[],
  label: string,
  file = 'cascade',
): ReplayCascade {
  const parsed = cascadeFeatureSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(root)'}`, issue.message);
  }
  const validate = (ref: string, path: string) => {
    if (!models.includes(ref)) {
      throw new ConfigError(
        `${file}: ${path}`,
        `model "${ref}" is not in the outcome file (${models.join(', ')})`,
      );
    }
  };
  const compiled = compileCascade(parsed.data, cascadeGlobalSchema.parse({}), validate, 'cascade');
  return {
    label,
    steps: compiled.steps.map((s) => ({
      model: s.model,
      checks: s.checks,
      ...(s.parallelWith ? { parallelWith: s.parallelWith } : {}),
      ...(s.codeTests ? { codeTests: s.codeTests } : {}),
      ...(s.judge ? { judge: s.judge } : {}),
    })),
  };
}

/** Reads a cascade file (.json, else YAML). */
export function loadReplayCascade(path: string, models: readonly string[]): ReplayCascade {
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = path.endsWith('.json')
      ? JSON.parse(text)
      : (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new ConfigError(
      path,
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      e,
    );
  }
  const c = parseReplayCascade(raw, models, '', path);
  const chain = c.steps.map((s) => `${s.model}${s.parallelWith ? ` (+ ${s.parallelWith})` : ''}`).join(' → ');
  return { ...c, label: `${path.split(/[\\/]/).pop()}: ${chain}` };
}
