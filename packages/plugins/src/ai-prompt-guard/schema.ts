/**
 * ai-prompt-guard definition (apisix/plugins/ai-prompt-guard.lua, APISIX 3.18): schema,
 * priority, version and the pattern check of check_schema. The runtime lives in ./index.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { maxReqBodySizeSchema } from '../ai-prompt-shared/schema.js';
import { compileGuardPattern } from './patterns.js';

export type FailMode = 'skip' | 'warn' | 'error';

export const aiPromptGuardSchema: JsonSchema = {
  type: 'object',
  properties: {
    max_req_body_size: maxReqBodySizeSchema,
    match_all_roles: { type: 'boolean', default: false },
    match_all_conversation_history: { type: 'boolean', default: false },
    allow_patterns: { type: 'array', items: { type: 'string' }, default: [] },
    deny_patterns: { type: 'array', items: { type: 'string' }, default: [] },
    // ai-protocols/binding.lua schema_property("skip").
    fail_mode: {
      type: 'string',
      enum: ['skip', 'warn', 'error'],
      default: 'skip',
      description:
        'Behavior when the request protocol/format is not supported by this AI plugin (e.g. non-AI HTTP traffic on a ' +
        'Consumer-bound plugin, or a request that did not pass through ai-proxy). skip: pass the request through ' +
        'unchecked; warn: pass through and log a warning; error: reject the request.',
    },
  },
};

/** A validated ai-prompt-guard conf (defaults applied). */
export interface AiPromptGuardConf {
  max_req_body_size: number;
  match_all_roles: boolean;
  match_all_conversation_history: boolean;
  allow_patterns: string[];
  deny_patterns: string[];
  fail_mode: FailMode;
}

export const aiPromptGuardDefinition: PluginDefinition<AiPromptGuardConf> = {
  name: 'ai-prompt-guard',
  version: 0.1,
  priority: 1072,
  schema: aiPromptGuardSchema,
  check(conf) {
    for (const p of conf.allow_patterns) if (compileGuardPattern(p) === undefined) return `invalid allow_pattern: ${p}`;
    for (const p of conf.deny_patterns) if (compileGuardPattern(p) === undefined) return `invalid deny_pattern: ${p}`;
    return undefined;
  },
};
