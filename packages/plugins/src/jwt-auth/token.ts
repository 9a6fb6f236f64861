/**
 * Where jwt-auth finds the token (apisix/plugins/jwt-auth.lua fetch_jwt_token): the `header`
 * (a `Bearer `/`bearer ` prefix removed), else the `query` argument, else the `cookie`. With
 * `hide_credentials` the source is removed from the upstream request as soon as it is read.
 */
import type { RequestContext } from '@portico/plugin-sdk';
import { firstHeader } from '../auth-util/reply.js';
import { removeQueryArg } from '../key-auth/index.js';

export interface TokenSources {
  /** Lower-case header name. */
  header: string;
  query: string;
  cookie: string;
  hide: boolean;
}

/** The pairs APISIX keeps when it rewrites the Cookie header (its regex, reproduced). */
const COOKIE_PAIR = /([a-zA-Z0-9_-]*)=([a-zA-Z0-9._-]*)/g;

/**
 * The Cookie header without cookie `name`, rebuilt as APISIX does (remove_specified_cookie):
 * only `name=value` pairs made of `[a-zA-Z0-9_-]` names and `[a-zA-Z0-9._-]` values survive,
 * joined with `; `.
 */
export function removeCookie(header: string, name: string): string {
  const kept: string[] = [];
  for (const m of header.matchAll(COOKIE_PAIR)) if (m[1] !== name) kept.push(m[0]);
  return kept.join('; ');
}

function decodeName(k: string): string {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '));
  } catch {
    return k;
  }
}

/** Whether query argument `name` appears more than once (ngx.req.get_uri_args then gives a table). */
export function argRepeated(rawQuery: string, name: string): boolean {
  let seen = 0;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (decodeName(eq < 0 ? part : part.slice(0, eq)) === name && ++seen > 1) return true;
  }
  return false;
}

/**
 * The token, or undefined when none of the sources has one. A query argument sent twice yields
 * an empty token (APISIX hands a Lua table to the parser: `JWT token invalid`).
 */
export function fetchToken(ctx: RequestContext, s: TokenSources): string | undefined {
  const h = firstHeader(ctx, s.header);
  if (h !== undefined) {
    if (s.hide) delete ctx.headers[s.header];
    const prefix = h.slice(0, 7);
    return prefix === 'Bearer ' || prefix === 'bearer ' ? h.slice(7) : h;
  }
  const q = ctx.vars.get(`arg_${s.query}`);
  if (q !== undefined) {
    const repeated = argRepeated(ctx.rawQuery, s.query);
    if (s.hide) ctx.rawQuery = removeQueryArg(ctx.rawQuery, s.query);
    return repeated ? '' : q;
  }
  const c = ctx.vars.get(`cookie_${s.cookie}`);
  if (c === undefined) return undefined;
  if (s.hide) {
    const cookie = firstHeader(ctx, 'cookie');
    if (cookie !== undefined) ctx.headers.cookie = removeCookie(cookie, s.cookie);
  }
  return c;
}
