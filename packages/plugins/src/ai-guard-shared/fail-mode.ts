/**
 * `fail_mode` of the AI guard plugins (APISIX ai-protocols/binding.lua): what to do with a
 * request the plugin cannot inspect (no AI instance picked, unsupported protocol). `skip`
 * and `warn` let it through (logged at info / warn), `error` rejects it with the caller's
 * status and body.
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';

export type FailMode = 'skip' | 'warn' | 'error';

/** The schema fragment, default `skip` as both guard plugins declare it. */
export const failModeSchema = { type: 'string', enum: ['skip', 'warn', 'error'], default: 'skip' } as const;

const MAX_REASON = 256;

/** Reasons may carry client-controlled text: no control characters, bounded length. */
export function sanitizeReason(reason: string): string {
  const safe = reason.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return safe.length > MAX_REASON ? safe.slice(0, MAX_REASON) : safe;
}

/**
 * A Reply to end the request with (mode `error`), or undefined to let it pass after logging
 * `<plugin> skipped: <reason>`.
 */
export function onUnsupported(
  mode: FailMode,
  plugin: string,
  ctx: RequestContext,
  reason: string,
  status: number,
  body: string,
): Reply | undefined {
  if (mode === 'error') return { status, body };
  const msg = `${plugin} skipped: ${sanitizeReason(reason)}`;
  if (mode === 'warn') ctx.logger.warn({ requestId: ctx.requestId }, msg);
  else ctx.logger.info({ requestId: ctx.requestId }, msg);
  return undefined;
}

/** The request never went through ai-proxy / ai-proxy-multi: `fail_mode` decides (APISIX's strings). */
export function notBehindAiProxy(mode: FailMode, plugin: string, ctx: RequestContext): Reply | undefined {
  return onUnsupported(
    mode,
    plugin,
    ctx,
    'no ai instance picked (request did not pass through ai-proxy/ai-proxy-multi)',
    500,
    `no ai instance picked, ${plugin} plugin must be used with ai-proxy or ai-proxy-multi plugin`,
  );
}

/** A protocol APISIX checks but Portico cannot read yet: refuse (500) rather than pass it unread. */
export function unreadableProtocol(ctx: RequestContext, plugin: string, protocol: string): Reply {
  const msg = `unsupported protocol: ${protocol}`;
  ctx.logger.error({ requestId: ctx.requestId, plugin }, msg);
  return { status: 500, body: msg };
}
