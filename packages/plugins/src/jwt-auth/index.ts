/**
 * jwt-auth runtime (apisix/plugins/jwt-auth.lua): find the token, look the consumer up by the
 * token's key claim in the snapshot's index, require the consumer's algorithm, verify the
 * signature with the consumer's secret or public key, then the `exp`/`nbf` claims.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { RequestContext } from '@portico/plugin-sdk';
import { failOrAnonymous } from '../auth-util/reply.js';
import { parseJwt } from './parse.js';
import { jwtAuthDefinition, type JwtAuthConf, type JwtAuthConsumerConf } from './schema.js';
import { fetchToken, type TokenSources } from './token.js';
import { consumerKey, verifyClaims, verifySignature } from './verify.js';

interface JwtAuthState {
  sources: TokenSources;
  keyClaim: string;
  claims: readonly ('exp' | 'nbf')[] | undefined;
  storeInCtx: boolean;
  challenge: string;
  anonymousConsumer: string | undefined;
}

const PLUGIN = 'jwt-auth';
const FAILED = 'failed to verify jwt';

/** Attach the consumer and return undefined, or return the 401 message. */
function authenticate(ctx: RequestContext, s: JwtAuthState): string | undefined {
  const token = fetchToken(ctx, s.sources);
  if (token === undefined) return 'Missing JWT token in request';
  const parsed = parseJwt(token);
  if (!parsed.ok) {
    ctx.logger.warn({ plugin: PLUGIN }, `JWT token invalid: ${parsed.reason}`);
    return 'JWT token invalid';
  }
  const { header, payload } = parsed.jwt;
  const userKey = payload[s.keyClaim];
  if (userKey === undefined || userKey === false) return 'missing user key in JWT token';
  const match = typeof userKey === 'string' ? ctx.consumers.findCredential(PLUGIN, 'key', userKey) : undefined;
  if (match === undefined) {
    ctx.logger.warn({ plugin: PLUGIN }, 'failed to find consumer: invalid user key');
    return 'Invalid user key in JWT token';
  }
  const key = consumerKey(match.conf);
  if (key.algorithm.startsWith('HS') && key.secret === undefined) {
    ctx.logger.error(
      { plugin: PLUGIN },
      'failed to retrieve secrets, err: base64_secret required but the secret is not in base64 format',
    );
    return FAILED;
  }
  if (header.alg !== key.algorithm) {
    ctx.logger.warn({ plugin: PLUGIN }, `failed to verify jwt: algorithm mismatch, expected ${key.algorithm}`);
    return FAILED;
  }
  if (!verifySignature(key, parsed.jwt.signingInput, parsed.jwt.signature)) {
    ctx.logger.warn({ plugin: PLUGIN }, 'failed to verify jwt: signature mismatch');
    return FAILED;
  }
  const claimErr = verifyClaims(payload, s.claims, key.lifetimeGracePeriod);
  if (claimErr !== undefined) {
    ctx.logger.error({ plugin: PLUGIN }, `failed to verify jwt: ${claimErr}`);
    return FAILED;
  }
  if (s.storeInCtx) ctx.shared.set('jwt_auth_payload', payload);
  ctx.attachConsumer(match.consumer);
  return undefined;
}

export const jwtAuth = definePlugin<JwtAuthConf | JwtAuthConsumerConf, JwtAuthState>(jwtAuthDefinition, {
  prepare(conf) {
    const c = conf as JwtAuthConf;
    return {
      sources: {
        header: (c.header ?? 'authorization').toLowerCase(),
        query: c.query ?? 'jwt',
        cookie: c.cookie ?? 'jwt',
        hide: c.hide_credentials === true,
      },
      keyClaim: c.key_claim_name ?? 'key',
      claims: c.claims_to_verify,
      storeInCtx: c.store_in_ctx === true,
      challenge: `Bearer realm="${c.realm ?? 'jwt'}"`,
      anonymousConsumer: c.anonymous_consumer,
    };
  },
  rewrite(ctx, s) {
    const error = authenticate(ctx, s);
    return error === undefined ? undefined : failOrAnonymous(ctx, PLUGIN, s.anonymousConsumer, error, s.challenge);
  },
});
