/**
 * ai-prompt-decorator runtime (apisix/plugins/ai-prompt-decorator.lua, APISIX 3.18): in the
 * rewrite phase, add the configured prompts before and after the client's conversation in the
 * shape of the detected client protocol, and hand the new body to later plugins (ai-proxy).
 */
import { definePlugin } from '@portico/plugin-helpers';
import { isJsonObject, replaceBody } from '../ai-prompt-shared/body.js';
import { isReply, readJsonBody } from '../ai-prompt-shared/json-body.js';
import { addMessages, detectProtocol, type PromptMessage } from '../ai-prompt-shared/protocols.js';
import { aiPromptDecoratorDefinition, type AiPromptDecoratorConf } from './schema.js';

interface DecoratorState {
  maxSize: number;
  prepend: readonly PromptMessage[];
  append: readonly PromptMessage[];
}

export const aiPromptDecorator = definePlugin<AiPromptDecoratorConf, DecoratorState>(aiPromptDecoratorDefinition, {
  prepare(conf) {
    return { maxSize: conf.max_req_body_size, prepend: conf.prepend ?? [], append: conf.append ?? [] };
  },
  async rewrite(ctx, s) {
    const got = await readJsonBody(ctx, s.maxSize);
    if (isReply(got)) return got;
    const body = got.body;
    // A non-empty JSON array matches only passthrough: nothing is added (as in APISIX).
    if (!isJsonObject(body)) return undefined;
    // Like APISIX, append detects the protocol again, on the body as prepend left it.
    const prepended = addMessages(detectProtocol(body, ctx.uri), body, s.prepend, 'prepend');
    const appended = addMessages(detectProtocol(body, ctx.uri), body, s.append, 'append');
    if (prepended || appended) replaceBody(ctx, JSON.stringify(body));
    return undefined;
  },
});
