/**
 * Start-up compilation of a feature's `cascade` section: each step's checks compiled once (a bad regex or
 * a JSON schema that does not compile is a ConfigError naming its field), every model name validated,
 * and whether a step needs token log-probabilities (so they are requested only when a check reads them).
 */
import { ConfigError } from '../../core/errors.js';
import type { CodeTestsSpec } from '../../sandbox/code-tests.js';
import { strictIsolationAvailable } from '../../sandbox/run-code.js';
import { type Check, type CheckSpec, compileCheck } from './checks.js';
import type {
  CascadeFeatureConfig,
  CascadeGlobalConfig,
  CheckSpecConfig,
  CodeTestsConfig,
} from './config.js';

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
  /** Run the answer's code against tests in the sandbox (after the checks pass; not on the last step). */
  codeTests?: CodeTestsSpec;
}

export interface CompiledCascade {
  steps: CompiledStep[];
  models: string[];
  judgeMaxAnswerChars: number;
}

/** The sandbox settings of a `codeTests` section; strict isolation the host cannot give is a ConfigError. */
export function compileCodeTests(c: CodeTestsConfig, path: string): CodeTestsSpec {
  if (c.isolation === 'strict') {
    const probe = strictIsolationAvailable();
    if (!probe.ok) {
      throw new ConfigError(
        `${path}.isolation`,
        `the strict sandbox is unavailable here (${probe.why}); run as root with util-linux, or set isolation: limits to accept resource limits without namespaces`,
      );
    }
  }
  if (c.testsFrom === 'feature' && c.tests === undefined) {
    throw new ConfigError(`${path}.tests`, 'testsFrom: feature needs `tests`');
  }
  return {
    language: c.language,
    ...(c.tests !== undefined ? { tests: c.tests } : {}),
    testsFrom: c.testsFrom,
    limits: { timeoutMs: c.timeoutMs, cpuSeconds: c.cpuSeconds, memoryMb: c.memoryMb, fileMb: c.fileMb },
    isolation: c.isolation,
  };
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
    const codeTests = (typeof m !== 'string' ? m.codeTests : undefined) ?? cfg.codeTests;
    if (codeTests) {
      out.codeTests = compileCodeTests(
        codeTests,
        typeof m !== 'string' && m.codeTests ? `${p}.codeTests` : `${path}.codeTests`,
      );
    }
    return out;
  });
  return { steps, models: steps.map((s) => s.model), judgeMaxAnswerChars: global.judgeMaxAnswerChars };
}
