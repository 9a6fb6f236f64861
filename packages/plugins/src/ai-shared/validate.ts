import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { detectProtocol, type JsonObject } from '@portico/providers';
import { cjsonDecodeError } from './cjson-error.js';
import { SHARED, type AiRunState } from './keys.js';
import type { AiRequest } from './types.js';

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const bad = (message: string, status = 400): Reply => ({ status, body: { message } });

/** `max_req_body_size` default (APISIX 3.18 ai-proxy/schema.lua): 64 MiB. */
export const DEFAULT_MAX_REQ_BODY_SIZE = 67108864;

const tooLarge = (size: number, max: number): Reply =>
  bad(`could not get body: request size ${size} is greater than the maximum size ${max} allowed`, 413);

/**
 * Validate the client request as APISIX 3.18 does in access (ai-proxy/base.lua
 * detect_request_type + core.request.get_json_request_body_table), with its exact bodies:
 * content type, body size (413 before reading when Content-Length says so), JSON, then the
 * AI protocol (`no matching AI protocol for the request` for an empty object). Rate limiting
 * and picking only see valid requests. On success stores the request in ctx.shared and sets
 * request_type / request_llm_model.
 */
export async function validateAiRequest(
  ctx: RequestContext,
  maxBodySize: number = DEFAULT_MAX_REQ_BODY_SIZE,
): Promise<Reply | AiRequest> {
  const ct = header(ctx, 'content-type') ?? 'application/json';
  if (!ct.startsWith('application/json')) {
    return { status: 400, body: `unsupported content-type: ${ct}, only application/json is supported` };
  }
  const declared = Number(header(ctx, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBodySize) return tooLarge(declared, maxBodySize);
  const raw = await ctx.readBody();
  if (raw.length > maxBodySize) return tooLarge(raw.length, maxBodySize);
  if (raw.length === 0) return bad('could not get body: request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return bad(`could not parse JSON request body: ${cjsonDecodeError(raw) ?? 'invalid JSON'}`);
  }
  // APISIX would fail later with a Lua error (500) on non-object bodies; a 400 is kinder.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return bad('could not parse JSON request body: request body must be a JSON object');
  }
  const body = parsed as JsonObject;
  const requestModel = typeof body.model === 'string' ? body.model : undefined;
  if (requestModel !== undefined) ctx.vars.set('request_llm_model', requestModel);
  const protocol = detectProtocol(body, ctx.uri);
  if (!protocol) return { status: 400, body: 'no matching AI protocol for the request' };
  const clientStream = protocol.isStreaming(body);
  const request: AiRequest = { body, clientStream, raw, protocol };
  const state: AiRunState = { request, stream: clientStream, requestModel, model: requestModel };
  ctx.shared.set(SHARED.state, state);
  ctx.vars.set('request_type', clientStream ? 'ai_stream' : 'ai_chat');
  return request;
}

/** True when validateAiRequest produced a Reply (the request must end with it). */
export function isReply(v: Reply | AiRequest): v is Reply {
  return 'status' in v;
}
