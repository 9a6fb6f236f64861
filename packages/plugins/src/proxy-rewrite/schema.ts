/**
 * proxy-rewrite definition (apisix/plugins/proxy-rewrite.lua, APISIX 3.18): schema, priority
 * 1008 and the regex_uri / flat-headers checks. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { isSecretRef } from '@portico/schemas';
import { validHeaderField, validHeaderValue } from '../rewrite-util/headers.js';
import { compileNgxRegex, compileReplacement, ngxSub, RegexError } from '../rewrite-util/pcre.js';

export type HeaderValue = string | number | (string | number)[];

export interface NewHeadersConf {
  add?: Record<string, HeaderValue>;
  set?: Record<string, HeaderValue>;
  remove?: string[];
}

export interface ProxyRewriteConf {
  uri?: string;
  method?: string;
  regex_uri?: string[];
  host?: string;
  /** Either the add/set/remove form or the older flat `{name: value}` form (a set). */
  headers?: NewHeadersConf | Record<string, string | number>;
  use_real_request_uri_unsafe: boolean;
}

/** The methods `ngx.req.set_method` knows (proxy-rewrite.lua switch_map), in its pairs order. */
export const PROXY_REWRITE_METHODS = [
  'GET',
  'POST',
  'PUT',
  'HEAD',
  'DELETE',
  'OPTIONS',
  'MKCOL',
  'COPY',
  'MOVE',
  'PROPFIND',
  'LOCK',
  'UNLOCK',
  'PATCH',
  'TRACE',
];

const scalar = [{ type: 'string' }, { type: 'number' }];
const multiValue = {
  patternProperties: {
    '^[^:]+$': { oneOf: [...scalar, { type: 'array', minItems: 1, items: { oneOf: scalar } }] },
  },
};

export const proxyRewriteSchema = {
  type: 'object',
  properties: {
    uri: { description: 'new uri for upstream', type: 'string', minLength: 1, maxLength: 4096, pattern: '^\\/.*' },
    method: { description: 'proxy route method', type: 'string', enum: PROXY_REWRITE_METHODS },
    regex_uri: {
      description: 'new uri that substitute from client uri for upstream, lower priority than uri property',
      type: 'array',
      minItems: 2,
      items: { description: 'regex uri', type: 'string' },
    },
    host: { description: 'new host for upstream', type: 'string', pattern: '^[0-9a-zA-Z-.]+(:\\d{1,5})?$' },
    headers: {
      description: 'new headers for request',
      oneOf: [
        {
          type: 'object',
          minProperties: 1,
          additionalProperties: false,
          properties: {
            add: { type: 'object', minProperties: 1, ...multiValue },
            set: { type: 'object', minProperties: 1, ...multiValue },
            remove: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:]+$' } },
          },
        },
        {
          type: 'object',
          minProperties: 1,
          patternProperties: { '^[^:]+$': { oneOf: scalar } },
        },
      ],
    },
    use_real_request_uri_unsafe: {
      description: 'use real_request_uri instead, THIS IS VERY UNSAFE.',
      type: 'boolean',
      default: false,
    },
  },
  minProperties: 1,
};

/** is_new_headers_conf: any of add/set/remove is an object (or array). */
export function isNewHeadersConf(h: object): h is NewHeadersConf {
  const r = h as Record<string, unknown>;
  return [r.add, r.set, r.remove].some((v) => typeof v === 'object' && v !== null);
}

/** check_set_headers of the flat form. */
function checkFlatHeaders(h: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(h)) {
    if (typeof value !== 'string' && typeof value !== 'number') return 'invalid type as header value';
    if (field.length === 0) return 'invalid field length in header';
    if (!validHeaderField(field)) return 'invalid field character in header';
    if (!validHeaderValue(value)) return 'invalid value character in header';
  }
  return undefined;
}

export const proxyRewriteDefinition: PluginDefinition<ProxyRewriteConf> = {
  name: 'proxy-rewrite',
  version: 0.1,
  priority: 1008,
  schema: proxyRewriteSchema,
  check(conf) {
    const ru = conf.regex_uri;
    if (ru !== undefined && ru.length > 0) {
      if (ru.length % 2 !== 0) return 'The length of regex_uri should be an even number';
      for (let i = 0; i < ru.length; i += 2) {
        const pattern = ru[i]!;
        const replacement = ru[i + 1]!;
        if (isSecretRef(pattern)) continue;
        try {
          ngxSub('/fake_uri', compileNgxRegex(pattern), compileReplacement(isSecretRef(replacement) ? '' : replacement));
        } catch (e) {
          if (!(e instanceof RegexError)) throw e;
          return `invalid regex_uri(${pattern}, ${replacement}): ${e.message}`;
        }
      }
    }
    if (conf.headers !== undefined && !isNewHeadersConf(conf.headers)) return checkFlatHeaders(conf.headers);
    return undefined;
  },
};
