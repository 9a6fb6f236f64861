import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { compileSchema } from '@portico/schemas';
import { checkAiProxyConf, checkProviderRequirements } from '../ai-proxy/schema.js';
import { aiSharedSchemas as s } from '../ai-shared/schema.js';
import type { AiInstanceConf, LoggingConf, TransportConf } from '../ai-shared/types.js';
import { healthCheckerActiveSchema, type ActiveCheckConf } from '../healthcheck/schema.js';
import {
  EXTENSION_ALGORITHMS,
  instanceExtensionProperties,
  pluginExtensionProperties,
  type InstanceExtensions,
  type MultiExtensions,
} from './extensions-schema.js';
import {
  checkSemantic,
  isSemantic,
  semanticInstanceProperties,
  semanticOptsSchema,
  type SemanticOpts,
} from './semantic-schema.js';

/** One `instances[]` entry after schema defaults. */
export interface MultiInstanceConf extends AiInstanceConf, InstanceExtensions {
  name: string;
  priority: number;
  weight: number;
  checks?: { active: ActiveCheckConf };
  /** semantic balancer (3.18) */
  examples?: string[];
  threshold?: number;
}

export type FallbackStrategy =
  | 'instance_health_and_rate_limiting'
  | 'http_429'
  | 'http_5xx'
  | ('rate_limiting' | 'http_429' | 'http_5xx')[];

/** ai-proxy-multi conf after schema defaults. */
export interface AiProxyMultiConf extends TransportConf, MultiExtensions {
  instances: MultiInstanceConf[];
  balancer: {
    /** Also 'semantic' (3.18), read through isSemantic(). */
    algorithm?: 'roundrobin' | 'chash' | (typeof EXTENSION_ALGORITHMS)[number];
    hash_on?: 'vars' | 'header' | 'cookie' | 'consumer' | 'vars_combinations';
    key?: string;
  };
  fallback_strategy?: FallbackStrategy;
  fallback_http_statuses?: number[];
  max_retries?: number;
  retry_on_failure_within_ms?: number;
  logging?: LoggingConf;
  /** semantic balancer (3.18) */
  semantic_opts?: SemanticOpts;
  /** Schema default 64 MiB. */
  max_req_body_size?: number;
}

const instanceSchema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, description: 'Name of the AI service instance.' },
    provider: { ...s.provider, description: 'Type of the AI service instance.' },
    priority: { type: 'integer', description: 'Priority of the provider for load balancing', default: 0 },
    weight: { type: 'integer', minimum: 0 },
    auth: s.auth,
    options: s.options,
    override: s.override,
    provider_conf: s.providerConf,
    checks: {
      type: 'object',
      properties: { active: healthCheckerActiveSchema },
      required: ['active'],
    },
    ...semanticInstanceProperties,
    // Portico extensions (docs/extensions.md).
    ...instanceExtensionProperties,
  },
  required: ['name', 'provider', 'auth', 'weight'],
  if: { properties: { provider: { enum: ['vertex-ai'] } } },
  then: {
    properties: {
      provider_conf: {
        type: 'object',
        properties: {
          project_id: { type: 'string', description: 'Google Cloud Project ID' },
          region: { type: 'string', description: 'Google Cloud Region' },
        },
        required: ['project_id', 'region'],
      },
    },
    oneOf: [{ required: ['provider_conf'] }, { required: ['override'] }],
  },
  else: {},
};

/**
 * `_M.ai_proxy_multi_schema` of apisix/plugins/ai-proxy/schema.lua (3.16) plus the 3.17+
 * `fallback_http_statuses`, `max_retries` and `retry_on_failure_within_ms`, plus Portico's
 * optional extensions (extensions-schema.ts). Key order follows the Lua source.
 */
