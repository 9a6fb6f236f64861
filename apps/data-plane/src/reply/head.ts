import type { ResponseHead } from '@portico/plugin-sdk';
import type { PreparedPlugin } from '../chain/chain.js';
import type { RequestCtx } from '../context.js';

/**
 * Final response head: plugin `respHeaders` merged in, `Server` set as APISIX's header
 * filter does (apisix/init.lua http_header_filter_phase), then every plugin's headerFilter
 * (global rules first). A throwing filter is logged and skipped.
 */
export function finalizeHead(
  ctx: RequestCtx,
  status: number,
  headers: Record<string, string | readonly string[]>,
  serverHeader: string,
): ResponseHead {
  const extra = ctx.respHeadersIfAny;
  if (extra !== undefined) for (const k in extra) headers[k.toLowerCase()] = extra[k]!;
  headers.server = serverHeader;
  // $status is the response status while header filters run (nginx sets it first).
  ctx.status = status;
  const head: ResponseHead = { status, headers };
  for (const g of ctx.globals) runHeaderFilters(ctx, g.headerFilter, head);
  if (ctx.chain !== undefined) runHeaderFilters(ctx, ctx.chain.headerFilter, head);
  return head;
}

function runHeaderFilters(ctx: RequestCtx, list: readonly PreparedPlugin[], head: ResponseHead): void {
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (p.filter !== undefined && !p.filter(ctx.vars)) continue;
    try {
      p.module.headerFilter!(ctx, p.state, head);
    } catch (e) {
      ctx.logger.error({ plugin: p.name, err: (e as Error).message }, 'header_filter failed');
    }
  }
}
