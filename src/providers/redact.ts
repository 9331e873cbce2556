/**
 * Removes anything that looks like a credential from text that may reach a client or a log (upstream error
 * messages echo keys back: "Incorrect API key provided: sk-…"). Patterns are deliberately prefix-based so
 * ordinary ids (chatcmpl-…, msg_…, req_…) survive; a key's first characters stay visible to help debugging.
 * Known keys of any format are masked by value first (core/known-secrets.ts).
 */
import { redactKnownSecrets } from '../core/known-secrets.js';

const PATTERNS: Array<[RegExp, string]> = [
  // Anthropic (sk-ant-api03-…, sk-ant-admin01-…) before the generic OpenAI form.
  [/\bsk-ant-[A-Za-z0-9_-]{8,}/g, 'sk-ant-***'],
  // OpenAI (sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…) and the many OpenAI-compatible vendors using sk-.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, 'sk-***'],
  // Authorization headers echoed in bodies.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/gi, '$1 ***'],
  // Keys passed as URL query parameters or JSON-ish key=value pairs.
  [/([?&](?:api[_-]?key|key|token|access_token|auth)=)[^&\s"']+/gi, '$1***'],
  // Google, Groq, xAI, Hugging Face, GitHub, AWS access keys.
  [/\bAIza[0-9A-Za-z_-]{30,}/g, 'AIza***'],
  [/\bgsk_[A-Za-z0-9]{20,}/g, 'gsk_***'],
  [/\bxai-[A-Za-z0-9]{20,}/g, 'xai-***'],
  [/\bhf_[A-Za-z0-9]{20,}/g, 'hf_***'],
  [/\b(?:ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}/g, 'gh_***'],
  [/\bAKIA[0-9A-Z]{16}\b/g, 'AKIA***'],
];

const QUICK = /sk-|bearer|basic|key=|token=|auth=|AIza|gsk_|xai-|hf_|gh[pos]_|github_pat_|AKIA/i;

export function redactSecrets(text: string): string {
  // By value first: every key Penny knows or was sent for a request in flight, whatever its format.
  let out = redactKnownSecrets(text);
  if (!QUICK.test(out)) return out;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
