import {
  GcpTokenSource,
  getProvider,
  mergeQuery,
  prepareAuth,
  type Capability,
  type PreparedAuth,
  type ProviderConf,
  type ProviderDescriptor,
} from '@portico/providers';
import { prepareBedrock, type PreparedBedrock } from './bedrock.js';
import { parseEndpoint, type ParsedEndpoint } from './endpoint.js';
import type { AiInstanceConf } from './types.js';

/** Everything derived once per config revision from one instance conf. */
export interface PreparedInstance {
  /** Instance name as other plugins see it (`ai-proxy-<provider>` for ai-proxy). */
  readonly name: string;
  readonly conf: AiInstanceConf;
  readonly descriptor: ProviderDescriptor;
  readonly auth: PreparedAuth;
  readonly endpoint: ParsedEndpoint | undefined;
  readonly optionEntries: readonly (readonly [string, unknown])[];
  readonly optionsHasStreamOptions: boolean;
  readonly providerConf: ProviderConf;
  /** Query string sent upstream (auth.query + endpoint query). Contains secrets: never log. */
  readonly query: string;
  readonly gcp: GcpTokenSource | undefined;
  /** Region, credentials and host of a bedrock instance (SigV4 per request). */
  readonly bedrock: PreparedBedrock | undefined;
}

/** Build a PreparedInstance (call from `prepare`, never per request). */
export function prepareInstance(name: string, conf: AiInstanceConf): PreparedInstance {
  const auth = prepareAuth(conf.auth);
  const endpoint = conf.override?.endpoint ? parseEndpoint(conf.override.endpoint) : undefined;
  const options = conf.options ?? {};
  return Object.freeze({
    name,
    conf,
    descriptor: getProvider(conf.provider),
    auth,
    endpoint,
    optionEntries: Object.freeze(Object.entries(options).map(([k, v]) => Object.freeze([k, v] as const))),
    optionsHasStreamOptions: options.stream_options !== undefined,
    providerConf: conf.provider_conf ?? {},
    query: mergeQuery(auth.query, endpoint?.query ?? ''),
    gcp: auth.gcp ? new GcpTokenSource(auth.gcp) : undefined,
    bedrock: prepareBedrock(conf, endpoint),
  });
}

/** Where one attempt goes. */
export interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  /** Origin for undici, e.g. "https://api.openai.com:443". */
  origin: string;
}

/**
 * Resolve scheme/host/port/path for a capability: endpoint parts first, then the protocol's
 * own path (`protocolPath`: the provider's capability path, or the client's URI for
 * passthrough), then the provider defaults; the port comes from the endpoint or the scheme
 * (APISIX ignores driver ports). undefined when no host is known
 * (openai-compatible/azure-openai without an endpoint).
 */
export function resolveTarget(
  inst: PreparedInstance,
  capability: Capability,
  model: string | undefined,
  protocolPath?: string,
): Target | undefined {
  const ep = inst.endpoint;
  const needHost = !ep;
  const needPath = !ep || ep.path === undefined;
  const def =
    needHost || (needPath && protocolPath === undefined)
      ? inst.descriptor.defaultTarget(capability, { providerConf: inst.providerConf, model })
      : undefined;
  const scheme = ep?.scheme ?? def?.scheme ?? 'https';
  const host = ep?.host ?? def?.host;
  if (!host) return undefined;
  const port = ep?.port ?? (scheme === 'https' ? 443 : 80);
  const path = ep?.path ?? protocolPath ?? def?.path ?? '/';
  return { scheme, host, port, path, origin: `${scheme}://${host}:${port}` };
}
