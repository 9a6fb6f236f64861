/**
 * redirect runtime (apisix/plugins/redirect.lua): in the rewrite phase, answer `ret_code` with
 * a `Location` built from the `uri` template, the `regex_uri` substitution of `$uri`, or
 * `https://$host$request_uri` (`http_to_https`, 301 for GET/HEAD, else 308).
 */
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { compileNgxRegex, compileReplacement, ngxSub, type NgxRegex, type Replacement } from '../rewrite-util/pcre.js';
import { uriSafeEncode } from '../rewrite-util/uri-encode.js';
import { REDIRECT_URI_PATTERN, redirectDefinition, type RedirectConf } from './schema.js';

/** A parsed `uri` template: literal text or a variable name. */
type Seg = { text: string } | { name: string };

export interface RedirectState {
  retCode: number;
  uri: readonly Seg[] | undefined;
  regex: { re: NgxRegex; rep: Replacement; pattern: string; template: string } | undefined;
  httpToHttps: boolean;
  encodeUri: boolean;
  appendQueryString: boolean;
}

/** redirect.lua parse_uri: `\$name` stays literal (backslash included); text the grammar skips is dropped. */
export function parseRedirectUri(uri: string): Seg[] {
  const segs: Seg[] = [];
  for (const m of uri.matchAll(new RegExp(REDIRECT_URI_PATTERN, 'gi'))) {
    if (m[2] !== undefined || m[3] !== undefined) segs.push({ name: (m[2] ?? m[3])! });
    else segs.push({ text: (m[1] ?? m[4])! });
  }
  return segs;
}

function render(segs: readonly Seg[], ctx: RequestContext): string {
  let out = '';
  for (const s of segs) out += 'text' in s ? s.text : (ctx.vars.get(s.name) ?? '');
  return out;
}

const HTTPS_URI = parseRedirectUri('https://$host$request_uri');

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export const redirect = definePlugin<RedirectConf, RedirectState>(redirectDefinition, {
  prepare(conf) {
    return {
      retCode: conf.ret_code,
      uri: conf.uri === undefined ? undefined : parseRedirectUri(conf.uri),
      regex:
        conf.regex_uri === undefined
          ? undefined
          : {
              re: compileNgxRegex(conf.regex_uri[0]),
              rep: compileReplacement(conf.regex_uri[1]),
              pattern: conf.regex_uri[0],
              template: conf.regex_uri[1],
            },
      httpToHttps: conf.http_to_https === true,
      encodeUri: conf.encode_uri,
      appendQueryString: conf.append_query_string,
    };
  },
  rewrite(ctx, s): Reply | undefined {
    let retCode = s.retCode;
    let uri = s.uri;
    // Portico listens on plain HTTP only: the scheme is X-Forwarded-Proto or "http".
    const scheme = header(ctx, 'x-forwarded-proto') ?? ctx.vars.get('scheme') ?? 'http';
    if (s.httpToHttps && scheme !== 'https') {
      uri = HTTPS_URI;
      retCode = ctx.method === 'GET' || ctx.method === 'HEAD' ? 301 : 308;
    }
    let location: string | undefined;
    if (uri !== undefined) location = render(uri, ctx);
    else if (s.regex !== undefined) {
      const { out, n } = ngxSub(ctx.uri, s.regex.re, s.regex.rep);
      if (n < 1) return undefined;
      location = out;
    }
    if (location === undefined) return undefined;
    const q = location.indexOf('?');
    if (s.encodeUri) {
      location = q >= 0 ? uriSafeEncode(location.slice(0, q)) + location.slice(q) : uriSafeEncode(location);
    }
    if (s.appendQueryString && ctx.rawQuery !== '') {
      location += (q >= 0 ? '&' : '?') + ctx.rawQuery;
    }
    return { status: retCode, headers: { location } };
  },
});
