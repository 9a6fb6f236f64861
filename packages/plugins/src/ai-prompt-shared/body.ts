/**
 * Request-body access for the AI prompt plugins, as APISIX's `core.request.get_body(max_size)`
 * and `core.json.decode` behave (apisix/core/request.lua, apisix/core/json.lua).
 */
import type { RequestContext } from '@portico/plugin-sdk';
import { cjsonDecodeError } from '../ai-shared/cjson-error.js';

/** get_body's outcome: the bytes, no body at all, or a size error (APISIX's text). */
export type BodyRead =
  | { readonly kind: 'body'; readonly raw: Buffer }
  | { readonly kind: 'empty' }
  | { readonly kind: 'too-large'; readonly error: string };

const sizeError = (size: number, max: number): string => `request size ${size} is greater than the maximum size ${max} allowed`;

/**
 * `core.request.get_body(max)`: a Content-Length above `max` fails before anything is read;
 * otherwise the body is read and its length checked. An empty body is `empty` (nil, nil).
 */
export async function readBodyLimited(ctx: RequestContext, max: number): Promise<BodyRead> {
  const cl = ctx.headers['content-length'];
  const declared = typeof cl === 'string' && /^\d+$/.test(cl) ? Number(cl) : undefined;
  if (declared !== undefined && declared > max) return { kind: 'too-large', error: sizeError(declared, max) };
  const raw = await ctx.readBody();
  if (raw.length === 0) return { kind: 'empty' };
  if (raw.length > max) return { kind: 'too-large', error: sizeError(raw.length, max) };
  return { kind: 'body', raw };
}

/** `core.json.decode`: the value, or lua-cjson's error text. */
export type JsonDecoded = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export function decodeJson(raw: Buffer): JsonDecoded {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false, error: cjsonDecodeError(raw) ?? 'invalid JSON' };
  }
}

/** A decoded JSON object (the only body shape the prompt plugins can edit). */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `ngx.req.set_body_data(text)`: the new body for later plugins and the upstream, with
 * Content-Length updated as lua-nginx-module does (later `get_body(max)` checks read it).
 */
export function replaceBody(ctx: RequestContext, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  ctx.setBody(buf);
  ctx.headers['content-length'] = String(buf.length);
}
