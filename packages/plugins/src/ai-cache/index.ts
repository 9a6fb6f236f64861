import { definePlugin } from '@portico/plugin-helpers';
import type { Reply, RequestContext } from '@portico/plugin-sdk';
import { getRunState, SHARED } from '../ai-shared/keys.js';
import { Capture, captureFormat } from './capture.js';
import { fingerprint, l1Key, partition, scope, type InstanceLike } from './key.js';
import { canonicalMessages, clientProtocol } from './messages.js';
import { destroyAiCache, prepareAiCache, type AiCacheState } from './prepare.js';
import { aiCacheDefinition, type AiCacheConf } from './schema.js';
import { contextMessages, embedText, hasNonText } from './semantic.js';
import type { CacheEntry, L2Doc } from './store.js';

/**
 * ctx.shared keys (APISIX ctx.* of the same names) the prometheus exporter reads:
 * status HIT | MISS | BYPASS, the layer of a hit, the embedding call's duration in ms.
 */
export const AI_CACHE_SHARED = {
  status: 'ai_cache_status',
  hitLayer: 'ai_cache_hit_layer',
  embeddingLatency: 'ai_cache_embedding_latency',
} as const;

const STATUS_HEADER = 'X-AI-Cache-Status';
const STATUS_LOWER = STATUS_HEADER.toLowerCase();
const REQ = 'ai_cache.req';

/** Per-request state of a MISS that may be written back. */
interface MissState {
  key: string;
  fingerprint: string;
  /** The instance conf the key was computed for: a fallback's answer is not stored under it. */
  picked: unknown;
  capture: Capture;
  /** Response is an SSE stream (set in headerFilter). */
  sse: boolean;
  /** The body reached its end (bodyFilter saw eof): not cut by a limit, an error or the client. */
  ended: boolean;
  l2?: Omit<L2Doc, 'ttl'>;
}

type CacheStatus = 'HIT' | 'MISS' | 'BYPASS';

function setStatus(ctx: RequestContext, s: CacheStatus): undefined {
  ctx.shared.set(AI_CACHE_SHARED.status, s);
  return undefined;
}

function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function serveHit(conf: AiCacheConf, ctx: RequestContext, e: CacheEntry, similarity?: number): Reply {
  setStatus(ctx, 'HIT');
  ctx.shared.set(AI_CACHE_SHARED.hitLayer, similarity === undefined ? 'exact' : 'semantic');
  const headers: Record<string, string> = {};
  if (conf.cache_headers) {
    headers[STATUS_HEADER] = 'HIT';
    headers['X-AI-Cache-Age'] = String(Math.max(0, Math.floor(Date.now() / 1000) - (e.created_at || 0)));
    if (similarity !== undefined) headers['X-AI-Cache-Similarity'] = similarity.toFixed(4);
  }
  headers['Content-Type'] = e.format === 'sse' ? 'text/event-stream' : 'application/json';
  return { status: 200, headers, body: e.body };
}

function failOpen(ctx: RequestContext, what: string, err: unknown): undefined {
  ctx.logger.warn(`ai-cache: ${what}, fail-open as MISS: ${(err as Error).message ?? String(err)}`);
  return setStatus(ctx, 'MISS');
}

/**
 * ai-cache (apisix/plugins/ai-cache.lua, priority 1035): after ai-proxy / ai-proxy-multi
 * picked an instance (access), answer from the exact cache (L1, Redis key = hash of the
 * effective request) or, on an L1 miss with `layers` holding "semantic", from the closest
 * earlier prompt of the same partition whose similarity clears the threshold (L2, embeddings
 * from the configured provider). A 200 answer of a MISS — JSON, or an SSE stream that reached
 * its terminal event — is stored for the next request. Redis or embedding failures fail open.
 */
