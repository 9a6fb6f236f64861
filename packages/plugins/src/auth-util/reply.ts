/**
 * The failure path every APISIX auth plugin shares (basic-auth, jwt-auth, hmac-auth): a 401
 * `{"message": ...}` with a `WWW-Authenticate` challenge, or, with `anonymous_consumer`, the
 * anonymous consumer attached instead (apisix/consumer.lua get_anonymous_consumer).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Reply, RequestContext } from '@portico/plugin-sdk';

/** 401 `{"message": <message>}` with the plugin's challenge header. */
export function unauthorized(message: string, challenge: string): Reply {
  return { status: 401, body: { message }, headers: { 'WWW-Authenticate': challenge } };
}

/**
 * Authentication failed with `error`: attach the anonymous consumer when one is configured and
 * exists (returns undefined: the request goes on), else the 401 APISIX answers. An anonymous
 * consumer that does not exist is logged and answered `Invalid user authorization`.
 */
export function failOrAnonymous(
  ctx: RequestContext,
  plugin: string,
  anonymous: string | undefined,
  error: string,
  challenge: string,
): Reply | undefined {
  if (anonymous === undefined) return unauthorized(error, challenge);
  const consumer = ctx.consumers.byUsername(anonymous);
  if (consumer === undefined) {
    ctx.logger.error(
      { plugin, anonymous_consumer: anonymous },
      `${plugin} failed to authenticate the request, code: 401. error: failed to get anonymous consumer ${anonymous}`,
    );
    return unauthorized('Invalid user authorization', challenge);
  }
  ctx.attachConsumer(consumer);
  return undefined;
}

/** First value of a request header (lower-case name), as `core.request.header` returns it. */
export function firstHeader(ctx: RequestContext, lowerName: string): string | undefined {
  const v = ctx.headers[lowerName];
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time equality of two byte strings (false when the lengths differ). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
