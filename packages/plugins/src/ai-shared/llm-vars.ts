import type { RequestContext } from '@portico/plugin-sdk';
import type { RequestFacts } from '@portico/providers';
import type { AiRunState } from './keys.js';

// The llm_* variables APISIX 3.18 sets around one LLM exchange, besides the token counts
// (keys.ts publishUsage). Defaults when never set live in the data plane's vars.ts
// (apisix/cli/ngx_tpl.lua `set $llm_* ...`).

const USAGE_VARS = [
  'llm_prompt_tokens',
  'llm_completion_tokens',
  'llm_total_tokens',
  'llm_cache_read_input_tokens',
  'llm_cache_creation_input_tokens',
  'llm_reasoning_tokens',
] as const;

/**
 * Before sending (ai-proxy/base.lua do_request, from the final body): `llm_stream`,
 * `llm_tool_count`, and `llm_end_user_id` when the body names one.
 */
export function publishRequestFacts(ctx: RequestContext, state: AiRunState, stream: boolean, facts: RequestFacts): void {
  state.toolCount = facts.toolCount;
  ctx.vars.set('llm_stream', stream ? 'true' : 'false');
  ctx.vars.set('llm_tool_count', facts.toolCount);
  if (facts.endUserId !== undefined) {
    state.endUserId = facts.endUserId;
    ctx.vars.set('llm_end_user_id', facts.endUserId);
  }
}

/** The response carries tool calls: `llm_has_tool_calls` = "true". */
export function markToolCalls(ctx: RequestContext, state: AiRunState): void {
  if (state.hasToolCalls) return;
  state.hasToolCalls = true;
  ctx.vars.set('llm_has_tool_calls', 'true');
}

/**
 * A non-stream response without usage: every token variable becomes 0 (the `or 0` of
 * ai-providers/base.lua parse_response); ai_token_usage stays absent.
 */
export function publishNoUsage(ctx: RequestContext, state: AiRunState): void {
  state.promptTokens = 0;
  state.completionTokens = 0;
  for (const v of USAGE_VARS) ctx.vars.set(v, 0);
}
