/**
 * The plugin registry: every runtime module Portico ships (definition plus hooks), and a
 * lookup by name. The schema-only list the Admin API uses is `@portico/plugins/definitions`;
 * helpers live behind their own subpaths (`/redact`, `/pod-hosts`).
 *
 * A new plugin adds its runtime module here and its definition in ./definitions.ts.
 */
import type { PluginModule } from '@portico/plugin-sdk';
import { indexPlugins } from '@portico/plugin-helpers';
import { aiProxy } from './ai-proxy/index.js';
import { aiProxyMulti } from './ai-proxy-multi/index.js';
import { aiRateLimiting } from './ai-rate-limiting/index.js';
import { fileLogger } from './file-logger/index.js';
import { httpLogger } from './http-logger/index.js';
import { keyAuth } from './key-auth/index.js';
// --- observability (prometheus, request-id) ---
import { prometheus } from './prometheus/index.js';
import { requestId } from './request-id/index.js';
// --- end observability ---
// Rewrites and policy (issue 12): ip-restriction, ua-restriction, real-ip, traffic-split.
import { ipRestriction } from './ip-restriction/index.js';
import { realIp } from './real-ip/index.js';
import { trafficSplit } from './traffic-split/index.js';
import { uaRestriction } from './ua-restriction/index.js';
// rewrites (branch rewrite)
import { cors } from './cors/index.js';
import { faultInjection } from './fault-injection/index.js';
import { proxyRewrite } from './proxy-rewrite/index.js';
import { redirect } from './redirect/index.js';
import { responseRewrite } from './response-rewrite/index.js';
// kafka-logger (issue 13)
import { kafkaLogger } from './kafka-logger/index.js';
// auth plugins (issue 12)
import { basicAuth } from './basic-auth/index.js';
import { consumerRestriction } from './consumer-restriction/index.js';
import { hmacAuth } from './hmac-auth/index.js';
import { jwtAuth } from './jwt-auth/index.js';
// limits (issue 12)
import { limitConn } from './limit-conn/index.js';
import { limitCount } from './limit-count/index.js';
import { limitReq } from './limit-req/index.js';
// ai budgets (issue 15)
import { aiBudget } from './ai-budget/index.js';
// AI prompt plugins (issue 14, branch ai-prompt)
import { aiPromptDecorator } from './ai-prompt-decorator/index.js';
import { aiPromptGuard } from './ai-prompt-guard/index.js';
import { aiPromptTemplate } from './ai-prompt-template/index.js';
import { aiRequestRewrite } from './ai-request-rewrite/index.js';
// --- end AI prompt plugins ---
// ai-cache (issue 14)
import { aiCache } from './ai-cache/index.js';
// AI guard plugins (issue 14, branch ai-guards)
import { aiAwsContentModeration } from './ai-aws-content-moderation/index.js';
import { aiLakeraGuard } from './ai-lakera-guard/index.js';

/** Every plugin Portico ships, in no particular order (the pipeline sorts by priority). */
export const allPlugins: readonly PluginModule[] = [
  httpLogger,
  fileLogger,
  aiProxy,
  keyAuth,
  aiProxyMulti,
  aiRateLimiting,
  // observability
  prometheus,
  requestId,
  // Rewrites and policy (issue 12).
  ipRestriction,
  uaRestriction,
  realIp,
  trafficSplit,
  // rewrites (branch rewrite)
  proxyRewrite,
  responseRewrite,
  cors,
  redirect,
  faultInjection,
  // kafka-logger (issue 13)
  kafkaLogger,
  // auth plugins (issue 12)
  basicAuth,
  jwtAuth,
  hmacAuth,
  consumerRestriction,
  // limits (issue 12)
  limitCount,
  limitReq,
  limitConn,
  // ai budgets (issue 15)
  aiBudget,
  // AI prompt plugins (issue 14, branch ai-prompt)
  aiPromptDecorator,
  aiPromptTemplate,
  aiPromptGuard,
  aiRequestRewrite,
  // ai-cache (issue 14)
  aiCache,
  // AI guard plugins (issue 14)
  aiAwsContentModeration,
  aiLakeraGuard,
];

const byName = indexPlugins(allPlugins);

/** Look a plugin up by its APISIX name. */
export function getPlugin(name: string): PluginModule | undefined {
  return byName.get(name);
}
