/**
 * cors runtime (apisix/plugins/cors.lua): the rewrite phase remembers the request's Origin and
 * answers every OPTIONS request with 200; the header filter adds the Access-Control-* and
 * Timing-Allow-Origin headers to every response (upstream, plugin replies and errors alike).
 */
import type { RequestContext, ResponseHead } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { appendHeader } from '../rewrite-util/headers.js';
import type { NgxRegex } from '../rewrite-util/pcre.js';
import {
  allowByMetadata,
  allowByRegex,
  allowByRule,
  compileOriginRegexes,
  originMatches,
  parseOrigins,
  type OriginRule,
} from './origins.js';
import { corsDefinition, type CorsConf } from './schema.js';

export interface CorsState {
  conf: CorsConf;
  origins: OriginRule;
  originsByRegex: NgxRegex | undefined;
  byMetadata: readonly string[] | undefined;
  /** allow_methods with `**` expanded. */
  methods: string;
  maxAge: string;
  timing: OriginRule | undefined;
  timingByRegex: NgxRegex | undefined;
}

/** ctx.shared key of the Origin saved by the rewrite phase (APISIX ctx.original_request_origin). */
const ORIGIN_KEY = 'cors.original_request_origin';
const ALL_METHODS = 'GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE';

function requestHeader(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function prepareCors(conf: CorsConf): CorsState {
  return {
    conf,
    origins: parseOrigins(conf.allow_origins),
    originsByRegex: conf.allow_origins_by_regex === undefined ? undefined : compileOriginRegexes(conf.allow_origins_by_regex),
    byMetadata: conf.allow_origins_by_metadata,
    methods: conf.allow_methods === '**' ? ALL_METHODS : conf.allow_methods,
    maxAge: String(conf.max_age),
    timing: conf.timing_allow_origins === undefined ? undefined : parseOrigins(conf.timing_allow_origins),
    timingByRegex:
      conf.timing_allow_origins_by_regex === undefined ? undefined : compileOriginRegexes(conf.timing_allow_origins_by_regex),
  };
}

function setCorsHeaders(s: CorsState, ctx: RequestContext, h: ResponseHead['headers'], origin: string): void {
  h['access-control-allow-origin'] = origin;
  h['access-control-allow-methods'] = s.methods;
  h['access-control-max-age'] = s.maxAge;
  const expose = s.conf.expose_headers;
  if (expose !== undefined && expose !== '') h['access-control-expose-headers'] = expose;
  if (s.conf.allow_headers === '**') {
    const asked = requestHeader(ctx, 'access-control-request-headers');
    if (asked === undefined) delete h['access-control-allow-headers'];
    else h['access-control-allow-headers'] = asked;
  } else h['access-control-allow-headers'] = s.conf.allow_headers;
  if (s.conf.allow_credential) h['access-control-allow-credentials'] = 'true';
}

export const cors = definePlugin<CorsConf, CorsState>(corsDefinition, {
  prepare: prepareCors,
  rewrite(ctx) {
    // Saved now: a later plugin may change the Origin header.
    const origin = requestHeader(ctx, 'origin');
    if (origin !== undefined) ctx.shared.set(ORIGIN_KEY, origin);
    if (ctx.method === 'OPTIONS') return { status: 200 };
    return undefined;
  },
  headerFilter(ctx, s, head) {
    const reqOrigin = ctx.shared.get(ORIGIN_KEY) as string | undefined;
    const meta = s.byMetadata === undefined ? undefined : ctx.pluginMetadata?.('cors');
    let allowed: string | undefined;
    let checkLocal = false;
    if (s.byMetadata !== undefined) {
      allowed = allowByMetadata(s.byMetadata, meta, reqOrigin);
      if (!originMatches(reqOrigin, allowed) && s.conf.allow_origins !== '*') checkLocal = true;
    } else checkLocal = true;
    if (checkLocal) {
      allowed = s.originsByRegex === undefined ? allowByRule(s.origins, reqOrigin) : allowByRegex(s.originsByRegex, reqOrigin);
    }
    if (!originMatches(reqOrigin, allowed)) allowed = allowByMetadata(s.byMetadata, meta, reqOrigin);
    if (s.conf.allow_origins !== '*') appendHeader(head.headers, 'vary', 'Origin');
    if (allowed !== undefined) setCorsHeaders(s, ctx, head.headers, allowed);

    let timing: string | undefined;
    if (s.timingByRegex === undefined && s.timing !== undefined) timing = allowByRule(s.timing, reqOrigin);
    else if (s.timingByRegex !== undefined) timing = allowByRegex(s.timingByRegex, reqOrigin);
    if (timing !== undefined && originMatches(reqOrigin, timing)) head.headers['timing-allow-origin'] = timing;
  },
});
