/**
 * Assembles canonical stream events into a complete CanonicalResponse, so a streamed answer can be priced,
 * checked and cached exactly like a non-streamed one.
 */
import type { ContentPart } from '../../core/request.js';
import type { CanonicalResponse, Choice, StreamEvent } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';

interface ChoiceState {
  text: string;
  reasoning: string;
  signature?: string;
  refusal: string;
  tools: Map<number, { id: string; name: string; args: string }>;
  finish: Choice['finish'] | null;
  logprobs: unknown[];
}

export class StreamAssembler {
  id = '';
  model = '';
  created = 0;
  usage: Usage | null = null;
  finished = false;
  ended = false;
  error: { code: string; message: string; upstreamType?: string } | null = null;
  stopSequence: string | null | undefined;
  extra: Record<string, unknown> | undefined;
  /** True once any content (text, tool call, reasoning) has arrived. */
  sawContent = false;
  private readonly choices = new Map<number, ChoiceState>();

  add(ev: StreamEvent): void {
    switch (ev.type) {
      case 'start':
        this.id = ev.id;
        this.model = ev.model;
        this.created = ev.created;
        if (ev.extra) this.extra = ev.extra;
        return;
      case 'text':
        this.choice(ev.index).text += ev.text;
        this.sawContent = true;
        return;
      case 'reasoning': {
        const c = this.choice(ev.index);
        c.reasoning += ev.text;
        if (ev.signature) c.signature = ev.signature;
        this.sawContent = true;
        return;
      }
      case 'refusal':
        this.choice(ev.index).refusal += ev.text;
        this.sawContent = true;
        return;
      case 'tool_call_start':
        this.choice(ev.index).tools.set(ev.toolIndex, { id: ev.id, name: ev.name, args: '' });
        this.sawContent = true;
        return;
      case 'tool_call_delta': {
        const t = this.choice(ev.index).tools.get(ev.toolIndex);
        if (t) t.args += ev.argumentsDelta;
        return;
      }
      case 'logprobs':
        this.choice(ev.index).logprobs.push(ev.logprobs);
        return;
      case 'finish':
        this.choice(ev.index).finish = ev.finish;
        if (ev.stopSequence !== undefined) this.stopSequence = ev.stopSequence;
        this.finished = true;
        return;
      case 'usage':
        this.usage = ev.usage;
        return;
      case 'error':
        this.error = {
          code: ev.code,
          message: ev.message,
          ...(ev.upstreamType === undefined ? {} : { upstreamType: ev.upstreamType }),
        };
        return;
      case 'end':
        this.ended = true;
        return;
    }
  }

  addAll(evs: StreamEvent[]): void {
    for (const ev of evs) this.add(ev);
  }

  /** All visible text generated so far (every choice), for estimating the output of an aborted stream. */
  text(): string {
    let s = '';
    for (const c of this.choices.values()) {
      s += c.reasoning + c.text + c.refusal;
      for (const t of c.tools.values()) s += t.name + t.args;
    }
    return s;
  }

  toResponse(): CanonicalResponse {
    const choices: Choice[] = [];
    for (const [index, c] of [...this.choices.entries()].sort((a, b) => a[0] - b[0])) {
      const content: ContentPart[] = [];
      if (c.reasoning || c.signature)
        content.push({
          type: 'reasoning',
          text: c.reasoning,
          ...(c.signature ? { signature: c.signature } : {}),
        });
      if (c.text) content.push({ type: 'text', text: c.text });
      for (const [, t] of [...c.tools.entries()].sort((a, b) => a[0] - b[0])) {
        content.push({ type: 'tool_call', id: t.id, name: t.name, arguments: t.args });
      }
      const choice: Choice = { index, content, finish: c.finish ?? { unified: 'other', raw: null } };
      if (c.refusal) choice.refusal = c.refusal;
      if (c.logprobs.length) choice.logprobs = mergeLogprobs(c.logprobs);
      choices.push(choice);
    }
    const res: CanonicalResponse = {
      id: this.id,
      model: this.model,
      created: this.created,
      choices,
      usage: this.usage,
    };
    if (this.stopSequence !== undefined) res.stopSequence = this.stopSequence;
    if (this.extra) res.extra = this.extra;
    return res;
  }

  private choice(index: number): ChoiceState {
    let c = this.choices.get(index);
    if (!c) {
      c = { text: '', reasoning: '', refusal: '', tools: new Map(), finish: null, logprobs: [] };
      this.choices.set(index, c);
    }
    return c;
  }
}

/** OpenAI stream logprobs arrive as {content: [...]} per chunk; concatenate them. */
function mergeLogprobs(parts: unknown[]): unknown {
  const content: unknown[] = [];
  for (const p of parts) {
    const c = (p as { content?: unknown }).content;
    if (Array.isArray(c)) content.push(...c);
  }
  return { content };
}