export const aiCache = definePlugin<AiCacheConf, AiCacheState>(aiCacheDefinition, {
  prepare(conf, env) {
    if (conf.semantic && !(conf.layers ?? []).includes('semantic')) {
      env.services.logger.warn(
        "ai-cache: 'semantic' is configured but not listed in 'layers'; the semantic (L2) cache is inactive",
      );
    }
    // core.utils.check_https: an embeddings endpoint without TLS is logged as a risk.
    for (const p of ['openai', 'azure_openai'] as const) {
      const endpoint = conf.semantic?.embedding?.[p]?.endpoint;
      if (endpoint !== undefined && !endpoint.startsWith('https')) {
        env.services.logger.warn(`Using ai-cache semantic.embedding.${p}.endpoint with no TLS is a security risk`);
      }
    }
    return prepareAiCache(conf);
  },
  destroy: destroyAiCache,

  async access(ctx, state) {
    const { conf } = state;
    const inst = ctx.shared.get(SHARED.picked) as InstanceLike | undefined;
    if (inst === undefined) {
      if (conf.fail_mode === 'error') {
        return { status: 500, body: 'ai-cache must be used with the ai-proxy or ai-proxy-multi plugin' };
      }
      const msg = 'ai-cache skipped: no ai instance picked (request did not pass through ai-proxy/ai-proxy-multi)';
      if (conf.fail_mode === 'warn') ctx.logger.warn(msg);
      else ctx.logger.info(msg);
      return setStatus(ctx, 'BYPASS');
    }
    const run = getRunState(ctx);
    if (run === undefined) {
      ctx.logger.warn('ai-cache: cannot read request body, bypassing');
      return setStatus(ctx, 'BYPASS');
    }
    // Binary stream framings (bedrock ConverseStream) can never be captured nor replayed.
    if (run.stream && inst.provider === 'bedrock') return setStatus(ctx, 'BYPASS');
    for (const r of state.bypass) if (header(ctx, r.header) === r.equals) return setStatus(ctx, 'BYPASS');

    const body = run.request.body as Readonly<Record<string, unknown>>;
    const protocol = clientProtocol(ctx.shared, body, ctx.uri);
    const messages = canonicalMessages(protocol, body);
    const fp = fingerprint(protocol, body, inst, messages, run.request.clientStream);
    const sc = scope(conf, ctx);
    const key = l1Key(sc, fp);
    const miss: MissState = {
      key,
      fingerprint: fp,
      picked: inst,
      capture: new Capture(conf.max_cache_body_size),
      sse: false,
      ended: false,
    };
    ctx.shared.set(REQ, miss);

    try {
      const hit = await state.store.getL1(key);
      if (hit) return serveHit(conf, ctx, hit);
    } catch (e) {
      return failOpen(ctx, 'L1 lookup failed', e);
    }

    const sem = state.semantic;
    // L2 only for chat prompts whose canonical text says all there is (no images, no tool calls).
    if (sem && protocol === 'openai-chat' && !hasNonText(body)) {
      const text = embedText(messages, sem.conf.match);
      if (text !== '') {
        const started = process.hrtime.bigint();
        let vec: number[];
        try {
          vec = (await sem.client.embed(text))[0]!;
        } catch (e) {
          ctx.shared.set(AI_CACHE_SHARED.embeddingLatency, Number(process.hrtime.bigint() - started) / 1e6);
          return failOpen(ctx, 'semantic embed error', e);
        }
        ctx.shared.set(AI_CACHE_SHARED.embeddingLatency, Number(process.hrtime.bigint() - started) / 1e6);
        const ctxMsgs = contextMessages(messages, sem.conf.match);
        const part = partition(sc, protocol, body, inst, ctxMsgs.length > 0 ? ctxMsgs : undefined, run.request.clientStream);
        const dim = vec.length;
        miss.l2 = {
          prefix: `${sem.docPrefix}${dim}:`,
          setKey: `${sem.setPrefix}${dim}:${part}`,
          partition: part,
          fingerprint: fp,
          embedding: vec,
        };
        try {
          const h = await state.store.knn(miss.l2.setKey, vec);
          if (h && h.similarity >= sem.conf.similarity_threshold) {
            // Best-effort backfill of L1 under this request's key.
            state.store
              .setL1(key, { body: h.body, created_at: h.created_at, format: h.format }, conf.exact.ttl)
              .catch((e: Error) => ctx.logger.warn(`ai-cache: L1 backfill SET failed: ${e.message}`));
            return serveHit(conf, ctx, h, h.similarity);
          }
        } catch (e) {
          miss.l2 = undefined;
          return failOpen(ctx, 'semantic search failed', e);
        }
      }
    }
    return setStatus(ctx, 'MISS');
  },

  headerFilter(ctx, state, res) {
    const status = ctx.shared.get(AI_CACHE_SHARED.status) as CacheStatus | undefined;
    if (status !== undefined && state.conf.cache_headers) {
      for (const k of Object.keys(res.headers)) if (k.toLowerCase() === STATUS_LOWER) delete res.headers[k];
      res.headers[STATUS_HEADER] = status;
    }
    if (status !== 'MISS') return;
    const miss = ctx.shared.get(REQ) as MissState | undefined;
    const ct = res.headers['content-type'] ?? res.headers['Content-Type'];
    if (miss)
      miss.sse = String(ct ?? '')
        .toLowerCase()
        .startsWith('text/event-stream');
  },

  bodyFilter(ctx, _state, chunk, eof) {
    if (ctx.shared.get(AI_CACHE_SHARED.status) !== 'MISS') return undefined;
    const miss = ctx.shared.get(REQ) as MissState | undefined;
    if (miss) {
      miss.capture.add(chunk);
      if (eof) miss.ended = true;
    }
    return undefined;
  },

  log(ctx, state) {
    if (ctx.shared.get(AI_CACHE_SHARED.status) !== 'MISS') return;
    const miss = ctx.shared.get(REQ) as MissState | undefined;
    if (!miss?.ended || ctx.status !== 200 || miss.capture.oversized || miss.capture.size === 0) return;
    // A fallback instance's answer is not the answer to the request the key describes.
    if (ctx.shared.get(SHARED.picked) !== miss.picked) return;
    const text = miss.capture.text();
    const format = captureFormat(miss.sse, text);
    if (format === undefined) return;
    const { conf } = state;
    const entry: CacheEntry = { body: text, created_at: Math.floor(Date.now() / 1000), format };
    const l2 = miss.l2 && state.semantic ? { ...miss.l2, ttl: state.semantic.conf.ttl } : undefined;
    state.store
      .write(miss.key, entry, conf.exact.ttl, l2)
      .catch((e: Error) => ctx.logger.warn(`ai-cache: cache write failed: ${e.message}`));
  },
});

export { aiCacheDefinition, aiCacheSchema, type AiCacheConf } from './schema.js';
