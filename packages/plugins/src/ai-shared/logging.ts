import type { RequestContext } from '@portico/plugin-sdk';
import { getRunState } from './keys.js';
import { responseTextOf } from './usage-scan.js';
import type { LoggingConf } from './types.js';

/**
 * Fill llm_summary / llm_request / llm_response_text for logger plugins (ai-proxy/base.lua
 * set_logging, 3.18 fields). APISIX reads the values back from ctx.var: numbers once the
 * exchange set them, the nginx defaults ("0", "false", "") otherwise; llm_stream and
 * llm_has_tool_calls are always the strings "true"/"false".
 */
export function applyLogging(ctx: RequestContext, logging: LoggingConf | undefined): void {
  if (!logging) return;
  const st = getRunState(ctx);
  if (logging.summaries) {
    const u = st?.usage;
    const sent = st !== undefined && st.toolCount !== undefined;
    ctx.logFields.llm_summary = {
      request_model: st?.requestModel ?? '',
      model: st?.model ?? '',
      duration: st?.ttftMs ?? '0',
      prompt_tokens: st?.promptTokens ?? '0',
      completion_tokens: st?.completionTokens ?? '0',
      total_tokens: u?.total_tokens ?? (st?.promptTokens !== undefined ? 0 : '0'),
      upstream_response_time: st?.upstreamMs ?? '',
      stream: sent && st.stream ? 'true' : 'false',
      tool_count: st?.toolCount ?? '0',
      has_tool_calls: st?.hasToolCalls ? 'true' : 'false',
      end_user_id: st?.endUserId ?? '',
      cache_read_input_tokens: u?.cache_read_input_tokens ?? (st?.promptTokens !== undefined ? 0 : '0'),
      cache_creation_input_tokens: u?.cache_creation_input_tokens ?? (st?.promptTokens !== undefined ? 0 : '0'),
      reasoning_tokens: u?.reasoning_tokens ?? (st?.promptTokens !== undefined ? 0 : '0'),
      content_risk_level: ctx.vars.get('llm_content_risk_level') ?? '',
    };
  }
  if (logging.payloads) {
    ctx.logFields.llm_request = { messages: st?.messages, stream: st?.stream ?? false };
    ctx.logFields.llm_response_text = { content: responseTextOf(st) };
  }
}
