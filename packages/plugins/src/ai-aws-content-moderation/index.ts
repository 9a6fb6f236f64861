/**
 * ai-aws-content-moderation (apisix/plugins/ai-aws-content-moderation.lua, 3.18): in the
 * access phase, after ai-proxy / ai-proxy-multi picked an instance, the request's message
 * texts are scored by AWS Comprehend DetectToxicContent; a category or toxicity score above
 * its threshold ends the request with `deny_code` and a provider-shaped refusal, so the LLM
 * never sees it. Comprehend failing fails the request closed (500 with the error text).
 * With check_response the LLM's answer is moderated too (./response.ts).
 */
import type { HookResult, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { denyReply } from '../ai-guard-shared/deny.js';
import { notBehindAiProxy, onUnsupported, unreadableProtocol } from '../ai-guard-shared/fail-mode.js';
import {
  type ClientProtocol,
  detectProtocol,
  extractSystemContent,
  extractTurnContent,
  perProtocol,
} from '../ai-guard-shared/protocol.js';
import { pickedAiRequestBody } from '../ai-guard-shared/request.js';
import { addResponseGuard, type ResponseGuard } from '../ai-shared/response-guards.js';
import { createComprehendClient, type ComprehendClient } from './comprehend.js';
import { type Moderate, responseGuard } from './response.js';
import { aiAwsContentModerationDefinition, type AiAwsContentModerationConf } from './schema.js';
import { batches } from './segments.js';
import { type Thresholds, verdict } from './verdict.js';

const NAME = 'ai-aws-content-moderation';

/** Derived once per conf revision. */
export interface AwsModerationState {
  conf: AiAwsContentModerationConf;
  client: ComprehendClient;
  categories: Thresholds;
  checkSystem: boolean;
  /** Selected roles other than system (they follow request_check_mode). */
  turnRoles: ReadonlySet<string>;
  /** check_response: the response guard per client protocol. */
  responseGuards: Record<ClientProtocol, ResponseGuard>;
}

export function prepareState(conf: AiAwsContentModerationConf, client?: ComprehendClient): AwsModerationState {
  const turnRoles = new Set<string>(conf.request_check_roles.filter((r) => r !== 'system'));
  // the guards score through this state (read at request time, after it is built)
  const score: Moderate = (ctx, text, subject, limit) => moderate(ctx, state, text, subject, limit);
  const state: AwsModerationState = {
    conf,
    client: client ?? createComprehendClient(conf),
    categories: new Map(Object.entries(conf.moderation_categories ?? {})),
    checkSystem: conf.request_check_roles.includes('system'),
    turnRoles,
    responseGuards: perProtocol((p) => responseGuard(conf, p, score)),
  };
  return state;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The texts to moderate, joined with " " as APISIX sends them. */
function requestText(state: AwsModerationState, protocol: ClientProtocol, body: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (state.checkSystem) parts.push(...extractSystemContent(protocol, body));
  if (state.turnRoles.size > 0) {
    parts.push(...extractTurnContent(protocol, body, state.conf.request_check_mode, state.turnRoles));
  }
  return parts.join(' ');
}

/** Deny reason, or an error string when Comprehend could not score the text. */
async function moderate(
  ctx: RequestContext,
  state: AwsModerationState,
  text: string,
  subject: string,
  limit: number,
): Promise<{ reason?: string; error?: string }> {
  const { conf } = state;
  for (const batch of batches(text, limit)) {
    const r = await state.client.detect(batch);
    if (!r.ok) {
      ctx.logger.error({ requestId: ctx.requestId, plugin: NAME, ...(r.awsError ? { awsError: r.awsError } : {}) }, r.error);
      return { error: r.error };
    }
    const reason = verdict(r.results, state.categories, conf.moderation_threshold, subject);
    if (reason) {
      ctx.vars.set('llm_content_risk_level', 'high');
      return { reason };
    }
  }
  if (ctx.vars.get('llm_content_risk_level') !== 'high') ctx.vars.set('llm_content_risk_level', 'none');
  return {};
}

async function access(ctx: RequestContext, state: AwsModerationState): Promise<HookResult> {
  const { conf } = state;
  const body = pickedAiRequestBody(ctx);
  if (!body) {
    return notBehindAiProxy(conf.fail_mode, NAME, ctx);
  }
  const detected = detectProtocol(ctx, body);
  if (conf.check_response) {
    if (detected.supported) addResponseGuard(ctx, state.responseGuards[detected.protocol]);
    else if (detected.protocol !== 'passthrough') return unreadableProtocol(ctx, NAME, detected.protocol);
  }
  if (!conf.check_request) return undefined;
  const ct = header(ctx, 'content-type')?.toLowerCase();
  if (ct !== undefined && !ct.startsWith('application/json')) {
    const msg = `unsupported content-type: ${ct}`;
    return onUnsupported(conf.fail_mode, NAME, ctx, msg, 400, `${msg}, only application/json is supported`);
  }
  if (!detected.supported) {
    const msg = `unsupported protocol: ${detected.protocol}`;
    if (detected.protocol === 'passthrough') return onUnsupported(conf.fail_mode, NAME, ctx, msg, 500, msg);
    return unreadableProtocol(ctx, NAME, detected.protocol);
  }
  const text = requestText(state, detected.protocol, body);
  if (text === '') return undefined;
  const { reason, error } = await moderate(ctx, state, text, 'request body', conf.request_check_length_limit);
  if (error !== undefined) return { status: 500, body: error };
  if (reason === undefined) return undefined;
  return denyReply(ctx, detected.protocol, conf.deny_code, conf.deny_message ?? reason);
}

export const aiAwsContentModeration = definePlugin<AiAwsContentModerationConf, AwsModerationState>(
  aiAwsContentModerationDefinition,
  {
    prepare: (conf) => prepareState(conf),
    destroy(state) {
      void state.client.close();
    },
    access,
  },
);

export { aiAwsContentModerationDefinition, aiAwsContentModerationSchema, type AiAwsContentModerationConf } from './schema.js';
