/**
 * The code-execution check for cascades on code-writing features: take the code out of a model's answer,
 * append the tests (the feature's own, and/or a ```tests block in the request), run the whole program in
 * the sandbox (`run-code.ts`) and pass when it exits 0 within the limits. A failed assertion, an exception,
 * a timeout, a memory or CPU limit, or an answer with no code all fail — and the cascade escalates.
 */
import {
  DEFAULT_LIMITS,
  runInSandbox,
  runInSandboxSync,
  type SandboxIsolation,
  type SandboxLanguage,
  type SandboxLimits,
  type SandboxResult,
} from './run-code.js';

export interface CodeTestsSpec {
  language: SandboxLanguage;
  /** Tests the feature supplies (appended after the answer's code). */
  tests?: string;
  /** Where tests come from: the feature's `tests`, a ```tests block in the request, or both (default). */
  testsFrom: 'feature' | 'request' | 'both';
  limits: SandboxLimits;
  isolation: SandboxIsolation;
}

export const DEFAULT_CODE_TESTS: Omit<CodeTestsSpec, 'language'> = {
  testsFrom: 'both',
  limits: DEFAULT_LIMITS,
  isolation: 'strict',
};

const LANG_TAGS: Record<SandboxLanguage, readonly string[]> = {
  python: ['python', 'py', 'python3'],
  node: ['javascript', 'js', 'node', 'mjs', 'cjs'],
};

interface Fence {
  info: string;
  body: string;
}

function fences(text: string): Fence[] {
  const out: Fence[] = [];
  const re = /```([^\n`]*)\n([\s\S]*?)```/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push({ info: m[1]!.trim().toLowerCase(), body: m[2]! });
  return out;
}

const isTests = (info: string) => info.split(/\s+/).some((w) => w === 'tests' || w === 'test');

/**
 * The code in an answer: its fenced blocks in the language (or untagged), joined; else the whole answer
 * when it has no fences at all. Null when there is nothing to run.
 */
export function extractCode(answer: string, language: SandboxLanguage): string | null {
  const fs = fences(answer).filter((f) => !isTests(f.info));
  if (fs.length === 0) return answer.trim() === '' ? null : answer;
  const tags = LANG_TAGS[language];
  const mine = fs.filter((f) => f.info === '' || tags.includes(f.info.split(/\s+/)[0]!));
  if (mine.length === 0) return null;
  return mine.map((f) => f.body).join('\n\n');
}

/** Tests in the request: the fenced blocks whose info string has the word `tests` (e.g. ```python tests). */
export function testsFromRequest(prompt: string): string | null {
  const ts = fences(prompt).filter((f) => isTests(f.info));
  return ts.length ? ts.map((f) => f.body).join('\n\n') : null;
}

export type CodeTestsProgram = { ok: true; source: string } | { ok: false; detail: string };

export function buildProgram(spec: CodeTestsSpec, answer: string, prompt: string): CodeTestsProgram {
  const code = extractCode(answer, spec.language);
  if (code === null) return { ok: false, detail: `no ${spec.language} code in the answer` };
  const parts: string[] = [];
  if (spec.testsFrom !== 'request' && spec.tests) parts.push(spec.tests);
  if (spec.testsFrom !== 'feature') {
    const t = testsFromRequest(prompt);
    if (t) parts.push(t);
  }
  if (parts.length === 0)
    return { ok: false, detail: 'no tests (feature `tests` or a ```tests block in the request)' };
  const marker = spec.language === 'python' ? '# --- tests ---' : '// --- tests ---';
  return { ok: true, source: `${code}\n\n${marker}\n${parts.join('\n\n')}\n` };
}

export interface CodeTestsResult {
  name: 'codeTests';
  passed: boolean;
  detail: string;
  /** Wall-clock time of the sandbox run. */
  latencyMs: number;
  /** CPU time the code used (its only cost: no model is called). */
  cpuMs: number | null;
  run?: Pick<SandboxResult, 'exitCode' | 'signal' | 'timedOut' | 'isolation'>;
}

function verdict(r: SandboxResult): CodeTestsResult {
  const tail = (s: string) => s.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  const detail = r.error
    ? r.error
    : r.timedOut
      ? `timed out (${r.isolation})`
      : r.passed
        ? `tests passed (${r.isolation})`
        : `tests failed: exit ${r.exitCode ?? r.signal}${r.stderr ? `: ${tail(r.stderr)}` : ''}`;
  return {
    name: 'codeTests',
    passed: r.passed,
    detail,
    latencyMs: r.latencyMs,
    cpuMs: r.cpuMs,
    run: { exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, isolation: r.isolation },
  };
}

function noRun(detail: string): CodeTestsResult {
  return { name: 'codeTests', passed: false, detail, latencyMs: 0, cpuMs: null };
}

export async function runCodeTests(
  spec: CodeTestsSpec,
  answer: string,
  prompt: string,
): Promise<CodeTestsResult> {
  const p = buildProgram(spec, answer, prompt);
  if (!p.ok) return noRun(p.detail);
  return verdict(
    await runInSandbox({
      language: spec.language,
      source: p.source,
      limits: spec.limits,
      isolation: spec.isolation,
    }),
  );
}

export function runCodeTestsSync(spec: CodeTestsSpec, answer: string, prompt: string): CodeTestsResult {
  const p = buildProgram(spec, answer, prompt);
  if (!p.ok) return noRun(p.detail);
  return verdict(
    runInSandboxSync({
      language: spec.language,
      source: p.source,
      limits: spec.limits,
      isolation: spec.isolation,
    }),
  );
}
