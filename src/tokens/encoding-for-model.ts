/**
 * Which OpenAI tokenizer a model name uses, mapped by family rather than by a fixed list, because new
 * OpenAI models appear monthly (a lookup table throws "Unknown model" on gpt-5.1). Non-OpenAI models
 * (Claude, Gemini, Llama, …) get `null`: their tokenizers are not available locally.
 */
import type { OpenAiEncoding } from './token-count.js';

/** Families that are certainly not OpenAI, matched anywhere in the name (covers Bedrock/Vertex ids). */
const NON_OPENAI =
  /claude|gemini|gemma|llama|mistral|mixtral|codestral|ministral|magistral|pixtral|qwen|deepseek|command-|cohere|grok|phi-|jamba|nova-|titan|palm|bison|falcon|olmo|granite|kimi|glm|yi-|sonar|nemotron/;

const CL100K =
  /^(gpt-4($|-)|gpt-35|gpt-3\.5|text-embedding-3|text-embedding-ada|ada|babbage-002|davinci-002|text-davinci)/;

const OPENAI_LOOKING =
  /^(gpt|chatgpt|o\d|text-embedding|text-moderation|omni-moderation|davinci|babbage|curie|ada|codex|computer-use|chat-latest)/;

/**
 * Strips what wraps a model name without changing its family: a routing prefix ("openai/gpt-4o",
 * "azure/gpt-4o"), a fine-tune prefix ("ft:gpt-4o-mini-2024-07-18:org::id") and letter case.
 */
export function baseModelName(model: string): string {
  let m = model.trim().toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash >= 0) m = m.slice(slash + 1);
  if (m.startsWith('ft:')) {
    m = m.slice(3);
    const colon = m.indexOf(':');
    if (colon >= 0) m = m.slice(0, colon);
  }
  return m;
}

export function encodingForModel(model: string): OpenAiEncoding | null {
  // Asked on every counted request (budgets bound every prompt): the regexes run once per model name.
  let e = byModel.get(model);
  if (e === undefined) {
    e = familyEncoding(model);
    if (byModel.size >= 1000) byModel.clear();
    byModel.set(model, e);
  }
  return e;
}

const byModel = new Map<string, OpenAiEncoding | null>();

function familyEncoding(model: string): OpenAiEncoding | null {
  const m = baseModelName(model);
  if (m === '' || NON_OPENAI.test(m)) return null;
  if (CL100K.test(m)) return 'cl100k_base';
  // gpt-4o*, gpt-4.1*, gpt-4.5*, gpt-5*, o1/o3/o4*, chatgpt-*, gpt-oss (o200k_harmony shares the vocabulary)
  // and any future OpenAI-looking name.
  if (OPENAI_LOOKING.test(m)) return 'o200k_base';
  return null;
}
