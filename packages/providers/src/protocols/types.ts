import type { SseEvent } from '../sse/decoder.js';
import type { JsonObject } from '../types.js';
import type { ProtocolName } from './names.js';

/**
 * Token usage as APISIX 3.18 stores it in `ctx.ai_token_usage` (protocol `extract_usage`).
 * The cache and reasoning counts are 0 when the provider did not report them.
 */
export interface FullUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  reasoning_tokens: number;
}

/** Usage read from a response or a stream event: normalised counts plus the provider's object. */
export interface ExtractedUsage {
  /** Only the fields this protocol reports (stream events may carry a subset). */
  usage: Partial<FullUsage>;
  raw: Record<string, unknown>;
}

/** What one upstream SSE event means (APISIX `parse_sse_event` result). */
export interface ParsedSseEvent {
  type: 'skip' | 'delta' | 'usage' | 'done' | 'usage_and_done';
  /** The decoded event JSON (openai-chat chunks; converters read it). */
  data?: JsonObject;
  texts?: string[];
  usage?: Partial<FullUsage>;
  rawUsage?: Record<string, unknown>;
  hasToolCall?: boolean;
  /** A warning for the log (undecodable data, upstream error event). */
  warning?: string;
}

/**
 * One client/target AI protocol (apisix/plugins/ai-protocols/<name>.lua), pure: detection,
 * outgoing body preparation and response observation.
 */
export interface AiProtocol {
  readonly name: ProtocolName;
  /** Does a client request (parsed body, request URI path) speak this protocol? */
  matches(body: JsonObject, uri: string): boolean;
  isStreaming(body: JsonObject): boolean;
  /** Protocol-specific edits of the outgoing body; returns true when it changed the body. */
  prepareOutgoing?(body: JsonObject): boolean;
  /** Usage of a whole (non-stream) response in this protocol. */
  extractUsage(body: unknown): ExtractedUsage | undefined;
  /** Assistant text of a whole response, or undefined. */
  extractResponseText(body: unknown): string | undefined;
  /** True when a whole response holds a tool call. */
  hasToolCall(body: unknown): boolean;
  /** Interpret one upstream SSE event. */
  parseSseEvent(ev: SseEvent): ParsedSseEvent;
  /**
   * `llm_end_user_id` from the final body when the protocol names it differently from OpenAI's
   * `safety_identifier` / `user` (APISIX `extract_end_user_id`); undefined: the OpenAI rule.
   */
  endUserId?(body: JsonObject): string | undefined;
  /** `llm_request.messages` of the logging payload (APISIX `get_request_content`). */
  requestContent(body: JsonObject): unknown;
}
