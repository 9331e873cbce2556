/**
 * Start-up compilation of a feature's `cascade` section: each step's checks compiled once (a bad regex or
 * a JSON schema that does not compile is a ConfigError naming its field), every model name validated,
 * and whether a step needs token log-probabilities (so they are requested only when a check reads them).
 */
import { type Check, type CheckSpec, compileCheck } from './checks.js';
import type { CascadeFeatureConfig, CascadeGlobalConfig, CheckSpecConfig } from './config.js';

export interface CompiledJudge {
  model: string;
  minScore: number;
  instructions?: string;
}

export interface CompiledStep {
  model: string;
  checks: Check[];
  /** A logprob check reads token log-probabilities: ask OpenAI-format targets for them. */
  wantsLogprobs: boolean;
  parallelWith?: string;
  judge?: CompiledJudge;
}

export interface CompiledCascade {
  steps: CompiledStep[];
  models: string[];
  judgeMaxAnswerChars: number;
}

function toSpec(s: CheckSpecConfig): CheckSpec {
  return s.type === 'jsonSchema' ? { type: 'jsonSchema', schema: s.schema } : s;
}

export function compileCascade(
  cfg: CascadeFeatureConfig,
  global: CascadeGlobalConfig,
  validateModel: (ref: string, path: string) => void,
  path: string,
): CompiledCascade {
  const steps = cfg.models.map((m, i): CompiledStep => {
    const p = `${path}.models[${i}]`;
    const step = typeof m === 'string' ? { model: m } : m;
    validateModel(step.model, typeof m === 'string' ? p : `${p}.model`);
    const own = typeof m !== 'string' && m.checks !== undefined;
    const specs = own ? (m as { checks: CheckSpecConfig[] }).checks : cfg.checks;
    const checksPath = own ? `${p}.checks` : `${path}.checks`;
    const checks = specs.map((s, k) => compileCheck(toSpec(s), `${checksPath}[${k}]`));
    const out: CompiledStep = {
      model: step.model,
      checks,
      wantsLogprobs: specs.some((s) => s.type === 'logprob'),
    };
    if (typeof m !== 'string' && m.parallelWith !== undefined) {
      validateModel(m.parallelWith, `${p}.parallelWith`);
      out.parallelWith = m.parallelWith;
    }
    const judge = (typeof m !== 'string' ? m.judge : undefined) ?? cfg.judge;
    if (judge) {
      validateModel(
        judge.model,
        typeof m !== 'string' && m.judge ? `${p}.judge.model` : `${path}.judge.model`,
      );
      out.judge = {
        model: judge.model,
        minScore: judge.minScore,
        ...(judge.instructions !== undefined ? { instructions: judge.instructions } : {}),
      };
    }
    return out;
  });
  return { steps, models: steps.map((s) => s.model), judgeMaxAnswerChars: global.judgeMaxAnswerChars };
}
