import type { JsonSchema } from '@portico/plugin-sdk';

// Portico extensions of ai-proxy-multi (issue 15, docs/extensions.md). Every field is optional
// and has no default that changes behaviour: a conf without them behaves exactly as APISIX's.

/** Model routing (plugin level). */
export interface ModelRoutingConf {
  /** Accept the client's ordered `models` list (strings or `{provider, model}`). */
  allow_client_models: boolean;
  /** No instance serves the requested model: answer 400 (`reject`) or use every instance (`any`). */
  on_no_match: 'reject' | 'any';
  /** A name the client may ask for → the ordered models it stands for (tried in turn). */
  aliases?: Record<string, string[]>;
}

/** Stream failover (plugin level). */
export interface StreamFailoverConf {
  /** Default first-token timeout of instances without their own. */
  first_token_timeout_ms?: number;
  /** Send `: keep-alive` SSE comments at this interval while waiting for the first token. */
  keepalive_interval_ms?: number;
}

/** Cooldowns (plugin level). */
export interface CooldownConf {
  max_fails: number;
  /** Window (seconds) in which `max_fails` failures put the instance in cooldown. */
  fail_timeout: number;
  /** Cooldown length in seconds (Retry-After / x-ratelimit-reset-* take precedence). */
  duration: number;
  /** Use the provider's Retry-After / x-ratelimit-reset-* as the exact cooldown. */
  honor_retry_after: boolean;
}

/** Extension fields of one instance. */
export interface InstanceExtensions {
  /** Model names, aliases and `*` wildcards this instance serves (model routing). */
  models?: string[];
  first_token_timeout_ms?: number;
}

/** Extension fields at the plugin's top level. */
export interface MultiExtensions {
  model_routing?: ModelRoutingConf;
  stream_failover?: StreamFailoverConf;
  cooldown?: CooldownConf;
}

export const EXTENSION_ALGORITHMS = ['least_latency', 'least_busy'] as const;

export const instanceExtensionProperties: Record<string, JsonSchema> = {
  models: {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: 256 },
    description:
      'Portico extension: model names this instance serves, matched against the client `model` ' +
      '(exact names, aliases, and `*` wildcards such as `gpt-4o*`).',
  },
  first_token_timeout_ms: {
    type: 'integer',
    minimum: 1,
    description: 'Portico extension: fail over to the next instance when no first token arrived within this many ms.',
  },
};

export const pluginExtensionProperties: Record<string, JsonSchema> = {
  model_routing: {
    type: 'object',
    properties: {
      allow_client_models: { type: 'boolean', default: false },
      on_no_match: { type: 'string', enum: ['reject', 'any'], default: 'reject' },
      aliases: {
        type: 'object',
        patternProperties: {
          '^.+$': { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        additionalProperties: false,
        description: 'A model name the client may send → the ordered list of models it stands for, tried in turn.',
      },
    },
    additionalProperties: false,
    description: 'Portico extension: pick the instance from the model the client asks for.',
  },
  stream_failover: {
    type: 'object',
    properties: {
      first_token_timeout_ms: { type: 'integer', minimum: 1 },
      keepalive_interval_ms: { type: 'integer', minimum: 100 },
    },
    additionalProperties: false,
    description:
      'Portico extension: a stream fails over invisibly until its first token reached the client, ' +
      'then ends with an SSE error event.',
  },
  cooldown: {
    type: 'object',
    properties: {
      max_fails: { type: 'integer', minimum: 1, default: 3 },
      fail_timeout: { type: 'number', exclusiveMinimum: 0, default: 10 },
      duration: { type: 'number', exclusiveMinimum: 0, default: 30 },
      honor_retry_after: { type: 'boolean', default: true },
    },
    additionalProperties: false,
    description:
      'Portico extension: skip an instance that failed max_fails times within fail_timeout seconds, ' +
      'shared by the workers of a data plane.',
  },
};
