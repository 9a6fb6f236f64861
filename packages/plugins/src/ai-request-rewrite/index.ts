/**
 * ai-request-rewrite runtime (apisix/plugins/ai-request-rewrite.lua, APISIX 3.18): in the
 * access phase, send the client's body to an LLM under the configured prompt (system message)
 * and replace the body with the LLM's answer before later plugins and the upstream see it.
 * Nothing of the client's request but its body reaches the LLM. Every failure of the side
 * request answers 500, as in APISIX.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply } from '@portico/plugin-sdk';
import { readBodyLimited, replaceBody } from '../ai-prompt-shared/body.js';
import { createLlmClient, type LlmClient } from './client.js';
import { aiRequestRewriteDefinition, type AiRequestRewriteConf } from './schema.js';
import { resolveTarget, type RewriteTarget } from './target.js';
import { buildRewriteBody, extractText } from './wire.js';

const PLUGIN = 'ai-request-rewrite';

interface RewriteState {
  maxSize: number;
  prompt: string;
  options: Readonly<Record<string, unknown>> | undefined;
  target: RewriteTarget | { error: string };
  client: LlmClient;
}

const BAD_REQUEST: Reply = { status: 400 };
const INTERNAL_ERROR: Reply = { status: 500 };

const hasTarget = (t: RewriteTarget | { error: string }): t is RewriteTarget => !('error' in t);

export const aiRequestRewrite = definePlugin<AiRequestRewriteConf, RewriteState>(aiRequestRewriteDefinition, {
  prepare(conf) {
    return {
      maxSize: conf.max_req_body_size,
      prompt: conf.prompt,
      options: conf.options,
      target: resolveTarget(conf),
      client: createLlmClient(conf),
    };
  },
  destroy(s) {
    void s.client.close();
  },
  async access(ctx, s) {
    const read = await readBodyLimited(ctx, s.maxSize);
    if (read.kind === 'too-large') {
      ctx.logger.warn({ plugin: PLUGIN }, `failed to get request body: ${read.error}`);
      return BAD_REQUEST;
    }
    if (read.kind === 'empty') {
      ctx.logger.warn({ plugin: PLUGIN }, 'missing request body');
      return BAD_REQUEST;
    }
    const target = s.target;
    if (!hasTarget(target)) {
      ctx.logger.error({ plugin: PLUGIN }, `failed to request LLM: ${target.error}`);
      return INTERNAL_ERROR;
    }
    const body = buildRewriteBody(target.wire, s.prompt, read.raw.toString('utf8'), s.options, target.removeModel);
    let status: number;
    let raw: Buffer;
    try {
      ({ status, body: raw } = await s.client.send(target, JSON.stringify(body), ctx.signal));
    } catch (e) {
      ctx.logger.error({ plugin: PLUGIN }, `failed to request LLM: ${(e as Error).message}`);
      return INTERNAL_ERROR;
    }
    if (status !== 200) {
      ctx.logger.error({ plugin: PLUGIN }, `LLM service returned error status: ${status}`);
      return INTERNAL_ERROR;
    }
    let answer: unknown;
    try {
      answer = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      ctx.logger.error({ plugin: PLUGIN }, `failed to decode LLM response: ${(e as Error).message}`);
      return INTERNAL_ERROR;
    }
    const content = extractText(target.wire, answer);
    if (content === undefined) {
      ctx.logger.error({ plugin: PLUGIN }, 'failed to extract text from LLM response');
      return INTERNAL_ERROR;
    }
    replaceBody(ctx, content);
    return undefined;
  },
});
