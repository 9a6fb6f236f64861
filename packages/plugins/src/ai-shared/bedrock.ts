import { randomUUID } from 'node:crypto';
import type { RequestContext } from '@portico/plugin-sdk';
import {
  bedrockHost,
  bedrockPath,
  converseTexts,
  converseToOpenAiChat,
  converseUsage,
  ConverseToOpenAiStream,
  credentialsOf,
  NO_PATH_ERROR,
  normalisePath,
  openAiChatToConverse,
  signBedrockRequest,
  SigningKeyCache,
  type AwsCredentials,
  type JsonObject,
} from '@portico/providers';
import type { BuiltBody } from './body.js';
import type { RequestPlan } from './protocol-plan.js';
import { BedrockStreamBody } from './bedrock-stream.js';
import { classifyTransportError } from './errors.js';
import { BodyTooLargeError, type ExchangeHead, type LlmExchange } from './exchange.js';
import type { ParsedEndpoint } from './endpoint.js';
import type { Target } from './instance.js';
import { publishUsage, recordUpstreamTime, type AiRunState } from './keys.js';
import { markToolCalls, publishNoUsage } from './llm-vars.js';
import type { ResponseLimitsConf } from './response-limits-schema.js';
import { elapsedMs, responseHeaders } from './response.js';
import { AiProxyError, type AiInstanceConf, type AiRequest, type AttemptResult } from './types.js';

/** What a bedrock instance derives once per config revision. */
export interface PreparedBedrock {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Day signing keys, derived once per UTC day. */
  readonly keys: SigningKeyCache;
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** The Host header (and SigV4 `host`): the port only when it is not the scheme's default. */
  readonly hostHeader: string;
  /** override.endpoint's path, wire-encoded; undefined: computed from model and stream. */
  readonly fixedPath: string | undefined;
}

/** undefined for other providers, or when the (schema-checked) conf lacks region or auth.aws. */
export function prepareBedrock(conf: AiInstanceConf, endpoint: ParsedEndpoint | undefined): PreparedBedrock | undefined {
  const region = conf.provider_conf?.region;
  const aws = conf.auth.aws;
  if (conf.provider !== 'bedrock' || typeof region !== 'string' || !aws) return undefined;
  const scheme = endpoint?.scheme ?? 'https';
  const host = endpoint?.host ?? bedrockHost(region);
  const port = endpoint?.port ?? (scheme === 'https' ? 443 : 80);
  const defaultPort = scheme === 'https' ? 443 : 80;
  return Object.freeze({
    region,
    credentials: credentialsOf(aws),
    keys: new SigningKeyCache(aws.secret_access_key, region),
    scheme,
    host,
    port,
    hostHeader: port === defaultPort ? host : `${host}:${port}`,
    fixedPath: endpoint?.path === undefined ? undefined : normalisePath(endpoint.path, 1),
  });
}

/** One signed bedrock attempt. */
export interface BedrockAttempt {
  readonly target: Target;
  readonly wire: Buffer;
  /** host, x-amz-date, [x-amz-security-token], authorization. */
  readonly headers: Record<string, string>;
  readonly stream: boolean;
  /** The client speaks OpenAI chat: responses are converted back (Portico extension). */
  readonly openai: boolean;
}

const errorMsg = (status: number, message: string): AttemptResult => ({
  ok: false,
  status,
  body: Buffer.from(JSON.stringify({ error_msg: message })),
  headers: { 'content-type': 'application/json' },
  error: new AiProxyError('AI_REQUEST_CONVERSION', message),
});

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Shape, address and sign one attempt to a bedrock instance. The protocol plan decided the
 * body: a Converse client's (bedrock-converse target: options merged, `stream` and `model`
 * removed, client bytes reused when unchanged, as APISIX), or an OpenAI chat client's, which is
 * converted to Converse here (the external openai-chat → bedrock-converse route, a Portico
 * extension). Failures are 400s with `{"error_msg": ...}`.
 */
export function planBedrockAttempt(
  br: PreparedBedrock,
  query: string,
  req: AiRequest,
  built: BuiltBody,
  plan: RequestPlan,
): BedrockAttempt | AttemptResult {
  const openai = plan.converter?.to === 'bedrock-converse';
  let wire: Buffer;
  if (openai) {
    const conv = openAiChatToConverse(built.body);
    if (!conv.ok) return errorMsg(400, `failed to convert openai-chat request to bedrock-converse: ${conv.error}`);
    // override.llm_options.max_tokens was written by bedrock's capability (inferenceConfig.maxTokens).
    const forced = built.body.inferenceConfig;
    if (isObject(forced)) {
      const cfg = isObject(conv.value.inferenceConfig) ? conv.value.inferenceConfig : {};
      conv.value.inferenceConfig = { ...cfg, ...forced };
    }
    wire = Buffer.from(JSON.stringify(conv.value));
  } else {
    wire = !built.changed && req.raw !== undefined ? req.raw : Buffer.from(JSON.stringify(built.body));
  }
  const path = br.fixedPath ?? bedrockPath(built.model, built.stream);
  if (path === undefined) return errorMsg(400, NO_PATH_ERROR);
  const headers = signBedrockRequest({
    path,
    query,
    host: br.hostHeader,
    body: wire,
    region: br.region,
    credentials: br.credentials,
    keys: br.keys,
  });
  return {
    target: { scheme: br.scheme, host: br.host, port: br.port, path, origin: `${br.scheme}://${br.host}:${br.port}` },
    wire,
    headers,
    stream: built.stream,
    openai,
  };
}

