import { definePlugin } from '@portico/plugin-helpers';
import { applyLogging } from '../ai-shared/logging.js';
import { untrackLlmActive } from '../prometheus/active.js';
import { getRunState, setPickedInstance } from '../ai-shared/keys.js';
import { createPool, type AiPool } from '../ai-shared/pool.js';
import { prepareInstance, type PreparedInstance } from '../ai-shared/instance.js';
import { failureReply, sendToInstance } from '../ai-shared/send.js';
import { isReply, validateAiRequest } from '../ai-shared/validate.js';
import { aiProxyDefinition, type AiProxyConf } from './schema.js';

/** Prepared once per config revision: provider instance plus its connection pool. */
export interface AiProxyState {
  conf: AiProxyConf;
  instance: PreparedInstance;
  pool: AiPool;
}

/**
 * ai-proxy (apisix/plugins/ai-proxy.lua): access validates the body and names the instance
 * `ai-proxy-<provider>`; beforeProxy talks to the LLM itself and returns the streamed Reply;
 * log fills llm_summary / llm_request / llm_response_text when `logging` asks for them.
 */
export const aiProxy = definePlugin<AiProxyConf, AiProxyState>(aiProxyDefinition, {
  prepare(conf) {
    return { conf, instance: prepareInstance(`ai-proxy-${conf.provider}`, conf), pool: createPool(conf) };
  },
  destroy(state) {
    void state.pool.close();
  },
  async access(ctx, state) {
    const v = await validateAiRequest(ctx, state.conf.max_req_body_size);
    if (isReply(v)) return v;
    setPickedInstance(ctx, state.instance.name, state.conf);
    return undefined;
  },
  async beforeProxy(ctx, state) {
    let req = getRunState(ctx)?.request;
    if (!req) {
      const v = await validateAiRequest(ctx, state.conf.max_req_body_size);
      if (isReply(v)) return v;
      req = v;
    }
    const r = await sendToInstance(ctx, state.pool, state.instance, req);
    return r.ok ? r.reply : failureReply(r);
  },
  log(ctx, state) {
    untrackLlmActive(ctx);
    applyLogging(ctx, state.conf.logging);
  },
});

export { aiProxyDefinition, aiProxySchema, checkAiProxyConf, type AiProxyConf } from './schema.js';
