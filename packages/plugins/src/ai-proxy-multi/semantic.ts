import type { RequestContext } from '@portico/plugin-sdk';
import { EmbeddingsClient } from '../ai-embeddings/client.js';
import { dot, normalize } from '../ai-embeddings/vector.js';
import { parseEndpoint } from '../ai-shared/endpoint.js';
import { detectProtocol, getMessages } from '../ai-prompt-shared/protocols.js';
import { getRunState } from '../ai-shared/keys.js';
import type { SemanticInstance, SemanticOpts } from './semantic-schema.js';

/** Longest prompt sent to the embeddings endpoint, in bytes (ai-proxy-multi.lua MAX_EMBED_PROMPT_BYTES). */
export const MAX_EMBED_PROMPT_BYTES = 16384;

/** How long embedded `examples` are reused (APISIX lrucache_semantic_vectors ttl = 3600 s). */
const REFERENCES_TTL_MS = 3600_000;

const OPENAI_EMBEDDINGS = 'https://api.openai.com/v1/embeddings';

/** Reference vectors (normalized) by instance name. */
type References = ReadonlyMap<string, readonly number[][]>;

/** The embeddings URL: the endpoint (its path, else the provider's `/v1/embeddings`) plus `auth.query`. */
export function embeddingsUrl(e: SemanticOpts['embeddings']): string {
  const ep = e.endpoint !== undefined ? parseEndpoint(e.endpoint) : undefined;
  const base = ep
    ? `${ep.scheme}://${ep.host}${ep.port !== undefined ? `:${ep.port}` : ''}${ep.path ?? '/v1/embeddings'}`
    : OPENAI_EMBEDDINGS;
  const q = new URLSearchParams(ep?.query ?? '');
  for (const [k, v] of Object.entries(e.auth.query ?? {})) q.set(k, v);
  const qs = q.toString();
  return qs ? `${base}?${qs}` : base;
}

/**
 * The text the router embeds: the last user message with text among the client's canonical
 * messages (ai-protocols `get_messages`, so chat, Anthropic Messages and Responses bodies alike;
 * text parts joined by a space), cut to {@link MAX_EMBED_PROMPT_BYTES}.
 */
export function lastUserText(body: Readonly<Record<string, unknown>>, uri: string): string | undefined {
  const msgs = getMessages(detectProtocol(body, uri), body as Parameters<typeof getMessages>[1]);
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i]!;
    if (m.role !== 'user' || m.content === '') continue;
    const b = Buffer.from(m.content, 'utf8');
    return b.length > MAX_EMBED_PROMPT_BYTES ? b.subarray(0, MAX_EMBED_PROMPT_BYTES).toString('utf8') : m.content;
  }
  return undefined;
}

/** Outcome of one semantic pick, with the debugging headers to send. */
export interface SemanticPick {
  name: string;
  headers: Record<string, string>;
}

/**
 * ai-proxy-multi's `semantic` balancer (APISIX 3.18): embed every instance's `examples` once
 * per config revision (retried on the next request when that fails), embed the request's last
 * user message, rank instances by their best cosine similarity and pick the highest one that
 * clears its threshold (`instances[].threshold`, else `semantic_opts.threshold`). Otherwise —
 * or when no prompt is found or embedding fails — the `semantic_opts.fallback` instance, else
 * the first one. Health checks and the fallback strategy play no part.
 */
export class SemanticRouter {
  private readonly client: EmbeddingsClient;
  private refs: Promise<References> | undefined;
  private refsAt = 0;

  constructor(
    private readonly opts: SemanticOpts,
    private readonly instances: readonly SemanticInstance[],
  ) {
    const e = opts.embeddings;
    this.client = new EmbeddingsClient({
      url: embeddingsUrl(e),
      headers: { ...(e.auth.header ?? {}) },
      model: e.model,
      timeoutMs: e.timeout,
      sslVerify: e.ssl_verify,
    });
  }

  private fallback(): string {
    const f = this.opts.fallback;
    if (f !== undefined && this.instances.some((i) => i.name === f)) return f;
    return this.instances[0]!.name;
  }

  private references(): Promise<References> {
    // Kept like APISIX's lrucache entry: an hour, then embedded again.
    if (this.refs !== undefined && Date.now() - this.refsAt > REFERENCES_TTL_MS) this.refs = undefined;
    if (this.refs === undefined) this.refsAt = Date.now();
    this.refs ??= (async () => {
      const texts: string[] = [];
      const owners: string[] = [];
      for (const inst of this.instances) {
        for (const ex of inst.examples ?? []) {
          texts.push(ex);
          owners.push(inst.name);
        }
      }
      const vecs = await this.client.embed(texts);
      const by = new Map<string, number[][]>();
      vecs.forEach((v, i) => {
        const name = owners[i]!;
        let list = by.get(name);
        if (!list) by.set(name, (list = []));
        list.push(normalize(v));
      });
      return by;
    })();
    // A failed build is not kept: the next request tries again.
    this.refs.catch(() => (this.refs = undefined));
    return this.refs;
  }

  async pick(ctx: RequestContext): Promise<SemanticPick> {
    const headers: Record<string, string> = {};
    let refs: References;
    try {
      refs = await this.references();
    } catch (e) {
      ctx.logger.warn(`semantic routing: failed to fetch reference embeddings: ${(e as Error).message}, falling back`);
      return { name: this.fallback(), headers };
    }
    const body = getRunState(ctx)?.request.body as Readonly<Record<string, unknown>> | undefined;
    const prompt = body ? lastUserText(body, ctx.uri) : undefined;
    if (prompt === undefined) {
      ctx.logger.warn('semantic routing: no user message found, falling back');
      return { name: this.fallback(), headers };
    }
    let q: number[];
    try {
      q = normalize((await this.client.embed([prompt]))[0]!);
    } catch (e) {
      ctx.logger.warn(`semantic routing: query embedding failed: ${(e as Error).message}, falling back`);
      return { name: this.fallback(), headers };
    }
    const ranked: { inst: SemanticInstance; score: number }[] = [];
    for (const inst of this.instances) {
      const rv = refs.get(inst.name);
      if (!rv) continue;
      let best = -Infinity;
      for (const r of rv) {
        if (r.length !== q.length) {
          ctx.logger.warn(
            `semantic routing: embedding dimension mismatch (query ${q.length} vs reference ${r.length}), falling back`,
          );
          return { name: this.fallback(), headers };
        }
        best = Math.max(best, dot(q, r));
      }
      ranked.push({ inst, score: best });
    }
    // Stable sort: equal scores keep config order.
    ranked.sort((a, b) => b.score - a.score);
    const scores = ranked.map((c) => `${c.inst.name}:${c.score.toFixed(4)}`).join(',');
    if (this.opts.debugging) headers['X-AI-Semantic-Scores'] = scores;
    for (const c of ranked) {
      if (c.score >= (c.inst.threshold ?? this.opts.threshold)) {
        if (this.opts.debugging) headers['X-AI-Semantic-Picked-Instance'] = c.inst.name;
        ctx.logger.info(`semantic routing picked instance: ${c.inst.name}, score: ${c.score}`);
        return { name: c.inst.name, headers };
      }
    }
    if (this.opts.debugging) headers['X-AI-Semantic-Picked-Instance'] = 'fallback';
    ctx.logger.warn(`semantic routing: no instance cleared threshold (scores: ${scores}), falling back`);
    return { name: this.fallback(), headers };
  }

  close(): void {
    this.client.close();
  }
}
