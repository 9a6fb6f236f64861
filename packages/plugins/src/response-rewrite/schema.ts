/**
 * response-rewrite definition (apisix/plugins/response-rewrite.lua, APISIX 3.18): schema,
 * priority 899 and the headers / base64 / vars / filter-regex checks. Runtime in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { exprError, isSecretRef } from '@portico/schemas';
import { compileNgxRegex, RegexError } from '../rewrite-util/pcre.js';
import { decodeNgxBase64 } from './base64.js';

export interface ResponseRewriteFilter {
  regex: string;
  scope: 'once' | 'global';
  replace: string;
  options: string;
}

export interface ResponseRewriteHeaders {
  add?: string[];
  set?: Record<string, string | number>;
  remove?: string[];
}

export interface ResponseRewriteConf {
  max_resp_body_size: number;
  headers?: ResponseRewriteHeaders | Record<string, string | number>;
  body?: string;
  body_base64: boolean;
  status_code?: number;
  vars?: unknown[];
  filters?: ResponseRewriteFilter[];
}

const scalar = { oneOf: [{ type: 'string' }, { type: 'number' }] };

export const responseRewriteSchema = {
  type: 'object',
  properties: {
    max_resp_body_size: {
      type: 'integer',
      minimum: 1,
      default: 67108864,
      description:
        'maximum response body size in bytes buffered into memory when filters are applied; larger responses are truncated',
    },
    headers: {
      description: 'new headers for response',
      anyOf: [
        { type: 'object', minProperties: 1, patternProperties: { '^[^:]+$': scalar } },
        {
          properties: {
            add: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:]+:[^:]*[^/]$' } },
            set: { type: 'object', minProperties: 1, patternProperties: { '^[^:]+$': scalar } },
            remove: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:]+$' } },
          },
        },
      ],
    },
    body: { description: 'new body for response', type: 'string' },
    body_base64: {
      description: 'whether new body for response need base64 decode before return',
      type: 'boolean',
      default: false,
    },
    status_code: { description: 'new status code for response', type: 'integer', minimum: 200, maximum: 598 },
    vars: { type: 'array' },
    filters: {
      description: 'a group of filters that modify response bodyby replacing one specified string by another',
      type: 'array',
      minItems: 1,
      items: {
        description: 'filter that modifies response body',
        type: 'object',
        required: ['regex', 'replace'],
        properties: {
          regex: { description: 'match pattern on response body', type: 'string', minLength: 1 },
          scope: { description: 'regex substitution range', type: 'string', enum: ['once', 'global'], default: 'once' },
          replace: { description: 'regex substitution content', type: 'string' },
          options: { description: 'regex options', type: 'string', default: 'jo' },
        },
      },
    },
  },
  dependencies: {
    body: { not: { required: ['filters'] } },
    filters: { not: { required: ['body'] } },
  },
};

/** is_new_headers_conf: any of add/set/remove is an object (or array). */
export function isNewHeadersConf(h: object): h is ResponseRewriteHeaders {
  const r = h as Record<string, unknown>;
  return [r.add, r.set, r.remove].some((v) => typeof v === 'object' && v !== null);
}

function checkFlatHeaders(h: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(h)) {
    if (typeof value !== 'string' && typeof value !== 'number') return 'invalid type as header value';
    if (field.length === 0) return 'invalid field length in header';
  }
  return undefined;
}

export const responseRewriteDefinition: PluginDefinition<ResponseRewriteConf> = {
  name: 'response-rewrite',
  version: 0.1,
  priority: 899,
  schema: responseRewriteSchema,
  check(conf) {
    if (conf.headers !== undefined && !isNewHeadersConf(conf.headers)) {
      const err = checkFlatHeaders(conf.headers);
      if (err !== undefined) return err;
    }
    const bodyIsRef: boolean = isSecretRef(conf.body);
    if (conf.body_base64 && !bodyIsRef) {
      if (conf.body === undefined || conf.body.length === 0 || decodeNgxBase64(conf.body) === undefined) {
        return 'invalid base64 content';
      }
    }
    if (conf.vars !== undefined) {
      const err = exprError(conf.vars);
      if (err !== undefined) return `failed to validate the 'vars' expression: ${err}`;
    }
    for (const f of conf.filters ?? []) {
      try {
        compileNgxRegex(f.regex, f.options);
      } catch (e) {
        if (!(e instanceof RegexError)) throw e;
        return `regex "${f.regex}" validation failed: ${e.message}`;
      }
    }
    return undefined;
  },
};
