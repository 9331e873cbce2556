/**
 * Routing rules: what is known about a request before it runs (`RequestFacts`) and whether a rule's
 * conditions hold for it. Pure; regexes are compiled once at start-up. A rule's content pattern is tested
 * on the last user message only, which is what the request is about (a system prompt shared by every
 * request of a feature would make a pattern match all of them).
 */
import { ConfigError } from '../../core/errors.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { RouteRuleConfig } from './config.js';

export interface RequestFacts {
  task: string | null;
  promptTokens: number;
  tools: boolean;
  images: boolean;
  json: boolean;
  /** The last user message's text. */
  text: string;
  tier: string | null;
  budget: string | null;
}

export interface CompiledRule {
  /** The rule's name, else `rules[i]`. */
  name: string;
  when: {
    task?: readonly string[];
    minPromptTokens?: number;
    maxPromptTokens?: number;
    tools?: boolean;
    images?: boolean;
    json?: boolean;
    pattern?: RegExp;
    tier?: readonly string[];
    budget?: readonly string[];
  };
  targets: readonly string[];
  choose: 'cheapest' | 'ordered';
  expectedOutputTokens?: number;
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function compileRule(rule: RouteRuleConfig, path: string, index: number): CompiledRule {
  const w = rule.when;
  let pattern: RegExp | undefined;
  if (w.pattern !== undefined) {
    try {
      pattern = new RegExp(w.pattern, w.patternFlags ?? '');
    } catch (e) {
      throw new ConfigError(`${path}.when.pattern`, `invalid regular expression: ${(e as Error).message}`, e);
    }
  }
  if (
    w.minPromptTokens !== undefined &&
    w.maxPromptTokens !== undefined &&
    w.minPromptTokens > w.maxPromptTokens
  ) {
    throw new ConfigError(
      `${path}.when`,
      `minPromptTokens ${w.minPromptTokens} > maxPromptTokens ${w.maxPromptTokens}`,
    );
  }
  const when: CompiledRule['when'] = {};
  const task = list(w.task);
  const tier = list(w.tier);
  const budget = list(w.budget);
  if (task) when.task = task;
  if (tier) when.tier = tier;
  if (budget) when.budget = budget;
  if (w.minPromptTokens !== undefined) when.minPromptTokens = w.minPromptTokens;
  if (w.maxPromptTokens !== undefined) when.maxPromptTokens = w.maxPromptTokens;
  if (w.tools !== undefined) when.tools = w.tools;
  if (w.images !== undefined) when.images = w.images;
  if (w.json !== undefined) when.json = w.json;
  if (pattern) when.pattern = pattern;
  return {
    name: rule.name ?? `rules[${index}]`,
    when,
    targets: rule.targets,
    choose: rule.choose,
    ...(rule.expectedOutputTokens !== undefined ? { expectedOutputTokens: rule.expectedOutputTokens } : {}),
  };
}

/** True when every condition the rule states holds for the request. */
export function ruleMatches(rule: CompiledRule, f: RequestFacts): boolean {
  const w = rule.when;
  if (w.task && (f.task === null || !w.task.includes(f.task))) return false;
  if (w.tier && (f.tier === null || !w.tier.includes(f.tier))) return false;
  if (w.budget && (f.budget === null || !w.budget.includes(f.budget))) return false;
  if (w.minPromptTokens !== undefined && f.promptTokens < w.minPromptTokens) return false;
  if (w.maxPromptTokens !== undefined && f.promptTokens > w.maxPromptTokens) return false;
  if (w.tools !== undefined && w.tools !== f.tools) return false;
  if (w.images !== undefined && w.images !== f.images) return false;
  if (w.json !== undefined && w.json !== f.json) return false;
  if (w.pattern && !w.pattern.test(f.text)) return false;
  return true;
}

/** The first matching rule, or undefined. */
export function firstMatch(rules: readonly CompiledRule[], f: RequestFacts): CompiledRule | undefined {
  for (const r of rules) if (ruleMatches(r, f)) return r;
  return undefined;
}

/** Whether any rule needs the prompt's token count (so it is counted only when needed). */
export function rulesNeedTokens(rules: readonly CompiledRule[]): boolean {
  return rules.some((r) => r.when.minPromptTokens !== undefined || r.when.maxPromptTokens !== undefined);
}

export function lastUserText(req: CanonicalRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role !== 'user') continue;
    let s = '';
    for (const p of m.content) if (p.type === 'text') s += s ? `\n${p.text}` : p.text;
    return s;
  }
  return '';
}

export function hasImages(req: CanonicalRequest): boolean {
  for (const m of req.messages) {
    for (const p of m.content) {
      if (p.type === 'image') return true;
      if (p.type === 'tool_result' && Array.isArray(p.content) && p.content.some((c) => c.type === 'image'))
        return true;
    }
  }
  return false;
}

export function wantsJson(req: CanonicalRequest): boolean {
  const t = req.responseFormat?.type;
  return t === 'json_object' || t === 'json_schema';
}

export interface FactSources {
  task: string | null;
  tier: string | null;
  budget: string | null;
  promptTokens: number;
}

export function requestFacts(req: CanonicalRequest, s: FactSources): RequestFacts {
  return {
    task: s.task,
    promptTokens: s.promptTokens,
    tools: (req.tools?.length ?? 0) > 0,
    images: hasImages(req),
    json: wantsJson(req),
    text: lastUserText(req),
    tier: s.tier,
    budget: s.budget,
  };
}
