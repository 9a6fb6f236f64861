/**
 * redirect definition (apisix/plugins/redirect.lua, APISIX 3.18): schema, priority 900 and
 * the regex_uri / http_to_https checks. The runtime (rewrite hook) lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { compileNgxRegex, compileReplacement, ngxSub, RegexError } from '../rewrite-util/pcre.js';

export interface RedirectConf {
  ret_code: number;
  uri?: string;
  regex_uri?: [string, string];
  http_to_https?: boolean;
  encode_uri: boolean;
  append_query_string: boolean;
}

/** The `uri` template grammar: `\$name` (kept), `${name}`, `$name`, or other text. */
export const REDIRECT_URI_PATTERN = '(\\\\\\$[0-9a-zA-Z_]+)|\\$\\{([0-9a-zA-Z_]+)\\}|\\$([0-9a-zA-Z_]+)|(\\$|[^$\\\\]+)';

export const redirectSchema = {
  type: 'object',
  properties: {
    ret_code: { type: 'integer', minimum: 200, default: 302 },
    uri: { type: 'string', minLength: 2, pattern: REDIRECT_URI_PATTERN },
    regex_uri: {
      description:
        'params for generating new uri that substitute from client uri, first param is regular expression, the second one is uri template',
      type: 'array',
      maxItems: 2,
      minItems: 2,
      items: { description: 'regex uri', type: 'string' },
    },
    http_to_https: { type: 'boolean' },
    encode_uri: { type: 'boolean', default: false },
    append_query_string: { type: 'boolean', default: false },
  },
  oneOf: [{ required: ['uri'] }, { required: ['regex_uri'] }, { required: ['http_to_https'] }],
};

export const redirectDefinition: PluginDefinition<RedirectConf> = {
  name: 'redirect',
  version: 0.1,
  priority: 900,
  schema: redirectSchema,
  check(conf) {
    if (conf.regex_uri !== undefined && conf.regex_uri.length > 0) {
      const [pattern, replacement] = conf.regex_uri;
      try {
        ngxSub('/fake_uri', compileNgxRegex(pattern), compileReplacement(replacement));
      } catch (e) {
        if (!(e instanceof RegexError)) throw e;
        return `invalid regex_uri (${pattern}, ${replacement}), err:${e.message}`;
      }
    }
    if (conf.http_to_https && conf.append_query_string) {
      return 'only one of `http_to_https` and `append_query_string` can be configured.';
    }
    return undefined;
  },
};
