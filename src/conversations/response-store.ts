/**
 * The Responses API conversation store: what `previous_response_id` and `GET /v1/responses/{id}` read.
 * One interface, implemented by memory, SQLite and PostgreSQL, all passing the same contract suite
 * (response-store.contract.ts). Records expire after a TTL, like OpenAI's 30-day retention.
 */

export interface StoredResponse {
  /** The `resp_…` id the client saw. */
  id: string;
  /** ms since the epoch. */
  createdAt: number;
  /** The input items of the request, with the history it continued already expanded (no instructions). */
  input: unknown[];
  /** The response object exactly as the client received it (or the final stream snapshot). */
  response: Record<string, unknown>;
}

export interface ResponseStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** The record, or null when absent or expired. */
  get(id: string): Promise<StoredResponse | null>;
  put(record: StoredResponse): Promise<void>;
  /** True when a record was deleted. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}
