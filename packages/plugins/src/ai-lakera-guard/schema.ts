/**
 * ai-lakera-guard definition (apisix/plugins/ai-lakera-guard/schema.lua and
 * ai-lakera-guard.lua at 3.18.0): schema in the Lua table's key order, priority 1028,
 * encrypt_fields api_key. The runtime lives in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { type FailMode, failModeSchema } from '../ai-guard-shared/fail-mode.js';

export const LAKERA_DEFAULT_ENDPOINT = 'https://api.lakera.ai/v2/guard';

export const aiLakeraGuardSchema = {
  type: 'object',
  properties: {
    api_key: { type: 'string', minLength: 1 },
    lakera_endpoint: { type: 'string', pattern: '^https?://', default: LAKERA_DEFAULT_ENDPOINT },
    project_id: { type: 'string' },
    direction: { type: 'string', enum: ['input', 'output', 'both'], default: 'input' },
    action: { type: 'string', enum: ['block', 'alert'], default: 'block' },
    fail_open: { type: 'boolean', default: false },
    fail_mode: failModeSchema,
    timeout: { type: 'integer', minimum: 1, default: 5000 },
    ssl_verify: { type: 'boolean', default: true },
    reveal_failure_categories: { type: 'boolean', default: false },
    deny_code: { type: 'integer', minimum: 200, maximum: 599, default: 200 },
    request_failure_message: { type: 'string', default: 'Request blocked by Lakera Guard' },
    response_failure_message: { type: 'string', default: 'Response blocked by Lakera Guard' },
  },
  encrypt_fields: ['api_key'],
  required: ['api_key'],
};

/** A validated conf (defaults applied). */
export interface AiLakeraGuardConf {
  api_key: string;
  lakera_endpoint: string;
  project_id?: string;
  direction: 'input' | 'output' | 'both';
  action: 'block' | 'alert';
  fail_open: boolean;
  fail_mode: FailMode;
  timeout: number;
  ssl_verify: boolean;
  reveal_failure_categories: boolean;
  deny_code: number;
  request_failure_message: string;
  response_failure_message: string;
}

export const aiLakeraGuardDefinition: PluginDefinition<AiLakeraGuardConf> = {
  name: 'ai-lakera-guard',
  version: 0.1,
  priority: 1028,
  schema: aiLakeraGuardSchema,
  encryptFields: ['api_key'],
};
