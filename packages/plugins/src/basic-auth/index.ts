/**
 * basic-auth runtime (apisix/plugins/basic-auth.lua): authenticate `Authorization: Basic` by a
 * consumer's (or credential's) username and password, looked up in the snapshot's index.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { RequestContext } from '@portico/plugin-sdk';
import { failOrAnonymous, firstHeader, sameBytes } from '../auth-util/reply.js';
import { parseBasic } from './credentials.js';
import { basicAuthDefinition, type BasicAuthConf, type BasicAuthConsumerConf } from './schema.js';

interface BasicAuthState {
  challenge: string;
  hideCredentials: boolean;
  anonymousConsumer: string | undefined;
}

const PLUGIN = 'basic-auth';

/** Stored passwords as bytes, derived once per consumer conf object (one per config revision). */
const passwordBytes = new WeakMap<object, Buffer>();

function storedPassword(conf: Readonly<Record<string, unknown>>): Buffer | undefined {
  let b = passwordBytes.get(conf);
  if (b === undefined) {
    if (typeof conf.password !== 'string') return undefined;
    b = Buffer.from(conf.password, 'utf8');
    passwordBytes.set(conf, b);
  }
  return b;
}

export const basicAuth = definePlugin<BasicAuthConf | BasicAuthConsumerConf, BasicAuthState>(basicAuthDefinition, {
  prepare(conf) {
    const c = conf as BasicAuthConf;
    return {
      challenge: `Basic realm="${c.realm ?? 'basic'}"`,
      hideCredentials: c.hide_credentials === true,
      anonymousConsumer: c.anonymous_consumer,
    };
  },
  rewrite(ctx, s) {
    const error = authenticate(ctx);
    if (error !== undefined) {
      const reply = failOrAnonymous(ctx, PLUGIN, s.anonymousConsumer, error, s.challenge);
      if (reply !== undefined) return reply;
    }
    if (s.hideCredentials) delete ctx.headers.authorization;
    return undefined;
  },
});

/** Attach the consumer and return undefined, or return the 401 message. */
function authenticate(ctx: RequestContext): string | undefined {
  const header = firstHeader(ctx, 'authorization');
  if (header === undefined) return 'Missing authorization in request';
  const parsed = parseBasic(header);
  if (!parsed.ok) {
    // APISIX logs the decoded text; it can hold the password, so only the kind of error is logged.
    ctx.logger.warn({ plugin: PLUGIN }, parsed.error.split(':')[0]!);
    return 'Invalid authorization in request';
  }
  const match = ctx.consumers.findCredential(PLUGIN, 'username', parsed.username);
  if (match === undefined) {
    ctx.logger.warn({ plugin: PLUGIN }, 'failed to find user: invalid user');
    return 'Invalid user authorization';
  }
  const stored = storedPassword(match.conf);
  if (stored === undefined || !sameBytes(stored, parsed.password)) return 'Invalid user authorization';
  ctx.attachConsumer(match.consumer);
  return undefined;
}
