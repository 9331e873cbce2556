/**
 * History windowing: keeps the system prompt and the latest turns that fit a token budget. Messages are
 * grouped into units that are kept or dropped whole — an assistant tool call travels with its tool results —
 * so a tool result is never orphaned. The window always starts at a real user turn (not a tool result), and
 * always includes the last one; when even that does not fit, nothing is dropped and the caller is told why.
 */
import type { CanonicalRequest, Message } from '../../core/request.js';

export interface WindowPlan {
  /** Index of the first message kept; 0 = nothing dropped. */
  start: number;
  /** Tokens of the messages kept (as counted by the caller's function). */
  keptTokens: number;
  droppedTokens: number;
  /** Set when the budget cannot be met even with only the last user turn. */
  overBudget?: { needed: number; budget: number };
}

/** A tool result continues the unit of the assistant message that called the tool. */
export function isToolResultMessage(m: Message): boolean {
  return m.role === 'tool' || (m.role === 'user' && m.content.some((p) => p.type === 'tool_result'));
}

function isRealUserTurn(m: Message): boolean {
  return m.role === 'user' && !isToolResultMessage(m);
}

/** Start indexes of the units: a unit is a message plus the tool results that follow it. */
export function unitStarts(messages: readonly Message[]): number[] {
  const starts: number[] = [];
  messages.forEach((m, i) => {
    if (i === 0 || !isToolResultMessage(m)) starts.push(i);
  });
  return starts;
}

/**
 * Plans the window. `budget` is for the system prompt plus the messages kept (`reserve` more tokens are held
 * back, e.g. for a summary of the dropped turns); `messageTokens[i]` is message i's token count.
 */
export function planWindow(
  req: CanonicalRequest,
  messageTokens: readonly number[],
  systemTokens: number,
  budget: number,
  reserve = 0,
): WindowPlan {
  const msgs = req.messages;
  const total = messageTokens.reduce((a, b) => a + b, 0);
  if (systemTokens + total <= budget) return { start: 0, keptTokens: total, droppedTokens: 0 };
  const available = budget - systemTokens - reserve;
  let lastUser = -1;
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (isRealUserTurn(msgs[i]!)) {
      lastUser = i;
      break;
    }
  }
  if (lastUser <= 0) return { start: 0, keptTokens: total, droppedTokens: 0 };
  let kept = 0;
  for (let i = lastUser; i < msgs.length; i++) kept += messageTokens[i]!;
  if (kept > available) {
    return {
      start: 0,
      keptTokens: total,
      droppedTokens: 0,
      overBudget: { needed: systemTokens + reserve + kept, budget },
    };
  }
  const starts = unitStarts(msgs).filter((s) => s < lastUser);
  let start = lastUser;
  for (let u = starts.length - 1; u >= 0; u--) {
    const s = starts[u]!;
    let unit = 0;
    for (let i = s; i < start; i++) unit += messageTokens[i]!;
    if (kept + unit > available) break;
    kept += unit;
    start = s;
  }
  // The window must open on a real user turn: drop leading assistant / tool units.
  while (start < lastUser && !isRealUserTurn(msgs[start]!)) {
    kept -= messageTokens[start]!;
    start++;
  }
  return { start, keptTokens: kept, droppedTokens: total - kept };
}
