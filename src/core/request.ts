/**
 * The canonical request: one shape for every wire format. Dialect converters (src/providers/<dialect>/)
 * parse a client body into it and render it for an upstream. It is lossless for the fields Penny
 * understands; anything else rides in `extra` (top level) or `extra` on a message / `raw` parts, and is
 * passed through untouched when the upstream speaks the client's dialect.
 */
/** 'responses' is OpenAI's Responses API (`/v1/responses`); 'openai' is Chat Completions. */
export type Dialect = 'openai' | 'anthropic' | 'responses';

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string };

export interface ImagePart {
  type: 'image';
  source: ImageSource;
  /** OpenAI's `detail` ("low" | "high" | "auto"). */
  detail?: string;
  cacheControl?: CacheControl;
}

export interface ToolCallPart {
  type: 'tool_call';
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
  cacheControl?: CacheControl;
}

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  content: string | Array<TextPart | ImagePart>;
  isError?: boolean;
  cacheControl?: CacheControl;
}

/** Model reasoning echoed back in history (Anthropic `thinking` / `redacted_thinking`). */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  signature?: string;
  redactedData?: string;
}

/** A provider-specific block Penny does not model (audio, documents, server tool use …), kept verbatim. */
export interface RawPart {
  type: 'raw';
  dialect: Dialect;
  value: unknown;
}

export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart | RawPart;

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  content: ContentPart[];
  /** True when the client sent `content` as a plain string (so it is rendered back as a string). */
  contentWasString?: boolean;
  /** OpenAI `name`. */
  name?: string;
  /** OpenAI `refusal` on assistant history. */
  refusal?: string | null;
  /** Unknown per-message fields, passed through for the same dialect. */
  extra?: Record<string, unknown>;
}

export interface ToolDef {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  strict?: boolean;
  cacheControl?: CacheControl;
  /** A provider-native tool (e.g. Anthropic server tools) that has no function shape; passed verbatim. */
  raw?: { dialect: Dialect; value: unknown };
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      strict?: boolean;
      description?: string;
    };

export interface ReasoningConfig {
  /** OpenAI `reasoning_effort`. */
  effort?: string;
  /** Anthropic `thinking.budget_tokens`. */
  budgetTokens?: number;
  /** Anthropic `thinking.type` when not "enabled"/"disabled" is unknown: kept verbatim. */
  raw?: unknown;
}

export interface CanonicalRequest {
  /** The wire format the client spoke. */
  dialect: Dialect;
  model: string;
  /** Leading system / developer instructions. */
  system: TextPart[];
  /** OpenAI: whether the leading instruction used role "developer". */
  systemRole?: 'system' | 'developer';
  /** Anthropic: whether `system` was sent as a plain string. */
  systemWasString?: boolean;
  messages: Message[];
  tools?: ToolDef[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  maxTokens?: number;
  /** Which OpenAI field carried maxTokens, to render it back the same way. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  /** True when OpenAI `stop` was a single string. */
  stopWasString?: boolean;
  n?: number;
  seed?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  reasoning?: ReasoningConfig;
  stream: boolean;
  /** OpenAI `stream_options.include_usage` as the client asked it. */
  streamUsage?: boolean;
  /** End-user id: OpenAI `user` or Anthropic `metadata.user_id`. */
  user?: string;
  /** Anthropic `metadata` / OpenAI `metadata`, verbatim. */
  metadata?: Record<string, unknown>;
  /** Top-level cache_control (Anthropic automatic caching). */
  cacheControl?: CacheControl;
  promptCacheKey?: string;
  /** OpenAI Responses API conversation state (the gateway keeps it; it is never sent upstream as such). */
  conversation?: ConversationState;
  /** Unknown top-level fields, passed through to an upstream of the same dialect. */
  extra: Record<string, unknown>;
}

export interface ConversationState {
  /** The stored response this request continues (its history is already expanded into `messages`). */
  previousResponseId?: string;
  /** Whether the answer may be stored for a later `previous_response_id` (Responses `store`, default true). */
  store: boolean;
}
