import type { Reply, RequestContext } from '@portico/plugin-sdk';
import type { JsonObject } from '@portico/providers';
import { cjsonDecodeError } from './cjson-error.js';
import { SHARED, type AiRunState } from './keys.js';
import type { AiRequest } from './types.js';

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const bad = (message: string): Reply => ({ status: 400, body: { message } });

/**
 * Validate the client request as APISIX does (openai-base.lua validate_request +
 * core.request.get_json_request_body_table), with its exact 400 bodies. Portico runs this
 * in the access phase (as APISIX 3.17+), so rate limiting and picking only see valid requests.
 * On success stores the request in ctx.shared and sets request_type / request_llm_model.
 */
export async function validateAiRequest(ctx: RequestContext): Promise<Reply | AiRequest> {
  const ct = header(ctx, 'content-type') ?? 'application/json';
  if (!ct.startsWith('application/json')) {
    return { status: 400, body: `unsupported content-type: ${ct}, only application/json is supported` };
  }
  const raw = await ctx.readBody();
  if (raw.length === 0) return bad('could not get body: request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return bad(`could not get parse JSON request body: ${cjsonDecodeError(raw) ?? 'invalid JSON'}`);
  }
  // APISIX would fail later with a Lua error (500) on non-object bodies; a 400 is kinder.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return bad('could not get parse JSON request body: request body must be a JSON object');
  }
  const body = parsed as JsonObject;
  const request: AiRequest = { body, clientStream: body.stream === true, raw };
  const requestModel = typeof body.model === 'string' ? body.model : undefined;
  const state: AiRunState = { request, stream: request.clientStream, requestModel, model: requestModel };
  ctx.shared.set(SHARED.state, state);
  ctx.vars.set('request_type', request.clientStream ? 'ai_stream' : 'ai_chat');
  if (requestModel !== undefined) ctx.vars.set('request_llm_model', requestModel);
  return request;
}

/** True when validateAiRequest produced a Reply (the request must end with it). */
export function isReply(v: Reply | AiRequest): v is Reply {
  return 'status' in v;
}
