import type { Reply } from '@portico/plugin-sdk';
import {
  capabilitiesOf,
  detectProtocol,
  findConverter,
  getProtocol,
  supportedList,
  type AiProtocol,
  type CapabilityEntry,
  type ConverterRoute,
  type ProtocolName,
} from '@portico/providers';
import type { PreparedInstance } from './instance.js';
import type { AiRequest } from './types.js';

/** How one request goes to one instance (APISIX 3.18 ai-proxy/base.lua before_proxy). */
export interface RequestPlan {
  /** Protocol the client speaks. */
  readonly client: AiProtocol;
  /** Protocol sent to the provider (the client's, or the converter's target). */
  readonly target: AiProtocol;
  /** The provider's capability entry for `target`; undefined for passthrough. */
  readonly cap: CapabilityEntry | undefined;
  /** Set when the request and response are converted. */
  readonly converter: ConverterRoute | undefined;
}

/** The client's protocol: as detected in access, else from the body alone. */
export function clientProtocol(req: AiRequest): AiProtocol | undefined {
  return req.protocol ?? detectProtocol(req.body as Record<string, unknown>, '');
}

/**
 * Decide target protocol and converter: the provider's own capability for the client
 * protocol, else passthrough to the client's URI, else a converter, else APISIX's 400
 * `provider <p> does not support <proto> protocol (supported: ...)` (plain text).
 */
export function planRequest(req: AiRequest, inst: PreparedInstance): RequestPlan | Reply {
  const client = clientProtocol(req);
  if (!client) return { status: 400, body: 'no matching AI protocol for the request' };
  const caps = capabilitiesOf(inst.conf.provider);
  const own = caps[client.name];
  if (own) return { client, target: client, cap: own, converter: undefined };
  if (client.name === 'passthrough') return { client, target: client, cap: undefined, converter: undefined };
  const conv = findConverter(client.name, caps);
  // An external converter (the provider's own module converts) keeps the client's body shape.
  const target = conv ? (conv.external ? client : getProtocol(conv.to)) : undefined;
  if (!conv || !target) {
    return {
      status: 400,
      body: `provider ${inst.conf.provider} does not support ${client.name} protocol (supported: ${supportedList(caps)})`,
    };
  }
  return { client, target, cap: caps[conv.to as ProtocolName], converter: conv };
}

export function isPlan(v: RequestPlan | Reply): v is RequestPlan {
  return 'client' in v;
}
