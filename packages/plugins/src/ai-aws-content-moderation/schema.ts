/**
 * ai-aws-content-moderation definition (apisix/plugins/ai-aws-content-moderation.lua at
 * 3.18.0): schema in the Lua table's key order, priority 1031 (3.18 moved it from 1050 to
 * run after ai-proxy picked an instance and before ai-rate-limiting), encrypt_fields.
 * The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { type FailMode, failModeSchema } from '../ai-guard-shared/fail-mode.js';

/** Comprehend's per-segment cap (1 KB) and the smallest segment holding a UTF-8 character. */
export const MAX_SEGMENT_BYTES = 1024;
export const MIN_SEGMENT_BYTES = 4;

export const MODERATION_CATEGORIES = [
  'PROFANITY',
  'HATE_SPEECH',
  'INSULT',
  'HARASSMENT_OR_ABUSE',
  'SEXUAL',
  'VIOLENCE_OR_THREAT',
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

const lengthLimit = { type: 'integer', minimum: MIN_SEGMENT_BYTES, maximum: MAX_SEGMENT_BYTES, default: 1000 };

export const aiAwsContentModerationSchema = {
  type: 'object',
  properties: {
    comprehend: {
      type: 'object',
      properties: {
        access_key_id: { type: 'string' },
        secret_access_key: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string', pattern: '^https?://' },
        ssl_verify: { type: 'boolean', default: true },
      },
      required: ['access_key_id', 'secret_access_key', 'region'],
    },
    moderation_categories: {
      type: 'object',
      patternProperties: {
        [`^(${MODERATION_CATEGORIES.join('|')})$`]: { type: 'number', minimum: 0, maximum: 1 },
      },
      additionalProperties: false,
    },
    moderation_threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
    check_request: { type: 'boolean', default: true },
    check_response: { type: 'boolean', default: false },
    request_check_roles: {
      type: 'array',
      items: { type: 'string', enum: ['user', 'tool', 'system', 'assistant'] },
      minItems: 1,
      uniqueItems: true,
      default: ['user', 'tool', 'system', 'assistant'],
    },
    request_check_mode: { type: 'string', enum: ['last', 'all'], default: 'all' },
    request_check_length_limit: lengthLimit,
    response_check_length_limit: lengthLimit,
    stream_check_mode: { type: 'string', enum: ['realtime', 'final_packet'], default: 'final_packet' },
    stream_check_cache_size: { type: 'integer', minimum: 1, default: 128 },
    stream_check_interval: { type: 'number', minimum: 0.1, default: 3 },
    deny_code: { type: 'integer', minimum: 200, maximum: 599, default: 200 },
    deny_message: { type: 'string' },
    timeout: { type: 'integer', minimum: 1, default: 10000 },
    keepalive: { type: 'boolean', default: true },
    keepalive_timeout: { type: 'integer', minimum: 1000, default: 60000 },
    fail_mode: failModeSchema,
  },
  encrypt_fields: ['comprehend.secret_access_key'],
  required: ['comprehend'],
};

/** A validated conf (defaults applied). */
export interface AiAwsContentModerationConf {
  comprehend: {
    access_key_id: string;
    secret_access_key: string;
    region: string;
    endpoint?: string;
    ssl_verify: boolean;
    /** Undeclared, but read by APISIX for temporary credentials. */
    session_token?: unknown;
  };
  moderation_categories?: Partial<Record<ModerationCategory, number>>;
  moderation_threshold: number;
  check_request: boolean;
  check_response: boolean;
  request_check_roles: Array<'user' | 'tool' | 'system' | 'assistant'>;
  request_check_mode: 'last' | 'all';
  request_check_length_limit: number;
  response_check_length_limit: number;
  stream_check_mode: 'realtime' | 'final_packet';
  stream_check_cache_size: number;
  stream_check_interval: number;
  deny_code: number;
  deny_message?: string;
  timeout: number;
  keepalive: boolean;
  keepalive_timeout: number;
  fail_mode: FailMode;
}

export const aiAwsContentModerationDefinition: PluginDefinition<AiAwsContentModerationConf> = {
  name: 'ai-aws-content-moderation',
  version: 0.1,
  priority: 1031,
  schema: aiAwsContentModerationSchema,
  encryptFields: ['comprehend.secret_access_key'],
};
