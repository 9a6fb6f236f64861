/**
 * ai-lakera-guard (apisix/plugins/ai-lakera-guard.lua, 3.18): in the access phase, after
 * ai-proxy / ai-proxy-multi picked an instance, the conversation (role-tagged turns) is
 * scanned by Lakera Guard (direction input/both). A flagged verdict blocks with `deny_code`
 * and a provider-shaped refusal (or, with `action: alert`, is only logged); Lakera failing
 * denies unless `fail_open`. With direction output/both the LLM's answer is scanned too
 * (./response.ts).
 */
import type { HookResult, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { denyReply } from '../ai-guard-shared/deny.js';
import { notBehindAiProxy, onUnsupported, unreadableProtocol } from '../ai-guard-shared/fail-mode.js';
import {
  type ClientProtocol,
  detectProtocol,
  type GuardMessage,
  guardMessages,
  perProtocol,
} from '../ai-guard-shared/protocol.js';
import { pickedAiRequestBody } from '../ai-guard-shared/request.js';
import { addResponseGuard, type ResponseGuard } from '../ai-shared/response-guards.js';
import { createLakeraClient, type LakeraClient } from './client.js';
import { lakeraResponseGuard } from './response.js';
import { denyText } from './reveal.js';
import { aiLakeraGuardDefinition, type AiLakeraGuardConf } from './schema.js';

const NAME = 'ai-lakera-guard';

export interface LakeraGuardState {
  conf: AiLakeraGuardConf;
  client: LakeraClient;
  /** direction output/both: the response guard per client protocol. */
  responseGuards: Record<ClientProtocol, ResponseGuard>;
}

/** What a scan decided: `deny` is the refusal text when the traffic must be blocked. */
export interface ScanDecision {
  deny?: string;
}

export type Scan = (
  ctx: RequestContext,
  messages: readonly GuardMessage[],
  label: 'request' | 'response',
) => Promise<ScanDecision>;

/**
 * Scan `messages` and decide (APISIX `moderate`): Lakera failing → deny unless fail_open;
 * flagged → log the whole breakdown, then deny unless action is alert.
 */
async function scan(
  ctx: RequestContext,
  state: LakeraGuardState,
  messages: readonly GuardMessage[],
  label: 'request' | 'response',
): Promise<ScanDecision> {
  const { conf } = state;
  if (messages.length === 0) return {};
  const failure = label === 'request' ? conf.request_failure_message : conf.response_failure_message;
  const log = { requestId: ctx.requestId, plugin: NAME };
  const r = await state.client.scan(messages);
  if (!r.ok) {
    if (conf.fail_open) {
      ctx.logger.warn(log, `ai-lakera-guard: ${r.error}; fail_open=true, allowing ${label}`);
      return {};
    }
    ctx.logger.error(log, `ai-lakera-guard: ${r.error}; fail_open=false, blocking ${label}`);
    return { deny: failure };
  }
  const { verdict } = r;
  if (!verdict.flagged) return {};
  ctx.logger.warn(
    log,
    `ai-lakera-guard: ${label} flagged by Lakera Guard, breakdown: ${JSON.stringify(verdict.breakdown ?? null)}, request_uuid: ${verdict.request_uuid ?? ''}`,
  );
  if (conf.action === 'alert') return {};
  return { deny: denyText(failure, conf.reveal_failure_categories, verdict.breakdown) };
}

export function prepareState(conf: AiLakeraGuardConf, client?: LakeraClient): LakeraGuardState {
  // the guards scan through this state (read at request time, after it is built)
  const run: Scan = (ctx, messages, label) => scan(ctx, state, messages, label);
  const state: LakeraGuardState = {
    conf,
    client: client ?? createLakeraClient(conf),
    responseGuards: perProtocol((p) => lakeraResponseGuard(conf, p, run)),
  };
  return state;
}

async function access(ctx: RequestContext, state: LakeraGuardState): Promise<HookResult> {
  const { conf } = state;
  const body = pickedAiRequestBody(ctx);
  if (!body) {
    return notBehindAiProxy(conf.fail_mode, NAME, ctx);
  }
  const detected = detectProtocol(ctx, body);
  if (conf.direction !== 'input') {
    if (detected.supported) addResponseGuard(ctx, state.responseGuards[detected.protocol]);
    else if (detected.protocol !== 'passthrough') return unreadableProtocol(ctx, NAME, detected.protocol);
  }
  if (conf.direction === 'output') return undefined;
  if (!detected.supported) {
    const msg = `unsupported protocol: ${detected.protocol}`;
    if (detected.protocol === 'passthrough') return onUnsupported(conf.fail_mode, NAME, ctx, msg, 500, msg);
    return unreadableProtocol(ctx, NAME, detected.protocol);
  }
  const { deny } = await scan(ctx, state, guardMessages(detected.protocol, body), 'request');
  return deny === undefined ? undefined : denyReply(ctx, detected.protocol, conf.deny_code, deny);
}

export const aiLakeraGuard = definePlugin<AiLakeraGuardConf, LakeraGuardState>(aiLakeraGuardDefinition, {
  prepare: (conf) => prepareState(conf),
  destroy(state) {
    void state.client.close();
  },
  access,
});

export { aiLakeraGuardDefinition, aiLakeraGuardSchema, type AiLakeraGuardConf } from './schema.js';
