/**
 * Where ai-request-rewrite sends its side request, resolved once per config revision:
 * `override.endpoint` (scheme, host, port, path, query) over the provider's default target
 * (packages/providers descriptors), with the auth query merged in (ai-providers/base.lua
 * build_request).
 */
import { getProvider, isProviderName, mergeQuery, prepareAuth } from '@portico/providers';
import { parseEndpoint } from '../ai-shared/endpoint.js';
import type { AiRequestRewriteConf } from './schema.js';
import type { WireProtocol } from './wire.js';

/** A resolved side-request target. */
export interface RewriteTarget {
  /** "scheme://host:port" for undici. */
  origin: string;
  /** Path and query string. */
  path: string;
  headers: Readonly<Record<string, string>>;
  wire: WireProtocol;
  removeModel: boolean;
}

/** Headers construct_forward_headers never sends from the configuration. */
const DROPPED = new Set(['host', 'content-length', 'accept-encoding']);

/** The target, or why there is none (answered with a 500 when a request needs it). */
export function resolveTarget(conf: AiRequestRewriteConf): RewriteTarget | { error: string } {
  const endpointText = conf.override?.endpoint;
  const endpoint = endpointText === undefined ? undefined : parseEndpoint(endpointText);
  if (endpointText !== undefined && endpoint === undefined) return { error: 'override.endpoint is not an absolute http(s) URL' };

  let wire: WireProtocol = 'openai-chat';
  let removeModel = false;
  let defHost: string | undefined;
  let defPath: string | undefined;
  let defScheme: 'http' | 'https' = 'https';
  if (conf.provider === 'bedrock') {
    // Bedrock's default host needs provider_conf.region and its path the request's model;
    // this plugin's schema has neither (nor auth.aws), so only an endpoint can serve it.
    wire = 'bedrock-converse';
    removeModel = true;
  } else if (isProviderName(conf.provider)) {
    const d = getProvider(conf.provider);
    const def = d.defaultTarget('chat', { providerConf: {}, model: conf.options?.model });
    removeModel = d.removeModel;
    defHost = def.host;
    defPath = def.path;
    defScheme = def.scheme;
  }

  const scheme = endpoint?.scheme ?? defScheme;
  const host = endpoint?.host ?? defHost;
  const path = endpoint?.path ?? defPath;
  if (host === undefined) return { error: `provider ${conf.provider} has no default host: set override.endpoint` };
  if (path === undefined) {
    return {
      error:
        'could not resolve upstream path: ensure the route or request body specifies a model, or that override.endpoint includes a path',
    };
  }
  const port = endpoint?.port ?? (scheme === 'https' ? 443 : 80);
  const auth = prepareAuth(conf.auth);
  const query = mergeQuery(auth.query, endpoint?.query ?? '');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth.headers)) if (!DROPPED.has(k)) headers[k] = v;
  headers['content-type'] = 'application/json';
  return {
    origin: `${scheme}://${host}:${port}`,
    path: query === '' ? path : `${path}?${query}`,
    headers,
    wire,
    removeModel,
  };
}
