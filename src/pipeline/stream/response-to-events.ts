/**
 * Turns a complete response into the canonical stream events that would have produced it, so a stored or
 * simulated answer can be replayed as a proper stream in either dialect. Text is cut into word-sized deltas.
 */
import type { CanonicalResponse, StreamEvent } from '../../core/response.js';

export function responseToEvents(res: CanonicalResponse, opts: { chunkChars?: number } = {}): StreamEvent[] {
  const chunk = opts.chunkChars ?? 24;
  const out: StreamEvent[] = [
    {
      type: 'start',
      id: res.id,
      model: res.model,
      created: res.created,
      ...(res.extra ? { extra: res.extra } : {}),
    },
  ];
  for (const c of res.choices) {
    let toolIndex = 0;
    for (const p of c.content) {
      if (p.type === 'text')
        for (const piece of split(p.text, chunk)) out.push({ type: 'text', index: c.index, text: piece });
      else if (p.type === 'reasoning')
        out.push({
          type: 'reasoning',
          index: c.index,
          text: p.text,
          ...(p.signature ? { signature: p.signature } : {}),
        });
      else if (p.type === 'tool_call') {
        out.push({ type: 'tool_call_start', index: c.index, toolIndex, id: p.id, name: p.name });
        for (const piece of split(p.arguments, chunk))
          out.push({ type: 'tool_call_delta', index: c.index, toolIndex, argumentsDelta: piece });
        toolIndex++;
      }
    }
    if (c.refusal) out.push({ type: 'refusal', index: c.index, text: c.refusal });
    if (c.logprobs !== undefined) out.push({ type: 'logprobs', index: c.index, logprobs: c.logprobs });
    out.push({
      type: 'finish',
      index: c.index,
      finish: c.finish,
      ...(res.stopSequence !== undefined ? { stopSequence: res.stopSequence } : {}),
    });
  }
  if (res.usage) out.push({ type: 'usage', usage: res.usage });
  out.push({ type: 'end' });
  return out;
}

/** Splits text at word boundaries into pieces of about `size` characters (never splitting a surrogate pair). */
function split(text: string, size: number): string[] {
  if (text.length <= size) return text ? [text] : [];
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + size);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > i) end = space + 1;
      const code = text.charCodeAt(end - 1);
      if (code >= 0xd800 && code <= 0xdbff) end++;
    }
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