/**
 * The headers of a bedrock attempt: the usual upstream headers without any client `x-amz-*`
 * (an unsigned client x-amz-security-token would change how AWS reads the credentials), then
 * the signed ones.
 */
export function withSignature(
  headers: Record<string, string | string[]>,
  attempt: BedrockAttempt,
): Record<string, string | string[]> {
  for (const k of Object.keys(headers)) if (k.startsWith('x-amz-')) delete headers[k];
  return Object.assign(headers, attempt.headers);
}

export function isBedrockAttempt(v: BedrockAttempt | AttemptResult): v is BedrockAttempt {
  return 'wire' in v;
}

const identity = (state: AiRunState) => ({
  id: `chatcmpl-${randomUUID()}`,
  created: Math.floor(Date.now() / 1000),
  model: state.model,
});

function hasToolUse(res: unknown): boolean {
  const out =
    typeof res === 'object' && res !== null ? (res as { output?: { message?: { content?: unknown } } }).output : undefined;
  const content = out?.message?.content;
  return Array.isArray(content) && content.some((b) => typeof b === 'object' && b !== null && 'toolUse' in b);
}

function isEventStream(head: ExchangeHead): boolean {
  const ct = head.headers['content-type'];
  return (Array.isArray(ct) ? ct[0] : ct)?.includes('application/vnd.amazon.eventstream') === true;
}

/** The reply for a bedrock answer (not 429/5xx): event-stream, Converse JSON, or an error passed through. */
export async function bedrockReply(
  ctx: RequestContext,
  state: AiRunState,
  ex: LlmExchange,
  head: ExchangeHead,
  startNs: bigint,
  release: () => void,
  attempt: BedrockAttempt,
  limits: ResponseLimitsConf,
): Promise<AttemptResult> {
  if (isEventStream(head) && head.statusCode < 300) {
    const conv = attempt.openai ? new ConverseToOpenAiStream(identity(state)) : undefined;
    const headers = attempt.openai ? { 'content-type': 'text/event-stream' } : responseHeaders(head);
    const body = new BedrockStreamBody(ctx, state, ex, startNs, release, conv, limits);
    return { ok: true, reply: { status: head.statusCode, headers, body } };
  }
  try {
    return await bufferedBedrock(ctx, state, ex, head, startNs, attempt, limits.max_response_bytes);
  } finally {
    release();
  }
}

async function bufferedBedrock(
  ctx: RequestContext,
  state: AiRunState,
  ex: LlmExchange,
  head: ExchangeHead,
  startNs: bigint,
  attempt: BedrockAttempt,
  maxBytes: number | undefined,
): Promise<AttemptResult> {
  let raw: Buffer;
  try {
    raw = await ex.collect(maxBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      ctx.logger.warn(
        { requestId: ctx.requestId },
        `aborting AI response: body size exceeds max_response_bytes ${maxBytes} (read ${err.bytes} bytes)`,
      );
      recordUpstreamTime(ctx, state, elapsedMs(startNs));
      return {
        ok: false,
        status: 502,
        body: Buffer.from('max_response_bytes exceeded'),
        headers: responseHeaders(head),
        error: new AiProxyError('AI_RESPONSE_LIMIT', 'max_response_bytes exceeded'),
      };
    }
    const c = classifyTransportError(err, ex.clientGone || ctx.signal.aborted, ex.timedOut);
    ctx.logger.warn({ requestId: ctx.requestId, code: c.error.code }, `failed to read response body: ${c.error.message}`);
    return { ok: false, status: c.status, error: c.error };
  }
  const ms = elapsedMs(startNs);
  state.ttftMs = ms;
  ctx.vars.set('llm_time_to_first_token', ms);
  recordUpstreamTime(ctx, state, ms);
  const passThrough: AttemptResult = { ok: true, reply: { status: head.statusCode, headers: responseHeaders(head), body: raw } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    ctx.logger.warn({ requestId: ctx.requestId }, 'invalid response body from ai service, token usage not available');
    return passThrough;
  }
  const rawUsage = typeof parsed === 'object' && parsed !== null ? (parsed as { usage?: unknown }).usage : undefined;
  const usage = converseUsage(rawUsage);
  if (usage) publishUsage(ctx, state, usage, rawUsage);
  else publishNoUsage(ctx, state);
  if (hasToolUse(parsed)) markToolCalls(ctx, state);
  const texts = converseTexts(parsed);
  if (texts.length > 0) state.responseText = texts.join(' ');
  // Errors (403 signature, 400 validation...) and Converse clients get the upstream bytes.
  if (!attempt.openai || head.statusCode >= 300) return passThrough;
  const out = converseToOpenAiChat(parsed, identity(state));
  if (!out.ok) {
    const msg = `failed to convert bedrock-converse response to openai-chat: ${out.error}`;
    return {
      ok: false,
      status: 502,
      body: Buffer.from(JSON.stringify({ error_msg: msg })),
      headers: { 'content-type': 'application/json' },
      error: new AiProxyError('AI_RESPONSE_CONVERSION', msg),
    };
  }
  return {
    ok: true,
    reply: {
      status: head.statusCode,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(out.value)),
    },
  };
}
