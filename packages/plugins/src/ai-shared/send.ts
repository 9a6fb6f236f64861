import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { anthropicToOpenAiHeaders, isAnthropicToOpenAiChat, openAiChatRequestFacts } from '@portico/providers';
import { trackLlmActive } from '../prometheus/active.js';
import { bedrockReply, isBedrockAttempt, planBedrockAttempt, withSignature, type BedrockAttempt } from './bedrock.js';
import { buildBody, isBodyError } from './body.js';
import { classifyTransportError } from './errors.js';
import { LlmExchange, type ExchangeHead } from './exchange.js';
import { buildUpstreamHeaders } from './headers.js';
import { resolveTarget, type PreparedInstance } from './instance.js';
import { getRunState, recordUpstreamTime, SHARED, type AiRunState } from './keys.js';
import { publishRequestFacts } from './llm-vars.js';
import type { AiPool } from './pool.js';
import { isPlan, planRequest } from './protocol-plan.js';
import { passthroughQuery } from './passthrough.js';
import { primeConvertedStream } from './protocol-stream.js';
import { bufferedReply, elapsedMs, isEventStream, responseHeaders, streamReply } from './response.js';
import { AiProxyError, type AiRequest, type AttemptResult } from './types.js';
import { applyResponseGuards } from './response-guards.js';

export interface SendOptions {
  /** Start of the LLM request for llm_time_to_first_token; defaults to now. */
  startNs?: bigint;
}

function stateFor(ctx: RequestContext, req: AiRequest): AiRunState {
  let state = getRunState(ctx);
  if (!state || state.request !== req) {
    const requestModel = typeof req.body.model === 'string' ? req.body.model : undefined;
    state = { request: req, stream: req.clientStream, requestModel, model: requestModel };
    ctx.shared.set(SHARED.state, state);
  }
  return state;
}

const jsonFailure = (status: number, message: string, error: AiProxyError): AttemptResult => ({
  ok: false,
  status,
  body: Buffer.from(`${JSON.stringify({ message })}\n`),
  headers: { 'content-type': 'application/json' },
  error,
});

/**
 * Send `req` to one instance and resolve once the response head is known.
 *
 * - `{ok: true, reply}`: a 2xx/3xx/4xx (not 429) answer. The Reply streams the rest (SSE) or
 *   carries the whole body; usage and timings are recorded on ctx as they arrive.
 * - `{ok: false, status, body?, headers?, error?}`: nothing reached the client. Upstream
 *   429/5xx (body buffered), 502 connect error, 504 timeout, 499 client gone, 500 local
 *   failure (no host, GCP token), 400 request conversion failure. Another instance may be tried.
 *
 * The outgoing body is rebuilt from the validated request on every call, so attempts
 * never leak edits into each other.
 */