export const aiProxyMultiSchema: JsonSchema = {
  type: 'object',
  properties: {
    balancer: {
      type: 'object',
      properties: {
        algorithm: { type: 'string', enum: ['chash', 'roundrobin', 'semantic', ...EXTENSION_ALGORITHMS] },
        hash_on: { type: 'string', default: 'vars', enum: ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'] },
        key: { description: 'the key of chash for dynamic load balancing', type: 'string' },
      },
      default: { algorithm: 'roundrobin' },
    },
    instances: { type: 'array', minItems: 1, items: instanceSchema },
    semantic_opts: semanticOptsSchema,
    logging: s.logging,
    fallback_strategy: {
      anyOf: [
        { type: 'string', enum: ['instance_health_and_rate_limiting', 'http_429', 'http_5xx'] },
        { type: 'array', items: { type: 'string', enum: ['rate_limiting', 'http_429', 'http_5xx'] } },
      ],
    },
    fallback_http_statuses: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'integer', minimum: 400, maximum: 599 },
    },
    max_retries: { type: 'integer', minimum: 0 },
    retry_on_failure_within_ms: { type: 'integer', minimum: 1 },
    max_req_body_size: s.maxReqBodySize,
    ...s.transportProperties,
    // Portico extensions (docs/extensions.md).
    ...pluginExtensionProperties,
  },
  required: ['instances'],
};

// ai-proxy-multi.lua endpoint_regex `^(https?)://([^:/]+):?(%d*)/?.*$` as a JS RegExp.
const ENDPOINT_RE = /^(https?):\/\/([^:/]+):?(\d*)\/?.*$/s;

// apisix/schema_def.lua upstream_hash_*_schema, used for balancer.key (A-z kept as in APISIX).
const hashKeySchemas: Record<string, JsonSchema | undefined> = {
  vars: {
    type: 'string',
    pattern:
      '^((uri|server_name|server_addr|request_uri|remote_port|remote_addr|query_string|host|hostname|mqtt_client_id)|arg_[0-9a-zA-z_-]+)$',
  },
  header: { type: 'string', pattern: '^[a-zA-Z0-9-_]+$' },
  cookie: { type: 'string', pattern: '^[a-zA-Z0-9-_]+$' },
  vars_combinations: { type: 'string' },
  consumer: undefined,
};

/** ai-proxy-multi.lua check_schema after the JSON schema, with APISIX's error strings (3.18 order). */
export function checkAiProxyMultiConf(conf: AiProxyMultiConf): string | undefined {
  const seen = new Map<string, number>();
  for (const [i0, inst] of conf.instances.entries()) {
    const i = i0 + 1;
    const prev = seen.get(inst.name);
    if (prev !== undefined) return `duplicate instance name '${inst.name}' at instances[${prev}] and instances[${i}]`;
    seen.set(inst.name, i);
    const endpoint = inst.override?.endpoint;
    if (endpoint !== undefined && !ENDPOINT_RE.test(endpoint)) return 'invalid endpoint';
    const gcpErr = checkAiProxyConf(inst);
    if (gcpErr) return gcpErr;
    const reqErr = checkProviderRequirements(inst);
    if (reqErr) return `instance '${inst.name}': ${reqErr}`;
  }
  const { algorithm, hash_on: hashOn, key } = conf.balancer ?? {};
  if (algorithm === 'chash') {
    if (!hashOn) return 'must configure `hash_on` when balancer algorithm is chash';
    if (hashOn !== 'consumer' && key === undefined) {
      return 'must configure `hash_key` when balancer `hash_on` is not set to cookie';
    }
    if (!(hashOn in hashKeySchemas)) return `type is chash, err: invalid hash_on type ${hashOn}`;
    const ks = hashKeySchemas[hashOn];
    if (ks) {
      const err = compileSchema(ks)(key);
      if (err !== undefined) return `invalid configuration: ${err}`;
    }
  }
  if (isSemantic(conf)) return checkSemantic(conf.semantic_opts, conf.instances);
  return undefined;
}

/** Admin-side definition of ai-proxy-multi (name, priority, schema, check). */
export const aiProxyMultiDefinition = {
  name: 'ai-proxy-multi',
  priority: 1041,
  version: 0.5,
  schema: aiProxyMultiSchema,
  check: (conf: AiProxyMultiConf) => checkAiProxyMultiConf(conf),
} satisfies PluginDefinition<AiProxyMultiConf>;
