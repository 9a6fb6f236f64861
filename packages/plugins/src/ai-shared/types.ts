import type { Reply } from '@portico/plugin-sdk';
import type { AiProtocol, AuthConf, JsonObject, ProtocolName, ProviderConf, ProviderName } from '@portico/providers';
import type { ResponseLimitsConf } from './response-limits-schema.js';

/** The provider part of an ai-proxy conf or of one ai-proxy-multi instance. */
export interface AiInstanceConf {
  provider: ProviderName;
  auth: AuthConf;
  options?: JsonObject;
  override?: OverrideConf;
  provider_conf?: ProviderConf;
}

/** `override` (APISIX 3.18 ai-proxy/schema.lua override_schema). */
export interface OverrideConf {
  endpoint?: string;
  /** Mapped to the provider's own field per target protocol, always forced. */
  llm_options?: { max_tokens?: number };
  /** Per target protocol, deep-merged into the outgoing body. */
  request_body?: Partial<Record<ProtocolName, JsonObject>>;
  /** Schema default false: override values only fill fields the body lacks. */
  request_body_force_override?: boolean;
}

/** Connection settings shared by ai-proxy and ai-proxy-multi (plugin top level). */
export interface TransportConf extends ResponseLimitsConf {
  timeout: number;
  keepalive: boolean;
  keepalive_timeout: number;
  keepalive_pool: number;
  ssl_verify: boolean;
}

export interface LoggingConf {
  summaries?: boolean;
  payloads?: boolean;
}

/** A client request that passed validation in the access phase. Never mutated afterwards. */
export interface AiRequest {
  /** Parsed client body (a JSON object). */
  readonly body: Readonly<JsonObject>;
  /** The client asked for a stream (`stream: true`). */
  readonly clientStream: boolean;
  /** The client's body bytes, forwarded as they are when no field changed. */
  readonly raw?: Buffer;
  /**
   * The AI protocol the client speaks (detected in access from body and URI). Absent on
   * requests built by hand: the body alone then decides (no URI-based protocols).
   */
  readonly protocol?: AiProtocol;
}

/**
 * Outcome of one upstream attempt, known once the response head arrived.
 * A failure means no byte reached the client yet, so a caller may try another instance.
 */
export type AttemptResult =
  | { ok: true; reply: Reply }
  | {
      ok: false;
      /** Status to give the client if nothing else is tried: upstream 429/5xx, 502 connect error, 504 timeout, 500 local error. */
      status: number;
      /** Upstream error body, fully buffered (429/5xx only). */
      body?: Buffer;
      /** Upstream headers worth forwarding with `body` (content-type). */
      headers?: Record<string, string>;
      /** All upstream response headers of a 429/5xx (Retry-After, x-ratelimit-*: cooldowns). */
      upstreamHeaders?: Record<string, string | string[] | undefined>;
      /** Set when the failure is not an upstream HTTP status. */
      error?: AiProxyError;
    };

/** Stable codes of AI transport failures. */
export type AiErrorCode =
  | 'AI_UPSTREAM_TIMEOUT'
  | 'AI_UPSTREAM_CONNECT'
  | 'AI_UPSTREAM_NO_HOST'
  | 'AI_CLIENT_ABORTED'
  | 'AI_GCP_AUTH'
  | 'AI_REQUEST_CONVERSION'
  | 'AI_RESPONSE_CONVERSION'
  /** max_response_bytes passed before anything reached the client (502). */
  | 'AI_RESPONSE_LIMIT'
  | 'AI_INTERNAL';

/** Typed AI transport error; `message` never contains credentials. */
export class AiProxyError extends Error {
  constructor(
    readonly code: AiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AiProxyError';
  }
}