export async function sendToInstance(
  ctx: RequestContext,
  pool: AiPool,
  inst: PreparedInstance,
  req: AiRequest,
  opts: SendOptions = {},
): Promise<AttemptResult> {
  const state = stateFor(ctx, req);
  const plan = planRequest(req, inst);
  // Protocol and conversion errors answer at once: nothing to fall back on (APISIX before_proxy).
  if (!isPlan(plan)) return { ok: true, reply: plan };
  const built = buildBody(req, inst, plan);
  if (isBodyError(built)) return { ok: true, reply: { status: 400, body: { error_msg: built.error } } };
  state.plan = plan;
  state.toolNames = built.toolNames;
  state.stream = built.stream;
  state.model = built.model;
  state.messages = built.messages;
  ctx.vars.set('request_type', built.stream ? 'ai_stream' : 'ai_chat');
  if (built.model !== undefined) ctx.vars.set('llm_model', built.model);
  const facts = openAiChatRequestFacts(built.body);
  if (plan.target.endUserId) facts.endUserId = plan.target.endUserId(built.body);
  publishRequestFacts(ctx, state, built.stream, facts);
  // prometheus llm_active_connections +1 (APISIX ai-proxy/base.lua before do_request).
  trackLlmActive(ctx);

  let wire = built.body;
  if (inst.descriptor.encodeRequest) {
    const enc = inst.descriptor.encodeRequest(built.body, built.capability);
    if (!enc.ok) {
      const msg = `failed to convert to vertex predict request: ${enc.error}`;
      return jsonFailure(400, msg, new AiProxyError('AI_REQUEST_CONVERSION', msg));
    }
    wire = enc.value;
  }

  // bedrock: Converse body, model/stream-dependent path and SigV4 signature (bedrock.ts).
  let bedrock: BedrockAttempt | undefined;
  if (inst.bedrock) {
    const attempt = planBedrockAttempt(inst.bedrock, inst.query, req, built, plan);
    if (!isBedrockAttempt(attempt)) return attempt;
    bedrock = attempt;
  }

  const passthrough = plan.target.name === 'passthrough';
  const target = bedrock?.target ?? resolveTarget(inst, built.capability, built.model, passthrough ? ctx.uri : plan.cap?.path);
  if (!target) {
    const msg = `no upstream host for provider ${inst.conf.provider}: set override.endpoint`;
    ctx.logger.error({ requestId: ctx.requestId, instance: inst.name }, msg);
    return { ok: false, status: 500, error: new AiProxyError('AI_UPSTREAM_NO_HOST', msg) };
  }

  let bearer: string | undefined;
  if (inst.gcp) {
    try {
      bearer = await inst.gcp.getToken();
    } catch (err) {
      const msg = `failed to get gcp access token: ${(err as Error).message}`;
      ctx.logger.error({ requestId: ctx.requestId, instance: inst.name }, msg);
      return { ok: false, status: 500, error: new AiProxyError('AI_GCP_AUTH', msg) };
    }
  }

  // Passthrough forwards the client's query too (configured auth.query keys still win).
  const q = passthrough ? passthroughQuery(inst, ctx.rawQuery) : { sent: inst.query, logged: inst.endpoint?.query ?? '' };
  // auth.query may hold keys: the logged URI only carries the endpoint's (and client's) query.
  ctx.upstream.exchange(target.scheme, q.logged ? `${target.path}?${q.logged}` : target.path);
  ctx.upstream.attempt(`${target.host}:${target.port}`, target.host);

  const startNs = opts.startNs ?? process.hrtime.bigint();
  const ex = new LlmExchange(pool.conf.timeout);
  const release = watchClient(ctx, ex);
  const headers = buildUpstreamHeaders(ctx.headers, inst.auth.headers, bearer);
  if (isAnthropicToOpenAiChat(plan.converter)) anthropicToOpenAiHeaders(headers);
  let head: ExchangeHead;
  try {
    pool.agent.dispatch(
      {
        origin: target.origin,
        path: q.sent ? `${target.path}?${q.sent}` : target.path,
        method: passthrough ? ctx.method : 'POST',
        headers: bedrock ? withSignature(headers, bedrock) : headers,
        body: bedrock
          ? bedrock.wire
          : wire === built.body && !built.changed && req.raw !== undefined
            ? req.raw
            : Buffer.from(JSON.stringify(wire)),
        reset: !pool.conf.keepalive,
      },
      ex,
    );
    head = await ex.head;
  } catch (err) {
    ex.close();
    release();
    const c = classifyTransportError(err, ex.clientGone || ctx.signal.aborted, ex.timedOut);
    recordUpstreamTime(ctx, state, elapsedMs(startNs));
    ctx.logger.warn({ requestId: ctx.requestId, instance: inst.name, code: c.error.code }, c.error.message);
    return { ok: false, status: c.status, error: c.error };
  }
  ctx.upstream.responded(head.statusCode, elapsedMs(startNs));

  if (head.statusCode === 429 || head.statusCode >= 500) {
    let body: Buffer;
    try {
      body = await ex.collect();
    } catch (err) {
      const c = classifyTransportError(err, ex.clientGone || ctx.signal.aborted, ex.timedOut);
      return { ok: false, status: head.statusCode, error: c.error };
    } finally {
      release();
    }
    // The error answer is all the upstream produced: its arrival is the time to first token
    // (ai-proxy/base.lua set_error_latency_vars, 3.18).
    const ms = elapsedMs(startNs);
    state.ttftMs = ms;
    ctx.vars.set('llm_time_to_first_token', ms);
    recordUpstreamTime(ctx, state, ms);
    return {
      ok: false,
      status: head.statusCode,
      ...(body.length > 0 ? { body } : {}),
      headers: responseHeaders(head),
      upstreamHeaders: head.headers,
    };
  }
  if (bedrock)
    return applyResponseGuards(ctx, state, await bedrockReply(ctx, state, ex, head, startNs, release, bedrock, pool.conf));
  if (isEventStream(head)) {
    const reply = streamReply(ctx, state, ex, head, startNs, release, pool.conf);
    // A converted stream commits its head at the first converted event (protocol-stream.ts).
    const attempt = isAnthropicToOpenAiChat(plan.converter)
      ? await primeConvertedStream(ctx, reply)
      : { ok: true as const, reply };
    return applyResponseGuards(ctx, state, attempt);
  }
  try {
    return await applyResponseGuards(
      ctx,
      state,
      await bufferedReply(ctx, state, ex, head, startNs, inst.descriptor, built.capability, pool.conf),
    );
  } finally {
    release();
  }
}

const NOOP = (): void => undefined;

/**
 * Cancel the exchange when the client goes away: the context's cheap callback hook when it
 * has one, else its AbortSignal. Returns the unregister function.
 */
function watchClient(ctx: RequestContext, ex: LlmExchange): () => void {
  if (ctx.onClientGone) return ctx.onClientGone(() => ex.clientAbort());
  const signal = ctx.signal;
  if (signal.aborted) {
    ex.clientAbort();
    return NOOP;
  }
  const onAbort = (): void => ex.clientAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** The client reply for a failure nobody recovered from (upstream body and content-type kept). */
export function failureReply(f: Extract<AttemptResult, { ok: false }>): Reply {
  const reply: Reply = { status: f.status };
  if (f.body) reply.body = f.body;
  if (f.headers && Object.keys(f.headers).length > 0) reply.headers = f.headers;
  return reply;
}
