import { createHash } from 'node:crypto';
import type { RequestContext } from '@portico/plugin-sdk';
import { canonicalJson } from './canonical.js';
import type { CanonicalMessage } from './messages.js';
import type { AiCacheConf } from './schema.js';

const KEY_PREFIX = 'ai-cache:l1:';

/** The instance fields that decide what the upstream receives (ai-proxy / ai-proxy-multi instance conf). */
export interface InstanceLike {
  provider?: unknown;
  options?: Record<string, unknown>;
  override?: { llm_options?: unknown; request_body?: unknown; request_body_force_override?: unknown; endpoint?: unknown };
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * The representation the cache keys hash (apisix/plugins/ai-cache/key.lua build_repr): the
 * client's protocol, messages and other parameters, and the effective provider, model,
 * options and overrides of the picked instance — the inputs that decide the upstream request.
 */
function repr(
  protocol: string,
  body: Readonly<Record<string, unknown>>,
  inst: InstanceLike,
  messages: readonly CanonicalMessage[] | undefined,
  stream: boolean,
): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'messages' && k !== 'model' && k !== 'stream') params[k] = v;
  params.stream = stream;
  const ov = inst.override ?? {};
  const optModel = inst.options?.model;
  return {
    client: { protocol, messages, params },
    effective: {
      provider: inst.provider,
      model: optModel ?? body.model ?? '',
      options: inst.options,
      llm_options: ov.llm_options,
      request_body: ov.request_body,
      request_body_force_override: ov.request_body_force_override,
      endpoint: ov.endpoint,
    },
  };
}

/** L1 fingerprint: hash of the full effective request, raw messages folded in (text + image ≠ text). */
export function fingerprint(
  protocol: string,
  body: Readonly<Record<string, unknown>>,
  inst: InstanceLike,
  messages: readonly CanonicalMessage[],
  stream: boolean,
): string {
  const r = repr(protocol, body, inst, messages, stream);
  r.raw_messages = body.messages;
  return sha256Hex(canonicalJson(r));
}

// Percent-encode "%", ":" and "=" so a request-controlled value cannot forge another scope.
const esc = (v: string | undefined): string => (v ?? '').replace(/%/g, '%25').replace(/:/g, '%3A').replace(/=/g, '%3D');

/** Isolation scope of the keys: route (unless shared), consumer and configured variables. */
export function scope(conf: AiCacheConf, ctx: RequestContext): string {
  const ck = conf.cache_key;
  const parts: string[] = [];
  if (!ck.share_across_routes) parts.push(`route=${esc(ctx.routeId)}`);
  if (ck.include_consumer) parts.push(`consumer=${esc(ctx.consumer?.username)}`);
  for (const name of ck.include_vars) parts.push(`${name}=${esc(ctx.vars.get(name))}`);
  return parts.length === 0 ? 'shared' : parts.join(':');
}

/** L2 partition: scope plus the response-deciding context the embedding does not cover. */
export function partition(
  scopeStr: string,
  protocol: string,
  body: Readonly<Record<string, unknown>>,
  inst: InstanceLike,
  context: readonly CanonicalMessage[] | undefined,
  stream: boolean,
): string {
  return sha256Hex(`${scopeStr}|${canonicalJson(repr(protocol, body, inst, context, stream))}`);
}

/** The Redis key of an L1 entry. */
export const l1Key = (scopeStr: string, fp: string): string => `${KEY_PREFIX}${scopeStr}:${fp}`;
