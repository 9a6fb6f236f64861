import { EmbeddingsClient } from '../ai-embeddings/client.js';
import { sha256Hex } from './key.js';
import type { AiCacheConf, AiCacheSemanticConf } from './schema.js';
import { CacheStore } from './store.js';

const OPENAI_EMBEDDINGS = 'https://api.openai.com/v1/embeddings';

/** The semantic layer of one conf: its embeddings client and key namespace. */
export interface SemanticState {
  conf: AiCacheSemanticConf;
  client: EmbeddingsClient;
  /** `<index>:l2:<embedding id>:` — entries of one dimension live under `<this><dim>:`. */
  docPrefix: string;
  /** `<index>:idx:<embedding id>:` — partition sets live under `<this><dim>:<partition>`. */
  setPrefix: string;
}

export interface AiCacheState {
  conf: AiCacheConf;
  store: CacheStore;
  /** Lower-cased header names of `bypass_on` with the value that bypasses. */
  bypass: readonly { header: string; equals: string }[];
  semantic: SemanticState | undefined;
}

function prepareSemantic(sem: AiCacheSemanticConf): SemanticState {
  const azure = sem.embedding.azure_openai;
  const p = azure ?? sem.embedding.openai!;
  const provider = azure ? 'azure_openai' : 'openai';
  const url = p.endpoint ?? OPENAI_EMBEDDINGS;
  const client = new EmbeddingsClient({
    url,
    headers: azure ? { 'api-key': p.api_key } : { authorization: `Bearer ${p.api_key}` },
    ...(azure ? {} : { model: p.model }),
    ...(p.dimensions !== undefined ? { dimensions: p.dimensions } : {}),
    timeoutMs: p.timeout,
    sslVerify: p.ssl_verify,
  });
  // Entries made by another embedding model (or endpoint, or size) are never compared.
  const id = sha256Hex(`${provider}|${p.model ?? ''}|${azure ? (p.endpoint ?? '') : url}|${p.dimensions ?? ''}`).slice(0, 16);
  const index = sem.vector_search.redis.index;
  return { conf: sem, client, docPrefix: `${index}:l2:${id}:`, setPrefix: `${index}:idx:${id}:` };
}

/**
 * The conf with every default in place. The validator inserts an object's `default: {}` without
 * filling that object's own defaults (api7/jsonschema does the same, hence APISIX's
 * `(conf.exact and conf.exact.ttl) or DEFAULT_TTL`), so they are completed here, once.
 */
export function withDefaults(c: AiCacheConf): AiCacheConf {
  const ck: Partial<AiCacheConf['cache_key']> = c.cache_key ?? {};
  const sem = c.semantic;
  const m: Partial<AiCacheSemanticConf['match']> = sem?.match ?? {};
  return {
    ...c,
    exact: { ttl: c.exact?.ttl ?? 3600 },
    cache_key: {
      share_across_routes: ck.share_across_routes ?? false,
      include_consumer: ck.include_consumer ?? false,
      include_vars: ck.include_vars ?? [],
    },
    max_cache_body_size: c.max_cache_body_size ?? 1048576,
    cache_headers: c.cache_headers ?? true,
    fail_mode: c.fail_mode ?? 'skip',
    layers: c.layers ?? ['exact'],
    ...(sem
      ? {
          semantic: {
            ...sem,
            similarity_threshold: sem.similarity_threshold ?? 0.95,
            top_k: sem.top_k ?? 1,
            ttl: sem.ttl ?? 86400,
            match: {
              message_countback: m.message_countback ?? 1,
              ignore_system_prompts: m.ignore_system_prompts ?? true,
              ignore_assistant_prompts: m.ignore_assistant_prompts ?? true,
              ignore_tool_prompts: m.ignore_tool_prompts ?? true,
            },
            vector_search: { redis: { index: sem.vector_search?.redis?.index ?? 'ai-cache' } },
          },
        }
      : {}),
  };
}

/** Once per config revision: the Redis handle, bypass rules and the semantic layer (when listed in `layers`). */
export function prepareAiCache(raw: AiCacheConf): AiCacheState {
  const conf = withDefaults(raw);
  return {
    conf,
    store: new CacheStore(conf),
    bypass: (conf.bypass_on ?? []).map((r) => ({ header: r.header.toLowerCase(), equals: r.equals })),
    semantic: conf.layers.includes('semantic') && conf.semantic ? prepareSemantic(conf.semantic) : undefined,
  };
}

export function destroyAiCache(state: AiCacheState): void {
  state.store.release();
  state.semantic?.client.close();
}
