/**
 * ai-lakera-guard (apisix/plugins/ai-lakera-guard.lua, 3.18): in the access phase, after
 * ai-proxy / ai-proxy-multi picked an instance, the conversation (role-tagged turns) is
 * scanned by Lakera Guard. A flagged verdict blocks with `deny_code` and a provider-shaped
 * refusal (or, with `action: alert`, is only logged); Lakera failing denies unless
 * `fail_open`.
 */
import type { HookResult, RequestContext } from '@portico/plugin-sdk';
import { definePlugin } from '@portico/plugin-helpers';
import { denyReply } from '../ai-guard-shared/deny.js';
import { onUnsupported } from '../ai-guard-shared/fail-mode.js';
import { detectProtocol, guardMessages } from '../ai-guard-shared/protocol.js';
import { pickedAiRequestBody } from '../ai-guard-shared/request.js';
import { createLakeraClient, type LakeraClient } from './client.js';
import { denyText } from './reveal.js';
import { aiLakeraGuardDefinition, type AiLakeraGuardConf } from './schema.js';

const NAME = 'ai-lakera-guard';

export interface LakeraGuardState {
  conf: AiLakeraGuardConf;
  client: LakeraClient;
}

export function prepareState(conf: AiLakeraGuardConf, client?: LakeraClient): LakeraGuardState {
  return { conf, client: client ?? createLakeraClient(conf) };
}

async function access(ctx: RequestContext, state: LakeraGuardState): Promise<HookResult> {
  const { conf } = state;
  const body = pickedAiRequestBody(ctx);
  if (!body) {
    return onUnsupported(
      conf.fail_mode,
      NAME,
      ctx,
      'no ai instance picked (request did not pass through ai-proxy/ai-proxy-multi)',
      500,
      `no ai instance picked, ${NAME} plugin must be used with ai-proxy or ai-proxy-multi plugin`,
    );
  }
  if (conf.direction === 'output') return undefined;
  const detected = detectProtocol(ctx, body);
  if (!detected.supported) {
    const msg = `unsupported protocol: ${detected.protocol}`;
    if (detected.protocol === 'passthrough') return onUnsupported(conf.fail_mode, NAME, ctx, msg, 500, msg);
    // A protocol APISIX scans but Portico cannot read yet: refuse rather than pass it unread.
    ctx.logger.error({ requestId: ctx.requestId, plugin: NAME }, msg);
    return { status: 500, body: msg };
  }
  const messages = guardMessages(detected.protocol, body);
  if (messages.length === 0) return undefined;

  const log = { requestId: ctx.requestId, plugin: NAME };
  const r = await state.client.scan(messages);
  if (!r.ok) {
    if (conf.fail_open) {
      ctx.logger.warn(log, `ai-lakera-guard: ${r.error}; fail_open=true, allowing request`);
      return undefined;
    }
    ctx.logger.error(log, `ai-lakera-guard: ${r.error}; fail_open=false, blocking request`);
    return denyReply(ctx, detected.protocol, conf.deny_code, conf.request_failure_message);
  }
  const { verdict } = r;
  if (!verdict.flagged) return undefined;
  ctx.logger.warn(
    log,
    `ai-lakera-guard: request flagged by Lakera Guard, breakdown: ${JSON.stringify(verdict.breakdown ?? null)}, request_uuid: ${verdict.request_uuid ?? ''}`,
  );
  if (conf.action === 'alert') return undefined;
  const text = denyText(conf.request_failure_message, conf.reveal_failure_categories, verdict.breakdown);
  return denyReply(ctx, detected.protocol, conf.deny_code, text);
}

export const aiLakeraGuard = definePlugin<AiLakeraGuardConf, LakeraGuardState>(aiLakeraGuardDefinition, {
  prepare: (conf) => prepareState(conf),
  destroy(state) {
    void state.client.close();
  },
  access,
});

export { aiLakeraGuardDefinition, aiLakeraGuardSchema, type AiLakeraGuardConf } from './schema.js';
