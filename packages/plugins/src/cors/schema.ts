/**
 * cors definition (apisix/plugins/cors.lua, APISIX 3.18): schema, metadata schema, priority
 * 4000 and the credential / regex checks. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { compileNgxRegex, RegexError } from '../rewrite-util/pcre.js';

export interface CorsConf {
  allow_origins: string;
  allow_methods: string;
  allow_headers: string;
  expose_headers?: string;
  max_age: number;
  allow_credential: boolean;
  allow_origins_by_regex?: string[];
  allow_origins_by_metadata?: string[];
  timing_allow_origins?: string;
  timing_allow_origins_by_regex?: string[];
}

export interface CorsMetadata {
  allow_origins?: Record<string, string>;
}

const ORIGINS_PATTERN = '^(\\*|\\*\\*|null|\\w+://[^,]+(,\\w+://[^,]+)*)$';

const regexList = (description: string): Record<string, unknown> => ({
  type: 'array',
  description,
  items: { type: 'string', minLength: 1, maxLength: 4096 },
  minItems: 1,
  uniqueItems: true,
});

export const corsMetadataSchema = {
  type: 'object',
  properties: {
    allow_origins: { type: 'object', additionalProperties: { type: 'string', pattern: ORIGINS_PATTERN } },
  },
};

export const corsSchema = {
  type: 'object',
  properties: {
    allow_origins: {
      description:
        "you can use '*' to allow all origins when no credentials,'**' to allow forcefully(it will bring some security risks, be carefully),multiple origin use ',' to split. default: *.",
      type: 'string',
      pattern: ORIGINS_PATTERN,
      default: '*',
    },
    allow_methods: {
      description:
        "you can use '*' to allow all methods when no credentials,'**' to allow forcefully(it will bring some security risks, be carefully),multiple method use ',' to split. default: *.",
      type: 'string',
      default: '*',
    },
    allow_headers: {
      description:
        "you can use '*' to allow all header when no credentials,'**' to allow forcefully(it will bring some security risks, be carefully),multiple header use ',' to split. default: *.",
      type: 'string',
      default: '*',
    },
    expose_headers: {
      description: "multiple header use ',' to split.If not specified, no custom headers are exposed.",
      type: 'string',
    },
    max_age: {
      description:
        'maximum number of seconds the results can be cached.-1 means no cached, the max value is depend on browser,more details plz check MDN. default: 5.',
      type: 'integer',
      default: 5,
    },
    allow_credential: {
      description:
        "allow client append credential. according to CORS specification,if you set this option to 'true', you can not use '*' for other options.",
      type: 'boolean',
      default: false,
    },
    allow_origins_by_regex: regexList(
      'you can use regex to allow specific origins when no credentials,for example use [.*\\.test.com$] to allow a.test.com and b.test.com',
    ),
    allow_origins_by_metadata: regexList('set allowed origins by referencing origins in plugin metadata'),
    timing_allow_origins: {
      description:
        "you can use '*' to allow all origins which can view timing information when no credentials,'**' to allow forcefully (it will bring some security risks, be careful),multiple origin use ',' to split. default: nil",
      type: 'string',
      pattern: ORIGINS_PATTERN,
    },
    timing_allow_origins_by_regex: regexList(
      'you can use regex to allow specific origins which can view timing information,for example use [.*\\.test.com] to allow a.test.com and b.test.com',
    ),
  },
};

function regexError(list: string[] | undefined): string | undefined {
  if (list === undefined) return undefined;
  for (const r of list) {
    try {
      compileNgxRegex(r, 'j');
    } catch (e) {
      if (e instanceof RegexError) return e.message;
      throw e;
    }
  }
  return undefined;
}

export const corsDefinition: PluginDefinition<CorsConf> = {
  name: 'cors',
  version: 0.1,
  priority: 4000,
  schema: corsSchema,
  metadataSchema: corsMetadataSchema,
  check(conf, schemaType) {
    if (schemaType === 'metadata') return undefined;
    if (
      conf.allow_credential &&
      (conf.allow_origins === '*' ||
        conf.allow_methods === '*' ||
        conf.allow_headers === '*' ||
        conf.expose_headers === '*' ||
        conf.timing_allow_origins === '*')
    ) {
      return "you can not set '*' for other option when 'allow_credential' is true";
    }
    return regexError(conf.allow_origins_by_regex) ?? regexError(conf.timing_allow_origins_by_regex);
  },
};
