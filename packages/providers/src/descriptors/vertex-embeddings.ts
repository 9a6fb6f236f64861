import type { Converted, JsonObject } from '../types.js';

/**
 * OpenAI embeddings request → Vertex `predict` body (apisix/plugins/ai-drivers/vertex-ai.lua
 * `openai_embeddings_to_vertex_predict`): each input becomes `{content}`; inner arrays are
 * joined with a space. Error strings match APISIX.
 */
export function toVertexPredict(body: JsonObject): Converted<JsonObject> {
  const input = body.input;
  if (input === undefined || input === null) return { ok: false, error: '`input` is required for embeddings' };
  const texts: string[] = [];
  if (typeof input === 'string') {
    texts.push(input);
  } else if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const v: unknown = input[i];
      if (typeof v === 'string') texts.push(v);
      else if (Array.isArray(v)) texts.push(v.map(String).join(' '));
      else return { ok: false, error: `unsupported input type at index ${i + 1}` };
    }
  } else {
    return { ok: false, error: '`input` must be string or array' };
  }
  return { ok: true, value: { instances: texts.map((content) => ({ content })) } };
}

interface VertexPrediction {
  embeddings?: { values?: unknown; statistics?: { token_count?: unknown } };
}

/**
 * Vertex `predict` response → OpenAI embeddings list (`vertex_predict_to_openai_embeddings`);
 * usage is the sum of `statistics.token_count`.
 */
export function fromVertexPredict(resp: unknown, model: string | undefined): Converted<JsonObject> {
  if (typeof resp !== 'object' || resp === null) return { ok: false, error: 'empty vertex response' };
  const predictions = (resp as { predictions?: unknown }).predictions;
  if (typeof predictions !== 'object' || predictions === null || !Array.isArray(predictions)) {
    return { ok: false, error: 'vertex response missing predictions' };
  }
  let total = 0;
  const data: JsonObject[] = [];
  for (let i = 0; i < predictions.length; i++) {
    const emb = (predictions[i] as VertexPrediction | null)?.embeddings ?? {};
    if (!Array.isArray(emb.values)) return { ok: false, error: `invalid embedding at index ${i + 1}` };
    const count = emb.statistics?.token_count;
    if (typeof count === 'number') total += count;
    data.push({ object: 'embedding', index: i, embedding: emb.values });
  }
  return {
    ok: true,
    value: {
      object: 'list',
      data,
      model: model ?? 'unknown',
      usage: { prompt_tokens: total, total_tokens: total },
    },
  };
}
