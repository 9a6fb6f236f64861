/**
 * key-auth runtime (apisix/plugins/key-auth.lua): authenticate by an API key taken from a
 * header, else from a query argument, and attach the consumer owning that key.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { keyAuthDefinition, type KeyAuthConf, type KeyAuthConsumerConf } from './schema.js';

interface KeyAuthState {
  /** Lower-case header name (Node lower-cases incoming header names). */
  header: string;
  query: string;
  /** Pre-built `WWW-Authenticate` value. */
  challenge: string;
  hideCredentials: boolean;
  anonymousConsumer: string | undefined;
}

type Found = { key: string; fromHeader: boolean } | undefined;

function findKey(ctx: RequestContext, s: KeyAuthState): Found {
  const h = ctx.headers[s.header];
  if (h !== undefined) return { key: Array.isArray(h) ? (h[0] ?? '') : h, fromHeader: true };
  const q = ctx.vars.get(`arg_${s.query}`);
  return q === undefined ? undefined : { key: q, fromHeader: false };
}

/** Remove every occurrence of query argument `name` from a raw query string, keeping the rest as sent. */
export function removeQueryArg(rawQuery: string, name: string): string {
  return rawQuery
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      let decoded = k;
      try {
        decoded = decodeURIComponent(k.replace(/\+/g, ' '));
      } catch {
        // keep the raw name
      }
      return decoded !== name;
    })
    .join('&');
}

function unauthorized(message: string, challenge: string | undefined): Reply {
  return challenge === undefined
    ? { status: 401, body: { message } }
    : { status: 401, body: { message }, headers: { 'WWW-Authenticate': challenge } };
}

export const keyAuth = definePlugin<KeyAuthConf | KeyAuthConsumerConf, KeyAuthState>(keyAuthDefinition, {
  prepare(conf) {
    const c = conf as KeyAuthConf;
    const realm = c.realm ?? 'key';
    return {
      header: (c.header ?? 'apikey').toLowerCase(),
      query: c.query ?? 'apikey',
      challenge: `apikey realm="${realm}"`,
      hideCredentials: c.hide_credentials === true,
      anonymousConsumer: c.anonymous_consumer,
    };
  },
  rewrite(ctx, s) {
    const found = findKey(ctx, s);
    let error: string;
    if (found === undefined) {
      error = 'Missing API key in request';
    } else {
      const consumer = ctx.consumers.findByAuth('key-auth', 'key', found.key);
      if (consumer !== undefined) {
        if (s.hideCredentials) {
          if (found.fromHeader) delete ctx.headers[s.header];
          else ctx.rawQuery = removeQueryArg(ctx.rawQuery, s.query);
        }
        ctx.attachConsumer(consumer);
        return undefined;
      }
      error = 'Invalid API key in request';
    }
    if (s.anonymousConsumer === undefined) return unauthorized(error, s.challenge);
    const anonymous = ctx.consumers.byUsername(s.anonymousConsumer);
    if (anonymous === undefined) {
      ctx.logger.error(
        { plugin: 'key-auth', anonymous_consumer: s.anonymousConsumer },
        `key-auth failed to authenticate the request, code: 401. error: ${error}`,
      );
      return unauthorized('Invalid user authorization', undefined);
    }
    ctx.attachConsumer(anonymous);
    return undefined;
  },
});
