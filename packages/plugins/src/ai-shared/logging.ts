import type { RequestContext } from '@portico/plugin-sdk';
import { getRunState } from './keys.js';
import type { LoggingConf } from './types.js';

/**
 * Fill llm_summary / llm_request / llm_response_text for logger plugins (ai-proxy/base.lua
 * set_logging). Unset numbers appear as the string "0", like nginx variable defaults.
 */
export function applyLogging(ctx: RequestContext, logging: LoggingConf | undefined): void {
  if (!logging) return;
  const st = getRunState(ctx);
  if (logging.summaries) {
    ctx.logFields.llm_summary = {
      request_model: st?.requestModel ?? '',
      model: st?.model ?? '',
      duration: st?.ttftMs ?? '0',
      prompt_tokens: st?.promptTokens ?? '0',
      completion_tokens: st?.completionTokens ?? '0',
      upstream_response_time: st?.upstreamMs ?? '',
    };
  }
  if (logging.payloads) {
    ctx.logFields.llm_request = { messages: st?.messages, stream: st?.stream ?? false };
    ctx.logFields.llm_response_text = { content: st?.responseText };
  }
}
