import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { redisPolicySchemas, type RedisConfFields } from '../redis-policy/schema.js';

/**
 * ai-budget (a Portico extension, not an APISIX plugin): spend on LLM calls in money, per
 * consumer and/or route, against daily and monthly budgets. Prices per model live in the
 * plugin's metadata (`/apisix/admin/plugin_metadata/ai-budget`); spend is charged in the log
 * phase from the usage ai-proxy / ai-proxy-multi recorded, and checked in access.
 */
export const AI_BUDGET = 'ai-budget';

export const BUDGET_PERIODS = ['day', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const BUDGET_SCOPES = ['consumer', 'route', 'consumer_route'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

export const aiBudgetSchema: JsonSchema = {
  type: 'object',
  properties: {
    budgets: {
      type: 'array',
      minItems: 1,
      maxItems: 2,
      description: 'At most one budget per period; a request is refused once any of them is spent.',
      items: {
        type: 'object',
        properties: {
          period: { type: 'string', enum: [...BUDGET_PERIODS], description: 'UTC calendar day or month' },
          limit: { type: 'number', exclusiveMinimum: 0, description: 'Money per period, in the metadata currency' },
        },
        required: ['period', 'limit'],
      },
    },
    scope: {
      type: 'string',
      enum: [...BUDGET_SCOPES],
      default: 'consumer',
      description: 'Whose spend is counted: the consumer (across routes), the route, or the consumer on this route',
    },
    rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 429 },
    rejected_msg: { type: 'string', minLength: 1 },
    show_budget_header: { type: 'boolean', default: true },
    policy: { type: 'string', enum: ['local', 'redis', 'redis-cluster'], default: 'local' },
    allow_degradation: { type: 'boolean', default: false },
  },
  required: ['budgets'],
  if: { properties: { policy: { enum: ['redis'] } } },
  then: redisPolicySchemas.redis,
  else: {
    if: { properties: { policy: { enum: ['redis-cluster'] } } },
    then: redisPolicySchemas['redis-cluster'],
  },
};

const priceSchema = {
  type: 'object',
  properties: {
    input: { type: 'number', minimum: 0, description: 'Price per 1M prompt tokens' },
    output: { type: 'number', minimum: 0, description: 'Price per 1M completion tokens' },
    cached_input: { type: 'number', minimum: 0, description: 'Price per 1M cached prompt tokens (default: input)' },
  },
  required: ['input', 'output'],
} as const;

/** plugin_metadata: the price list every ai-budget conf charges with. */
export const aiBudgetMetadataSchema: JsonSchema = {
  type: 'object',
  properties: {
    currency: { type: 'string', minLength: 1, maxLength: 16, default: 'USD' },
    prices: {
      type: 'object',
      description: 'Model name (exact, or with one "*" wildcard) → prices per 1M tokens',
      patternProperties: { '^.+$': priceSchema },
      additionalProperties: false,
      default: {},
    },
    default_price: priceSchema,
  },
};

export interface ModelPrice {
  input: number;
  output: number;
  cached_input?: number;
}

export interface AiBudgetMetadata {
  currency: string;
  prices: Record<string, ModelPrice>;
  default_price?: ModelPrice;
}

/** A validated ai-budget conf (defaults applied). */
export interface AiBudgetConf extends RedisConfFields {
  budgets: { period: BudgetPeriod; limit: number }[];
  scope: BudgetScope;
  rejected_code: number;
  rejected_msg?: string;
  show_budget_header: boolean;
  policy: 'local' | 'redis' | 'redis-cluster';
  allow_degradation: boolean;
}

function checkConf(conf: AiBudgetConf): string | undefined {
  const seen = new Set<string>();
  for (const b of conf.budgets) {
    if (seen.has(b.period)) return `duplicate budget period '${b.period}'`;
    seen.add(b.period);
  }
  return undefined;
}

function checkMetadata(meta: AiBudgetMetadata): string | undefined {
  for (const name of Object.keys(meta.prices ?? {})) {
    if (name.indexOf('*') !== name.lastIndexOf('*')) return `price key '${name}' has more than one '*'`;
  }
  return undefined;
}

/** Schema-only definition (priority 1031: after ai-cache 1035, before ai-rate-limiting 1030). */
export const aiBudgetDefinition: PluginDefinition<AiBudgetConf> = {
  name: AI_BUDGET,
  priority: 1031,
  version: 0.1,
  schema: aiBudgetSchema,
  metadataSchema: aiBudgetMetadataSchema,
  encryptFields: ['redis_password'],
  check(conf, schemaType) {
    if (schemaType === 'metadata') return checkMetadata(conf as unknown as AiBudgetMetadata);
    return checkConf(conf);
  },
};
