import type { JsonSchema } from '@portico/plugin-sdk';

/**
 * The APISIX 3.18 `semantic` balancer's schema parts (apisix/plugins/ai-proxy/schema.lua):
 * per-instance `examples` / `threshold` and the top-level `semantic_opts`.
 */
export const semanticInstanceProperties: Record<string, JsonSchema> = {
  examples: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', minLength: 1 } },
  threshold: { type: 'number', minimum: -1, maximum: 1 },
};

const embeddingsSchema: JsonSchema = {
  type: 'object',
  properties: {
    provider: { type: 'string', enum: ['openai', 'azure-openai'] },
    model: { type: 'string', minLength: 1 },
    endpoint: { type: 'string' },
    auth: {
      type: 'object',
      properties: {
        header: { type: 'object', additionalProperties: { type: 'string' } },
        query: { type: 'object', additionalProperties: { type: 'string' } },
      },
      additionalProperties: false,
    },
    timeout: { type: 'integer', minimum: 1, default: 3000 },
    ssl_verify: { type: 'boolean', default: true },
  },
  required: ['provider', 'model', 'auth'],
};

export const semanticOptsSchema: JsonSchema = {
  type: 'object',
  properties: {
    embeddings: embeddingsSchema,
    threshold: { type: 'number', minimum: -1, maximum: 1, default: 0 },
    fallback: { type: 'string', minLength: 1 },
    debugging: { type: 'boolean', default: false },
  },
  required: ['embeddings'],
};

/** `semantic_opts` after schema defaults. */
export interface SemanticOpts {
  embeddings: {
    provider: 'openai' | 'azure-openai';
    model: string;
    endpoint?: string;
    auth: { header?: Record<string, string>; query?: Record<string, string> };
    timeout: number;
    ssl_verify: boolean;
  };
  threshold: number;
  fallback?: string;
  debugging: boolean;
}

/** True when `balancer.algorithm` is `semantic`. */
export function isSemantic(conf: { balancer?: { algorithm?: string } }): boolean {
  return conf.balancer?.algorithm === 'semantic';
}

/** The instance fields the semantic balancer reads. */
export interface SemanticInstance {
  name: string;
  examples?: string[];
  threshold?: number;
}

// ai-proxy-multi.lua endpoint_regex.
const ENDPOINT_RE = /^(https?):\/\/([^:/]+):?(\d*)\/?.*$/s;

/** The path of an absolute URL ("" when it has none). */
function pathOf(url: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^?#]*)/.exec(url);
  return m?.[1] ?? '';
}

/** ai-proxy-multi.lua check_schema, `algo == "semantic"` branch, with APISIX's error strings. */
export function checkSemantic(opts: SemanticOpts | undefined, instances: readonly SemanticInstance[]): string | undefined {
  if (!opts?.embeddings) return 'must configure `semantic_opts.embeddings` when balancer algorithm is semantic';
  const { endpoint, provider } = opts.embeddings;
  if (endpoint !== undefined && !ENDPOINT_RE.test(endpoint)) return 'invalid `semantic_opts.embeddings.endpoint`';
  if (provider === 'azure-openai') {
    if (endpoint === undefined) {
      return 'must configure `semantic_opts.embeddings.endpoint` when embeddings provider is azure-openai';
    }
    const p = pathOf(endpoint);
    if (p === '' || p === '/') {
      return (
        '`semantic_opts.embeddings.endpoint` for azure-openai must include the full deployment path, e.g. ' +
        'https://{resource}.openai.azure.com/openai/deployments/{deployment}/embeddings?api-version=...'
      );
    }
  }
  let fallbackFound = false;
  for (const inst of instances) {
    if (opts.fallback !== undefined && inst.name === opts.fallback) fallbackFound = true;
    if (!inst.examples?.some((e) => e !== '')) {
      return `instance '${inst.name}': must configure non-empty \`examples\` for the semantic algorithm`;
    }
  }
  if (opts.fallback !== undefined && !fallbackFound) {
    return `\`semantic_opts.fallback\` names unknown instance '${opts.fallback}'`;
  }
  return undefined;
}
