/**
 * `GET /v1/responses/{id}/input_items`: the input items a stored response was generated from (its own
 * input, with the history it continued already expanded), in OpenAI's `ResponseItemList` shape. Items are
 * stored as the client sent them (a bare `{role, content: "text"}` is valid input), so they are normalised on
 * the way out: every item gets `type`, a stable `id` (its own, or one derived from the response id and its
 * position) and a `status`; string content becomes `input_text` / `output_text` parts. Paginated like
 * OpenAI's list endpoints: `limit` 1–100 (default 20), `order` asc|desc (default desc), `after` an item id.
 */
import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../core/errors.js';
import type { StoredResponse } from './response-store.js';

type Item = Record<string, unknown>;

export interface ItemList {
  object: 'list';
  data: Item[];
  first_id: string;
  last_id: string;
  has_more: boolean;
}

export interface ListQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
}

/** Reads `limit`, `order` and `after` from a URL query string; a bad value is a 400 naming the parameter. */
export function parseListQuery(search: URLSearchParams): ListQuery {
  const rawLimit = search.get('limit');
  let limit = 20;
  if (rawLimit !== null) {
    limit = Number(rawLimit);
    if (!/^\d+$/.test(rawLimit) || limit < 1 || limit > 100)
      throw new InvalidRequestError(
        `limit must be an integer from 1 to 100, got "${rawLimit.slice(0, 40)}"`,
        'limit',
      );
  }
  const order = search.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc')
    throw new InvalidRequestError(`order must be "asc" or "desc", got "${order.slice(0, 40)}"`, 'order');
  const after = search.get('after') ?? undefined;
  return { limit, order, after };
}

export function listInputItems(stored: StoredResponse, q: ListQuery): ItemList {
  const all = stored.input.map((item, i) => normalise(item, stored.id, i));
  const ordered = q.order === 'asc' ? all : [...all].reverse();
  let start = 0;
  if (q.after !== undefined) {
    const at = ordered.findIndex((it) => it.id === q.after);
    if (at < 0)
      throw new InvalidRequestError(
        `after must be the id of an input item of response ${stored.id}; "${q.after.slice(0, 80)}" is not one`,
        'after',
      );
    start = at + 1;
  }
  const data = ordered.slice(start, start + q.limit);
  return {
    object: 'list',
    data,
    first_id: (data[0]?.id as string | undefined) ?? '',
    last_id: (data.at(-1)?.id as string | undefined) ?? '',
    has_more: start + q.limit < ordered.length,
  };
}

/**
 * A stable id for an item the client sent without one, derived from the response it first appeared in and
 * its position there. Penny's ids carry `pny` after the type prefix so they can be taken off again before the
 * history is sent upstream (a provider must never see an item id it did not issue).
 */
function derivedId(prefix: string, responseId: string, index: number): string {
  return `${prefix}_pny${createHash('sha256').update(`${responseId}\u0000${index}`).digest('hex').slice(0, 32)}`;
}

const PENNY_ID = /^[a-z]+_pny[0-9a-f]{32}$/;

function idPrefix(item: Item): string {
  return item.type === 'function_call'
    ? 'fc'
    : item.type === 'function_call_output'
      ? 'fco'
      : item.type === undefined || item.type === 'message'
        ? 'msg'
        : 'item';
}

/**
 * The items with an id on every object that has none (from `fromIndex` on: the earlier ones were stored with
 * a previous response and already carry theirs). Stored; never sent upstream (see `withoutPennyIds`).
 */
export function assignItemIds(items: unknown[], responseId: string, fromIndex = 0): unknown[] {
  return items.map((it, i) => {
    if (i < fromIndex || typeof it !== 'object' || it === null || Array.isArray(it)) return it;
    const item = it as Item;
    return typeof item.id === 'string' ? item : { ...item, id: derivedId(idPrefix(item), responseId, i) };
  });
}

/** The items with the ids Penny assigned taken off, for the upstream request. */
export function withoutPennyIds(items: unknown[]): unknown[] {
  return items.map((it) => {
    if (typeof it !== 'object' || it === null || Array.isArray(it)) return it;
    const item = it as Item;
    if (typeof item.id !== 'string' || !PENNY_ID.test(item.id)) return item;
    const { id: _drop, ...rest } = item;
    return rest;
  });
}

function normalise(raw: unknown, responseId: string, index: number): Item {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return {
      id: derivedId('msg', responseId, index),
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [],
    };
  const item = { ...(raw as Item) };
  const type = typeof item.type === 'string' ? item.type : 'role' in item ? 'message' : 'unknown';
  item.type = type;
  if (type === 'message') {
    const assistant = item.role === 'assistant';
    item.id = typeof item.id === 'string' ? item.id : derivedId('msg', responseId, index);
    item.status = typeof item.status === 'string' ? item.status : 'completed';
    item.content = contentParts(item.content, assistant);
    return item;
  }
  item.id = typeof item.id === 'string' ? item.id : derivedId(idPrefix(item), responseId, index);
  if ((type === 'function_call' || type === 'function_call_output') && typeof item.status !== 'string')
    item.status = 'completed';
  return item;
}

function contentParts(content: unknown, assistant: boolean): unknown[] {
  const text = (t: string) =>
    assistant
      ? { type: 'output_text', text: t, annotations: [], logprobs: [] }
      : { type: 'input_text', text: t };
  if (typeof content === 'string') return [text(content)];
  if (!Array.isArray(content)) return [];
  return content.map((p) => {
    if (typeof p === 'string') return text(p);
    if (typeof p !== 'object' || p === null) return p;
    const part = p as Item;
    // Assistant history sent back as input may carry input_text parts; list them as output text.
    if (assistant && part.type === 'input_text' && typeof part.text === 'string') return text(part.text);
    if (assistant && part.type === 'output_text') return { annotations: [], logprobs: [], ...part };
    return part;
  });
}
