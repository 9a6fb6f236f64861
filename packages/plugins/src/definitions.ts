/**
 * Schema-only plugin definitions (`@portico/plugins/definitions`): what the Admin API needs
 * to validate confs. Each comes from its plugin's `schema.ts`, which imports no transport
 * (undici, ioredis, node:net) and no provider runtime, so loading this list loads none.
 *
 * A new plugin adds its definition here and its runtime module in ./index.ts.
 */
import type { PluginDefinition } from '@portico/plugin-sdk';
import { indexPlugins } from '@portico/plugin-helpers';
import { aiProxyMultiDefinition } from './ai-proxy-multi/schema.js';
import { aiProxyDefinition } from './ai-proxy/schema.js';
import { aiRateLimitingDefinition } from './ai-rate-limiting/schema.js';
import { fileLoggerDefinition } from './file-logger/schema.js';
import { httpLoggerDefinition } from './http-logger/schema.js';
import { keyAuthDefinition } from './key-auth/schema.js';
// --- observability ---
import { prometheusDefinition } from './prometheus/schema.js';
import { requestIdDefinition } from './request-id/schema.js';
// --- end observability ---
// Rewrites and policy (issue 12).
import { ipRestrictionDefinition } from './ip-restriction/schema.js';
import { realIpDefinition } from './real-ip/schema.js';
import { trafficSplitDefinition } from './traffic-split/schema.js';
import { uaRestrictionDefinition } from './ua-restriction/schema.js';
// rewrites (branch rewrite)
import { corsDefinition } from './cors/schema.js';
import { faultInjectionDefinition } from './fault-injection/schema.js';
import { proxyRewriteDefinition } from './proxy-rewrite/schema.js';
import { redirectDefinition } from './redirect/schema.js';
import { responseRewriteDefinition } from './response-rewrite/schema.js';
// kafka-logger (issue 13)
import { kafkaLoggerDefinition } from './kafka-logger/schema.js';
// auth plugins (issue 12)
import { basicAuthDefinition } from './basic-auth/schema.js';
import { consumerRestrictionDefinition } from './consumer-restriction/schema.js';
import { hmacAuthDefinition } from './hmac-auth/schema.js';
import { jwtAuthDefinition } from './jwt-auth/schema.js';
// limits (issue 12)
import { limitConnDefinition } from './limit-conn/schema.js';
import { limitCountDefinition } from './limit-count/schema.js';
import { limitReqDefinition } from './limit-req/schema.js';
// ai budgets (issue 15)
import { aiBudgetDefinition } from './ai-budget/schema.js';
// AI prompt plugins (issue 14, branch ai-prompt)
import { aiPromptDecoratorDefinition } from './ai-prompt-decorator/schema.js';
import { aiPromptGuardDefinition } from './ai-prompt-guard/schema.js';
import { aiPromptTemplateDefinition } from './ai-prompt-template/schema.js';
import { aiRequestRewriteDefinition } from './ai-request-rewrite/schema.js';
// --- end AI prompt plugins ---
// ai-cache (issue 14)
import { aiCacheDefinition } from './ai-cache/schema.js';
// AI guard plugins (issue 14, branch ai-guards)
import { aiAwsContentModerationDefinition } from './ai-aws-content-moderation/schema.js';
import { aiLakeraGuardDefinition } from './ai-lakera-guard/schema.js';

/** Every plugin definition Portico ships, in no particular order. */
export const allDefinitions: readonly PluginDefinition[] = [
  httpLoggerDefinition,
  fileLoggerDefinition,
  aiProxyDefinition,
  keyAuthDefinition,
  aiProxyMultiDefinition,
  aiRateLimitingDefinition,
  // observability
  prometheusDefinition,
  requestIdDefinition,
  // Rewrites and policy (issue 12).
  ipRestrictionDefinition,
  uaRestrictionDefinition,
  realIpDefinition,
  trafficSplitDefinition,
  // rewrites (branch rewrite)
  proxyRewriteDefinition,
  responseRewriteDefinition,
  corsDefinition,
  redirectDefinition,
  faultInjectionDefinition,
  // kafka-logger (issue 13)
  kafkaLoggerDefinition,
  // auth plugins (issue 12)
  basicAuthDefinition,
  jwtAuthDefinition,
  hmacAuthDefinition,
  consumerRestrictionDefinition,
  // limits (issue 12)
  limitCountDefinition,
  limitReqDefinition,
  limitConnDefinition,
  // ai budgets (issue 15)
  aiBudgetDefinition,
  // AI prompt plugins (issue 14, branch ai-prompt)
  aiPromptDecoratorDefinition,
  aiPromptTemplateDefinition,
  aiPromptGuardDefinition,
  aiRequestRewriteDefinition,
  // ai-cache (issue 14)
  aiCacheDefinition,
  // AI guard plugins (issue 14)
  aiAwsContentModerationDefinition,
  aiLakeraGuardDefinition,
];

const byName = indexPlugins(allDefinitions);

/** Look a definition up by its APISIX name. */
export function getDefinition(name: string): PluginDefinition | undefined {
  return byName.get(name);
}
