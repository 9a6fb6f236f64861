import type { RequestContext } from '@portico/plugin-sdk';
import { authSources, redactHeaders, redactUrl, requestBody, type LogEntryPlan } from '../log-util/index.js';

/**
 * `meta_format: "origin"` (log-util.lua get_req_original): the request as it came in — the
 * request line, one `name: value` line per header, a blank line, then the body when
 * `include_req_body` is on — joined with CRLF. Secret header values and query arguments are
 * redacted as in every Portico log (docs/compatibility.md).
 */
export function buildOriginEntry(ctx: RequestContext, plan: LogEntryPlan): string {
  const sources = authSources(ctx);
  const query = ctx.rawQuery ? `?${ctx.rawQuery}` : '';
  const line = ctx.vars.get('request') ?? `${ctx.method} ${ctx.uri}${query} HTTP/1.1`;
  let out = `${redactUrl(line, sources)}\r\n`;
  for (const [name, value] of Object.entries(redactHeaders(ctx.headers, sources))) {
    if (typeof value === 'string') out += `${name}: ${value}\r\n`;
    else for (const v of value) out += `${name}: ${v}\r\n`;
  }
  out += '\r\n';
  if (plan.includeReqBody) out += requestBody(ctx, plan) ?? '';
  return out;
}
