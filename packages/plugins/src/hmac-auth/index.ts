/**
 * hmac-auth runtime (apisix/plugins/hmac-auth.lua, 3.x): validate an HTTP-signature style
 * `Authorization: Signature ...` header against a consumer's `secret_key`, looked up by
 * `key_id` in the snapshot's index; optionally the body's `Digest`.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { ConsumerInfo, HookResult, Reply, RequestContext } from '@portico/plugin-sdk';
import { decodeBase64 } from '../auth-util/base64.js';
import { failOrAnonymous, firstHeader, sameBytes } from '../auth-util/reply.js';
import { parseHttpTime } from './http-time.js';
import { parseSignatureHeader, type SignatureParams } from './params.js';
import {
  HMAC_ALGORITHMS,
  hmacAuthDefinition,
  type HmacAlgorithm,
  type HmacAuthConf,
  type HmacAuthConsumerConf,
} from './schema.js';
import { bodyDigest, hmac, signingString } from './signature.js';

interface HmacAuthState {
  allowed: ReadonlySet<string>;
  clockSkew: number;
  signedHeaders: readonly string[];
  validateBody: boolean;
  maxBody: number;
  hideCredentials: boolean;
  challenge: string;
  anonymousConsumer: string | undefined;
}

const PLUGIN = 'hmac-auth';
const NOT_VALIDATED = "client request can't be validated";

/** Secret keys as bytes, derived once per consumer conf object (one per config revision). */
const secrets = new WeakMap<object, Buffer>();

function secretOf(conf: Readonly<Record<string, unknown>>): Buffer | undefined {
  let s = secrets.get(conf);
  if (s === undefined && typeof conf.secret_key === 'string') {
    s = Buffer.from(conf.secret_key, 'utf8');
    secrets.set(conf, s);
  }
  return s;
}

/** A failure: `status` set only for answers APISIX sends as is (413). */
type Failure = { error: string; status?: number };

function tooLarge(size: number, max: number): Failure {
  return { error: `request size ${size} is greater than the maximum size ${max} allowed`, status: 413 };
}

/** apisix hmac-auth validate() up to the signature: the matched consumer, or why the request is refused. */
function checkSignature(ctx: RequestContext, s: HmacAuthState, p: SignatureParams): ConsumerInfo | Failure {
  if (p.keyId === undefined || p.signature === undefined) return { error: 'keyId or signature missing' };
  if (p.algorithm === undefined) return { error: 'algorithm missing' };
  const match = ctx.consumers.findCredential(PLUGIN, 'key_id', p.keyId);
  if (match === undefined) return { error: 'Invalid key_id' };
  if (!s.allowed.has(p.algorithm)) return { error: 'Invalid algorithm' };
  const date = firstHeader(ctx, 'date');
  if (date === undefined) return { error: 'Date header missing. failed to validate clock skew' };
  const time = parseHttpTime(date);
  if (time === undefined) return { error: 'Invalid GMT format time' };
  if (Math.abs(Math.floor(Date.now() / 1000) - time) > s.clockSkew) return { error: 'Clock skew exceeded' };
  if (s.signedHeaders.length > 0) {
    const listed = new Set(p.headers ?? []);
    for (const h of s.signedHeaders) if (!listed.has(h)) return { error: `expected header "${h}" missing in signing` };
  }
  const secret = secretOf(match.conf);
  const sent = decodeBase64(p.signature);
  const expected = secret && hmac(p.algorithm as HmacAlgorithm, secret, signingString(ctx, p.keyId, p.headers));
  if (sent === undefined || expected === undefined || !sameBytes(sent, expected)) return { error: 'Invalid signature' };
  if (s.validateBody && firstHeader(ctx, 'digest') === undefined) return { error: 'Invalid digest' };
  return match.consumer;
}

/** The body part of validate(): size limit (413) then the `Digest` comparison. */
async function checkBody(ctx: RequestContext, s: HmacAuthState): Promise<Failure | undefined> {
  const declared = Number(firstHeader(ctx, 'content-length'));
  if (Number.isFinite(declared) && declared > s.maxBody) return tooLarge(declared, s.maxBody);
  const body = await ctx.readBody();
  if (body.length > s.maxBody) return tooLarge(body.length, s.maxBody);
  return bodyDigest(body) === firstHeader(ctx, 'digest') ? undefined : { error: 'Invalid digest' };
}

/** Attach the consumer, or answer the failure (413 as is; else 401 or the anonymous consumer). */
function finish(ctx: RequestContext, s: HmacAuthState, r: ConsumerInfo | Failure): HookResult {
  if ('error' in r) {
    if (r.status !== undefined) {
      ctx.logger.error({ plugin: PLUGIN }, `failed to read request body: ${r.error}`);
      return { status: r.status, body: { message: r.error } } satisfies Reply;
    }
    ctx.logger.warn({ plugin: PLUGIN }, `${NOT_VALIDATED}: ${r.error}`);
    const reply = failOrAnonymous(ctx, PLUGIN, s.anonymousConsumer, NOT_VALIDATED, s.challenge);
    if (reply !== undefined) return reply;
  } else ctx.attachConsumer(r);
  if (s.hideCredentials) delete ctx.headers.authorization;
  return undefined;
}

function rewrite(ctx: RequestContext, s: HmacAuthState): HookResult | Promise<HookResult> {
  const parsed = parseSignatureHeader(firstHeader(ctx, 'authorization'));
  if (!parsed.ok) {
    // the only failures whose reason reaches the client
    const error = `${NOT_VALIDATED}: ${parsed.error}`;
    ctx.logger.warn({ plugin: PLUGIN }, error);
    const reply = failOrAnonymous(ctx, PLUGIN, s.anonymousConsumer, error, s.challenge);
    if (reply !== undefined) return reply;
    if (s.hideCredentials) delete ctx.headers.authorization;
    return undefined;
  }
  const r = checkSignature(ctx, s, parsed.params);
  if ('error' in r || !s.validateBody) return finish(ctx, s, r);
  return checkBody(ctx, s).then((f) => finish(ctx, s, f ?? r));
}

export const hmacAuth = definePlugin<HmacAuthConf | HmacAuthConsumerConf, HmacAuthState>(hmacAuthDefinition, {
  prepare(conf) {
    const c = conf as HmacAuthConf;
    return {
      allowed: new Set(c.allowed_algorithms ?? HMAC_ALGORITHMS),
      clockSkew: c.clock_skew ?? 300,
      signedHeaders: c.signed_headers ?? ['date'],
      validateBody: c.validate_request_body === true,
      maxBody: c.max_req_body_size ?? 67108864,
      hideCredentials: c.hide_credentials === true,
      challenge: `hmac realm="${c.realm ?? 'hmac'}"`,
      anonymousConsumer: c.anonymous_consumer,
    };
  },
  rewrite,
});
