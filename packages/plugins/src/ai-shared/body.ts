import {
  anthropicToOpenAiRequest,
  deepMerge,
  isAnthropicToOpenAiChat,
  type Capability,
  type JsonObject,
} from '@portico/providers';
import type { PreparedInstance } from './instance.js';
import type { RequestPlan } from './protocol-plan.js';
import type { AiRequest } from './types.js';

/** The body for one attempt. A fresh object each time: retries never see another attempt's edits. */
export interface BuiltBody {
  body: JsonObject;
  /** Descriptor capability (default host/path, vertex-ai conversions). */
  capability: Capability;
  stream: boolean;
  model: string | undefined;
  /**
   * Whether `body` differs from the client's: when not, the client's raw bytes are sent
   * (APISIX 3.17+ forwards them verbatim when nothing changed) instead of a re-encoding.
   */
  changed: boolean;
  /** Tool names the Anthropic → OpenAI converter renamed (OpenAI name → client name). */
  toolNames: ReadonlyMap<string, string> | undefined;
  /** `llm_request.messages` for logging (the client protocol's request content). */
  messages: unknown;
}

/** A request the converter rejected: APISIX answers 400 `{"error_msg": ...}`. */
export interface BodyError {
  error: string;
}

const NO_TOOL_NAMES: ReadonlyMap<string, string> = new Map();

/**
 * Build the outgoing body in APISIX 3.18 order (ai-proxy/base.lua + ai-providers/base.lua
 * build_body): convert (Anthropic → OpenAI chat) when the plan says so, flat `options` merge
 * (config wins), target protocol edits (`stream_options.include_usage` for openai-chat
 * streams, unless options set stream_options), `override.llm_options.max_tokens` in the
 * provider's field (always forced), `override.request_body[<target>]` deep merge, then
 * remove_model. The stream flag is read after the options merge, so `options.stream: true`
 * is a stream too (APISIX only looks at the client's `stream`).
 * Top-level copy only: nested client values are shared but never written to.
 */
export function buildBody(req: AiRequest, inst: PreparedInstance, plan: RequestPlan): BuiltBody | BodyError {
  let body: JsonObject;
  let changed = false;
  let toolNames = NO_TOOL_NAMES;
  const converting = isAnthropicToOpenAiChat(plan.converter);
  if (converting) {
    const conv = anthropicToOpenAiRequest(req.body as JsonObject);
    if (!conv.ok) return { error: conv.error };
    body = conv.value.body;
    toolNames = conv.value.toolNames;
    changed = true;
  } else body = { ...req.body };
  for (const [k, v] of inst.optionEntries) {
    // An option equal to the client's scalar value changes nothing (objects always count).
    if (body[k] !== v || typeof v === 'object') changed = true;
    body[k] = v;
  }
  const stream = body.stream === true;
  if (!inst.optionsHasStreamOptions && plan.target.prepareOutgoing?.(body)) changed = true;
  const maxTokens = inst.conf.override?.llm_options?.max_tokens;
  if (maxTokens !== undefined && plan.cap?.applyMaxTokens) {
    plan.cap.applyMaxTokens(body, maxTokens);
    changed = true;
  }
  const patch = inst.conf.override?.request_body?.[plan.target.name];
  if (patch) {
    body = deepMerge(body, patch, inst.conf.override?.request_body_force_override === true);
    changed = true;
  }
  const model = typeof body.model === 'string' ? body.model : undefined;
  if (inst.descriptor.removeModel && 'model' in body) {
    delete body.model;
    changed = true;
  }
  return {
    body,
    capability: plan.cap?.target ?? 'chat',
    stream,
    model,
    changed,
    toolNames: converting ? toolNames : undefined,
    messages: plan.client.requestContent(converting ? (req.body as JsonObject) : body),
  };
}

export function isBodyError(v: BuiltBody | BodyError): v is BodyError {
  return 'error' in v;
}
