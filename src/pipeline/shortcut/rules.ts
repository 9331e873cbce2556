/**
 * Rule shortcuts: a regular expression on the question, answered by a template ($1 / $<name> are the
 * pattern's groups) or by a webhook. Patterns are compiled once, at start-up.
 */
import type { ShortcutRule } from './config.js';

export interface CompiledRule {
  rule: ShortcutRule;
  re: RegExp;
}

export interface RuleMatch {
  rule: ShortcutRule;
  groups: string[];
  named: Record<string, string>;
}

export function compileRules(rules: readonly ShortcutRule[]): CompiledRule[] {
  return rules.map((rule) => ({ rule, re: new RegExp(rule.pattern, rule.flags.replace(/g/g, '')) }));
}

export function matchRule(rule: CompiledRule, text: string): RuleMatch | null {
  const m = rule.re.exec(text);
  if (!m) return null;
  return { rule: rule.rule, groups: [...m].map((g) => g ?? ''), named: { ...(m.groups ?? {}) } };
}

/** Fills a template with a match's groups: $1 … $9, $<name>; $$ is a dollar sign. */
export function fillTemplate(template: string, m: Pick<RuleMatch, 'groups' | 'named'>): string {
  return template.replace(/\$\$|\$(\d)|\$<([A-Za-z_][A-Za-z0-9_]*)>/g, (all, num?: string, name?: string) => {
    if (all === '$$') return '$';
    if (num !== undefined) return m.groups[Number(num)] ?? '';
    return m.named[name!] ?? '';
  });
}
