import type { RequestContext } from '@portico/plugin-sdk';
import { usageDetailsOf, usageRecord, usageVars, type TokenUsage, type UsageRecord } from '@portico/providers';
import type { RequestPlan } from './protocol-plan.js';
import type { AiRequest } from './types.js';

/**
 * ctx.shared keys other plugins read (APISIX ctx.* fields of the same names):
 * - picked_ai_instance_name: "ai-proxy-<provider>" or the ai-proxy-multi instance name
 * - picked_ai_instance: the instance conf object
 * - ai_token_usage: {prompt_tokens, completion_tokens, total_tokens}, set as soon as known
 *   (absent when the upstream reported no usage)
 * - llm_raw_usage: the provider's `usage` object as sent
 */
export const SHARED = {
  pickedName: 'picked_ai_instance_name',
  picked: 'picked_ai_instance',
  usage: 'ai_token_usage',
  rawUsage: 'llm_raw_usage',
  /** Internal to ai-shared: the validated request and per-request measurements. */
  state: 'ai_shared.state',
} as const;

/** Per-request measurements for logging (numbers kept as numbers, unlike nginx vars). */
export interface AiRunState {
  request: AiRequest;
  stream: boolean;
  requestModel: string | undefined;
  model: string | undefined;
  ttftMs?: number;
  upstreamMs?: number;
  usage?: UsageRecord;
  /** Values of the llm_prompt_tokens / llm_completion_tokens vars once set. */
  promptTokens?: number;
  completionTokens?: number;
  /** Read it through responseTextOf() (usage-scan.ts): a buffered answer's text is extracted on first read. */
  responseText?: string;
  /** A buffered answer whose text was not extracted yet (see responseTextOf). */
  responseRaw?: Buffer;
  /** `llm_request.messages`: the client protocol's request content (after options merge). */
  messages?: unknown;
  // APISIX 3.18 log fields (llm_tool_count, llm_end_user_id, llm_has_tool_calls), see llm-vars.ts.
  toolCount?: number;
  endUserId?: string;
  hasToolCalls?: boolean;
  /** Protocols of the current attempt (client, target, converter). */
  plan?: RequestPlan;
  /** Tool names the Anthropic converter renamed (OpenAI name → client name). */
  toolNames?: ReadonlyMap<string, string>;
}

/** The state stored by validateAiRequest, if the access phase ran. */
export function getRunState(ctx: RequestContext): AiRunState | undefined {
  return ctx.shared.get(SHARED.state) as AiRunState | undefined;
}

/** Record the picked instance (APISIX ctx.picked_ai_instance_name / picked_ai_instance). */
export function setPickedInstance(ctx: RequestContext, name: string, conf: unknown): void {
  ctx.shared.set(SHARED.pickedName, name);
  ctx.shared.set(SHARED.picked, conf);
}

/**
 * Publish token usage to vars and shared keys as soon as it is known: the six llm_* token
 * variables of APISIX 3.18 (cache and reasoning counts from `raw` when `usage` is a bare
 * TokenUsage, 0 when absent).
 */
export function publishUsage(ctx: RequestContext, state: AiRunState, usage: TokenUsage | UsageRecord, raw: unknown): void {
  // A bare TokenUsage (a protocol adapter without its own record) takes its details from `raw`.
  const rec = 'reasoning_tokens' in usage ? usage : usageRecord(usage, usageDetailsOf(raw));
  state.usage = rec;
  state.promptTokens = rec.prompt_tokens;
  state.completionTokens = rec.completion_tokens;
  ctx.shared.set(SHARED.usage, rec);
  ctx.shared.set(SHARED.rawUsage, raw);
  const vars = usageVars(rec);
  for (const k in vars) ctx.vars.set(k, vars[k as keyof typeof vars]);
}

/**
 * Record the time spent on the upstream so far: APISIX ai-proxy's own
 * `apisix_upstream_response_time` variable in ms, and the upstream report's response time
 * (nginx's `$upstream_response_time`, which APISIX 3.17+ also fills for the AI transport;
 * 3.16 left it "-").
 */
export function recordUpstreamTime(ctx: RequestContext, state: AiRunState, ms: number): void {
  state.upstreamMs = ms;
  ctx.vars.set('apisix_upstream_response_time', ms);
  ctx.upstream.finished(ms);
}
