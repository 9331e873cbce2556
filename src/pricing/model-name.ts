/**
 * Model and provider name normalisation for price lookups. The non-obvious part: providers append snapshot
 * dates in several shapes ("-20250929", "-2024-08-06", "@20250514" on Vertex, "-0613", "-05-06", "-latest",
 * Bedrock's "-v1:0"), so a dated name that has no entry of its own falls back, step by step, to its family.
 */

/** Provider spellings used by other tools → Penny provider ids. */
const PROVIDER_ALIASES: Record<string, string> = {
  gemini: 'google',
  'google-ai': 'google',
  google_ai_studio: 'google',
  together_ai: 'together',
  togetherai: 'together',
  xai: 'x-ai',
  fireworks_ai: 'fireworks',
  bedrock_converse: 'bedrock',
  cohere_chat: 'cohere',
  'text-completion-openai': 'openai',
  azure_text: 'azure',
  moonshot: 'moonshotai',
  codestral: 'mistral',
  'text-completion-codestral': 'mistral',
};

/** Lower-cases a provider id and maps known spellings ("gemini", "together_ai", "vertex_ai-…") to Penny's. */
export function normalizeProviderId(provider: string): string {
  const p = provider.trim().toLowerCase();
  const mapped = PROVIDER_ALIASES[p];
  if (mapped) return mapped;
  if (p.startsWith('vertex_ai')) return 'vertex_ai';
  return p;
}

const SUFFIXES: RegExp[] = [
  /-v\d+(?::\d+)?$/, // Bedrock "-v1:0"
  /@(?:\d{8}|latest|default)$/, // Vertex "@20250514"
  /-(?:latest)$/,
  /-(20\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, // "-2024-08-06"
  /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/, // "-20250929"
  /-(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])$/, // "-0613", "-05-06"
];

/** The name itself, then each shorter form with one snapshot suffix removed (lower-cased input expected). */
export function nameCandidates(name: string): string[] {
  const out = [name];
  let cur = name;
  for (;;) {
    let next: string | undefined;
    for (const re of SUFFIXES) {
      const stripped = cur.replace(re, '');
      if (stripped !== cur && stripped.length > 0) {
        next = stripped;
        break;
      }
    }
    if (!next) return out;
    out.push(next);
    cur = next;
  }
}
